//! SSH CA control: makes every host trust harden's CA and nothing else.
//!
//! It owns the files sshd reads for certificate logins: the trusted user
//! CA keys (all live generations, so a rotation never locks anyone out),
//! the revocation list (always present: sshd refuses every key when the
//! `RevokedKeys` file is missing), one principals file per account
//! (root: `harden` plus the management users allowed on the host; each
//! person: their own name) and the host certificate. Principals files of
//! accounts no longer allowed are moved aside, so a blocked or removed
//! user is refused after the next apply. The sshd control points sshd at
//! these files; this control runs first so they exist when it validates.

pub mod hostcert;

use crate::ca::HARDEN_PRINCIPAL;
use crate::controls::{sshd, Control, Desired, HostCtx, ManagedFile, Quarantine, RenderError};
use crate::engine::facts::{Facts, Probe};
use crate::inventory::UserRole;
use crate::report::model::{Finding, Fix};

/// Directory of harden's sshd trust files.
pub const DIR: &str = "/etc/ssh/harden";
/// Trusted user CA keys (`TrustedUserCAKeys`).
pub const USER_CA: &str = "/etc/ssh/harden/user_ca.pub";
/// Revocation list (`RevokedKeys`).
pub const KRL: &str = "/etc/ssh/harden/revoked.krl";
/// Principals files (`AuthorizedPrincipalsFile …/%u`).
pub const PRINCIPALS: &str = "/etc/ssh/harden/principals";
/// The host certificate (`HostCertificate`).
pub const HOST_CERT: &str = "/etc/ssh/ssh_host_ed25519_key-cert.pub";
/// The host key it certifies.
pub const HOST_KEY_PUB: &str = "/etc/ssh/ssh_host_ed25519_key.pub";

const LOGIN: &str = crate::tom::CRITICAL_LOGIN.id;
const DIRS: &str = "ssh-ca.dirs";
const USERS: &str = crate::tom::CENTRAL_USERS.id;

/// The SSH CA control.
pub struct SshCa;

/// Principals file contents per account on this host: harden's own
/// principal on the account it connects as (root by default), every
/// management user on root, each allowed person on their own account.
pub fn principals(ctx: &HostCtx<'_>) -> Vec<(String, String)> {
    let mut map: std::collections::BTreeMap<String, Vec<String>> =
        std::collections::BTreeMap::new();
    map.entry("root".into()).or_default();
    map.entry(ctx.host.conn.user.clone())
        .or_default()
        .push(HARDEN_PRINCIPAL.to_string());
    for u in ctx.inv.users_on(ctx.host) {
        if u.role == UserRole::Management {
            map.entry("root".into()).or_default().push(u.name.clone());
        }
        map.entry(u.name.clone()).or_default().push(u.name.clone());
    }
    map.into_iter()
        .map(|(account, names)| {
            let text = names.iter().map(|n| format!("{n}\n")).collect::<String>();
            (account, text)
        })
        .collect()
}

/// Reads the version from a KRL's header (magic, format, version).
pub fn krl_version(bytes: &[u8]) -> Option<u64> {
    if bytes.len() < 20 || &bytes[..8] != b"SSHKRL\n\0" {
        return None;
    }
    Some(u64::from_be_bytes(bytes[12..20].try_into().ok()?))
}

impl Control for SshCa {
    fn id(&self) -> &'static str {
        "ssh-ca"
    }

    fn applies(&self, ctx: &HostCtx<'_>) -> bool {
        ctx.ca.is_some()
    }

    fn probes(&self, _ctx: &HostCtx<'_>) -> Result<Vec<Probe>, RenderError> {
        Ok(vec![
            Probe::File(HOST_KEY_PUB.into()),
            Probe::File(HOST_CERT.into()),
            Probe::Dir(PRINCIPALS.into()),
            Probe::cmd(
                DIRS,
                format!("stat -c '%a %U %G %n' {DIR} {PRINCIPALS} 2>/dev/null"),
            ),
        ])
    }

    fn desired(&self, ctx: &HostCtx<'_>, facts: &Facts) -> Result<Desired, RenderError> {
        let ca = ctx.ca.ok_or_else(|| RenderError("no CA loaded".into()))?;
        let trusted = crate::ca::trusted_user_ca_keys(&ca.trusted_user)
            .map_err(|e| RenderError(e.to_string()))?;
        let mut d = Desired {
            files: vec![
                ManagedFile::root(USER_CA, trusted, 0o644, LOGIN),
                ManagedFile::root(KRL, ca.krl.clone(), 0o644, USERS),
            ],
            // sshd reads principals files as the logging-in user: the
            // directories must stay traversable.
            activate: vec![
                format!("chown root:root {DIR} {PRINCIPALS} && chmod 755 {DIR} {PRINCIPALS}"),
                sshd::RELOAD.to_string(),
            ],
            guard: true,
            ..Default::default()
        };
        let wanted = principals(ctx);
        for (account, text) in &wanted {
            d.files.push(ManagedFile::root(
                &format!("{PRINCIPALS}/{account}"),
                text.clone(),
                0o644,
                USERS,
            ));
        }
        for f in facts.dir(PRINCIPALS) {
            if !wanted
                .iter()
                .any(|(a, _)| format!("{PRINCIPALS}/{a}") == f.path)
            {
                d.quarantine.push(Quarantine {
                    path: f.path.clone(),
                    tom: USERS,
                });
            }
        }
        if !facts.assumed {
            match hostcert::desired(ctx, ca, facts) {
                Ok(Some(text)) => d
                    .files
                    .push(ManagedFile::root(HOST_CERT, text, 0o644, LOGIN)),
                Ok(None) => {}
                Err(e) => d.preflight.push(e),
            }
        }
        Ok(d)
    }

    fn check(&self, ctx: &HostCtx<'_>, _desired: &Desired, facts: &Facts) -> Vec<Finding> {
        let Some(ca) = ctx.ca else { return Vec::new() };
        let mut out = Vec::new();
        let want: Vec<String> = ca.user_fingerprints();
        let have: Vec<String> = facts
            .file(USER_CA)
            .text()
            .lines()
            .filter_map(|l| ssh_key::PublicKey::from_openssh(l.trim()).ok())
            .map(|k| k.fingerprint(ssh_key::HashAlg::Sha256).to_string())
            .collect();
        out.push(
            Finding::new(
                "ssh-ca",
                "trusted-user-ca",
                "trusted user CA fingerprints",
                LOGIN,
            )
            .compare(
                want.join(", "),
                if have.is_empty() {
                    "none".into()
                } else {
                    have.join(", ")
                },
                Fix::File,
            ),
        );
        let want_v = krl_version(&ca.krl)
            .map(|v| format!("version {v}"))
            .unwrap_or_else(|| "unreadable".into());
        let krl = facts.file(KRL);
        let have_v = if krl.present {
            krl_version(&krl.content)
                .map(|v| format!("version {v}"))
                .unwrap_or_else(|| "not a KRL".into())
        } else {
            "absent".into()
        };
        let mut f = Finding::new("ssh-ca", "revocation-list", KRL, USERS).compare(
            want_v,
            have_v,
            Fix::File,
        );
        if f.status == crate::report::model::Status::InSync && krl.content != ca.krl {
            f = f.drift(
                "as issued by the CA",
                "same version, different content",
                Fix::File,
            );
        }
        out.push(f);
        if !facts.assumed {
            out.push(hostcert::finding(ctx, ca, facts));
            let stat = facts
                .cmd(DIRS)
                .map(|c| c.stdout.clone())
                .unwrap_or_default();
            for dir in [DIR, PRINCIPALS] {
                let have = stat
                    .lines()
                    .find(|l| l.ends_with(&format!(" {dir}")))
                    .map(|l| {
                        l.rsplit_once(' ')
                            .map(|(a, _)| a.to_string())
                            .unwrap_or_default()
                    })
                    .unwrap_or_else(|| "absent".into());
                out.push(Finding::new("ssh-ca", "directory", dir, USERS).compare(
                    "755 root root",
                    have,
                    Fix::Activate,
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn krl_header_version() {
        let mut b = b"SSHKRL\n\0".to_vec();
        b.extend(1u32.to_be_bytes());
        b.extend(7u64.to_be_bytes());
        assert_eq!(super::krl_version(&b), Some(7));
        assert_eq!(super::krl_version(b"nope"), None);
    }
}
