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
//! It also installs the read-only drift credential's probe runner and maps
//! its principal (`crate::drift_access`).

pub mod hostcert;

use crate::ca::HARDEN_PRINCIPAL;
use crate::contract::{Control, Facts, HostCtx, ManagedFile, Plan, Probe, Quarantine, RenderError};
use crate::controls::sshd;
use crate::inventory::UserRole;
use crate::report::model::{ChangeId, Finding, Fix};

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
        .extend([HARDEN_PRINCIPAL.to_string(), drift_line()]);
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

/// The principals line of the read-only drift credential: its forced
/// command holds even for a certificate that lacks the option
/// (`restrict`: no pty, forwarding or user rc either).
pub fn drift_line() -> String {
    format!(
        "restrict,command=\"{}\" {}",
        crate::drift_access::RUNNER,
        crate::drift_access::PRINCIPAL
    )
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

    fn measures(&self) -> &'static [&'static crate::tom::Tom] {
        &[crate::tom::CRITICAL_LOGIN, crate::tom::CENTRAL_USERS]
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

    fn plan(&self, ctx: &HostCtx<'_>, facts: &Facts) -> Result<Plan, RenderError> {
        let ca = ctx.ca.ok_or_else(|| RenderError("no CA loaded".into()))?;
        let trusted = crate::ca::trusted_user_ca_keys(&ca.trusted_user)
            .map_err(|e| RenderError(e.to_string()))?;
        let mut p = Plan::new("ssh-ca");
        p.guard = true;
        p.activate.push(sshd::RELOAD.to_string());
        let user_ca = p.file(
            ManagedFile::root(USER_CA, trusted, 0o644, LOGIN),
            &facts.file(USER_CA),
        );
        let krl = p.file(
            ManagedFile::root(KRL, ca.krl.clone(), 0o644, USERS),
            &facts.file(KRL),
        );
        let wanted = principals(ctx);
        for (account, text) in &wanted {
            let path = format!("{PRINCIPALS}/{account}");
            let have = facts.file(&path);
            p.file(ManagedFile::root(&path, text.clone(), 0o644, USERS), &have);
        }
        let runner = ManagedFile {
            validate: Some("sh -n {}".into()),
            ..ManagedFile::root(
                crate::drift_access::RUNNER,
                crate::drift_access::runner::for_host(ctx, facts)?,
                0o755,
                LOGIN,
            )
        };
        p.file(runner, &facts.file(crate::drift_access::RUNNER));
        let mut cert = None;
        if !facts.assumed {
            match hostcert::desired(ctx, ca, facts) {
                Ok(Some(text)) => {
                    cert = Some(p.file(
                        ManagedFile::root(HOST_CERT, text, 0o644, LOGIN),
                        &facts.file(HOST_CERT),
                    ))
                }
                Ok(None) => {}
                Err(e) => p.preflight.push(e),
            }
        }
        for f in facts.dir(PRINCIPALS) {
            if !wanted
                .iter()
                .any(|(a, _)| format!("{PRINCIPALS}/{a}") == f.path)
            {
                p.move_aside(
                    Quarantine {
                        path: f.path.clone(),
                        tom: USERS,
                    },
                    None,
                );
            }
        }
        checks(ctx, ca, facts, &mut p, [user_ca, krl], cert);
        Ok(p)
    }
}

/// The CA's typed checks: fingerprints, KRL version, host certificate,
/// directory modes; each linked to the change that fixes it.
fn checks(
    ctx: &HostCtx<'_>,
    ca: &crate::ca::CaRuntime,
    facts: &Facts,
    p: &mut Plan,
    [user_ca, krl_id]: [ChangeId; 2],
    cert: Option<ChangeId>,
) {
    let want: Vec<String> = ca.user_fingerprints();
    let have: Vec<String> = facts
        .file(USER_CA)
        .text()
        .lines()
        .filter_map(|l| ssh_key::PublicKey::from_openssh(l.trim()).ok())
        .map(|k| k.fingerprint(ssh_key::HashAlg::Sha256).to_string())
        .collect();
    p.push(
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
            Fix::Change(user_ca),
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
        Fix::Change(krl_id),
    );
    if f.status == crate::report::model::Status::InSync && krl.content != ca.krl {
        f = f.drift(
            "as issued by the CA",
            "same version, different content",
            Fix::Change(krl_id),
        );
    }
    p.push(f);
    if facts.assumed {
        return;
    }
    let mut hc = hostcert::finding(ctx, ca, facts);
    if hc.fix != Fix::None {
        hc.fix = cert.map(Fix::Change).unwrap_or(Fix::None);
    }
    p.push(hc);
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
        let f = Finding::new("ssh-ca", "directory", dir, USERS);
        if have == "755 root root" {
            p.push(f.ok(have));
        } else {
            // sshd reads principals files as the logging-in user: the
            // directories must stay traversable.
            let id = p.run(format!(
                "chown root:root {d} && chmod 755 {d}",
                d = crate::contract::sh_quote(dir)
            ));
            p.push(f.drift("755 root root", have, Fix::Change(id)));
        }
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
