//! Users, their roles and which hosts each role may log into.
//!
//! Users are managed centrally here (TOM-1.3-central-users): a user set to
//! `active = false` is blocked on every host by the next apply. Access is
//! decided per host from the host's roles; a data host admits only the
//! management role (TOM-1.3-data-hosts-management-only), whatever `[access]`
//! says, and saying otherwise is a policy error.

use std::collections::HashMap;

use ssh_key::PublicKey;

use super::model::Host;
use super::net::Cidr;
use super::schema::{RawAccess, RawUser, Role, UserRole};
use super::source::{Diagnostic, Diags, KeyPath, Severity, Source};

/// A person who may log in with a certificate.
#[derive(Debug, Clone)]
pub struct User {
    /// Position in `users`.
    pub index: usize,
    /// Login name (also the certificate principal).
    pub name: String,
    /// Role.
    pub role: UserRole,
    /// Keys the CA may sign for this user.
    pub public_keys: Vec<PublicKey>,
    /// False: blocked.
    pub active: bool,
    /// Certificates are restricted to these sources, if set.
    pub source_addresses: Option<Vec<Cidr>>,
}

/// Host roles each user role may log into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    /// Management.
    pub management: Vec<Role>,
    /// Operators.
    pub operator: Vec<Role>,
    /// Developers.
    pub developer: Vec<Role>,
}

impl Default for Access {
    fn default() -> Self {
        Access {
            management: vec![Role::Data, Role::App, Role::Gatekeeper, Role::Loadbalancer],
            operator: vec![Role::App, Role::Gatekeeper, Role::Loadbalancer],
            developer: vec![Role::App],
        }
    }
}

impl Access {
    /// Host roles `role` may log into.
    pub fn roles(&self, role: UserRole) -> &[Role] {
        match role {
            UserRole::Management => &self.management,
            UserRole::Operator => &self.operator,
            UserRole::Developer => &self.developer,
        }
    }

    /// Whether a user with `role` may log into `host`.
    pub fn allows(&self, role: UserRole, host: &Host) -> bool {
        if host.has_role(Role::Data) {
            return role == UserRole::Management;
        }
        host.roles.iter().any(|r| self.roles(role).contains(r))
    }
}

/// Names harden reserves or the system owns.
const RESERVED: &[&str] = &[
    "root", "harden", "daemon", "bin", "sys", "sync", "nobody", "sshd", "www-data", "backup",
    "operator",
];

pub(super) fn valid_login(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && name.len() <= 32
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// Resolves `[[users]]`, collecting every problem.
pub fn users(src: &Source, raw: &[RawUser], diags: &mut Diags) -> Vec<User> {
    let mut out = Vec::new();
    let mut names: HashMap<String, usize> = HashMap::new();
    let mut keys: HashMap<String, usize> = HashMap::new();
    for (i, u) in raw.iter().enumerate() {
        let up = KeyPath::root().key("users").index(i);
        let mut err = |p: &KeyPath, code: &'static str, m: String, h: &str| {
            diags.add(Severity::Error, || Diagnostic::at(src, p, code, m, h))
        };
        let Some(name) = u.name.clone() else {
            err(
                &up,
                "inv-missing-key",
                "user has no `name`".into(),
                "add name = \"alice\"",
            );
            continue;
        };
        if !valid_login(&name) || RESERVED.contains(&name.as_str()) {
            err(&up.key("name"), "inv-bad-name", format!("`{name}` is not a usable login name"), "use lowercase letters, digits, '_' and '-', starting with a letter; not a system name such as root or harden");
        }
        if let Some(prev) = names.insert(name.clone(), i) {
            err(
                &up.key("name"),
                "inv-duplicate-user",
                format!("user `{name}` is already defined at users[{prev}]"),
                "user names must be unique",
            );
        }
        let Some(role) = u.role else {
            err(
                &up,
                "inv-missing-key",
                format!("user `{name}` has no `role`"),
                "add role = \"management\", \"operator\" or \"developer\"",
            );
            continue;
        };
        let mut parsed = Vec::new();
        for (j, k) in u.public_keys.iter().enumerate() {
            match PublicKey::from_openssh(k.trim()) {
                Ok(pk) => {
                    let fp = pk.fingerprint(ssh_key::HashAlg::Sha256).to_string();
                    if let Some(other) = keys.insert(fp.clone(), i) {
                        if other != i {
                            err(
                                &up.key("public_keys").index(j),
                                "inv-duplicate-key",
                                format!("key {fp} also belongs to users[{other}]"),
                                "every key belongs to one person",
                            );
                        }
                    }
                    parsed.push(pk);
                }
                Err(e) => err(
                    &up.key("public_keys").index(j),
                    "inv-bad-key",
                    format!("not an OpenSSH public key: {e}"),
                    "paste the one line of the user's id_ed25519.pub (ssh-ed25519 AAAA… comment)",
                ),
            }
        }
        let mut sources = None;
        if let Some(list) = &u.source_addresses {
            let mut v = Vec::new();
            for (j, s) in list.iter().enumerate() {
                match Cidr::parse(s) {
                    Ok(c) => v.push(c),
                    Err(e) => err(
                        &up.key("source_addresses").index(j),
                        "inv-bad-cidr",
                        e,
                        "write an address or prefix",
                    ),
                }
            }
            sources = Some(v);
        }
        out.push(User {
            index: i,
            name,
            role,
            public_keys: parsed,
            active: u.active.unwrap_or(true),
            source_addresses: sources,
        });
    }
    out
}

/// Resolves `[access]`; granting data hosts to non-management roles is an error.
pub fn access(src: &Source, raw: Option<&RawAccess>, diags: &mut Diags) -> Access {
    let mut a = Access::default();
    let Some(r) = raw else { return a };
    for (role, list, slot) in [
        (UserRole::Management, &r.management, &mut a.management),
        (UserRole::Operator, &r.operator, &mut a.operator),
        (UserRole::Developer, &r.developer, &mut a.developer),
    ] {
        if let Some(l) = list {
            if role != UserRole::Management && l.contains(&Role::Data) {
                diags.push(
                    Diagnostic::at(src, &KeyPath::root().key("access").key(role.as_str()), "pol-data-host-non-management",
                        format!("role `{role}` may not log into data hosts"),
                        "only management may access data-holding systems: remove \"data\" from this list")
                        .tom(crate::tom::DATA_HOSTS_MANAGEMENT_ONLY.id),
                );
            }
            *slot = l.clone();
        }
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_names() {
        assert!(valid_login("alice"));
        assert!(valid_login("ops_bob-2"));
        assert!(!valid_login("Alice"));
        assert!(!valid_login("1bob"));
        assert!(!valid_login("a b"));
    }
}
