//! Passwords control: the TOM's password rules on a host
//! (TOM-1.3-password-length, TOM-1.3-password-rotation); see
//! docs/passwords.md.
//!
//! It manages hosts whose inventory writes a `passwords` table
//! (`[defaults.passwords]` for all, see [`section`]) and checks:
//! - `/etc/login.defs` and `/etc/security/pwquality.conf`, key by key
//!   ([`files`]): every other byte stays;
//! - libpam-pwquality installed and used by `/etc/pam.d/common-password`
//!   ([`pam`], report-only);
//! - every account's aging from `/etc/shadow` ([`aging`]): max age set
//!   with `chage -M`, an old password reported by name, harden's own
//!   users certificate-only.

pub mod aging;
pub mod files;
pub mod pam;
pub mod policy;
pub mod section;
mod section_codes;

use crate::contract::keyed::Syntax;
use crate::contract::kinds::Shadow;
use crate::contract::{Control, Facts, HostCtx, Plan, Probe, RenderError};
use crate::report::model::Finding;
use policy::Policy;
use section::PasswordSettings;

const LENGTH: &str = crate::tom::PASSWORD_LENGTH.id;
const ROTATION: &str = crate::tom::PASSWORD_ROTATION.id;

/// The passwords control.
pub struct Passwords;

/// The host's rules, when it is managed.
pub fn policy_of(ctx: &HostCtx<'_>) -> Option<Policy> {
    ctx.host.settings::<PasswordSettings>().policy
}

impl Control for Passwords {
    fn id(&self) -> &'static str {
        "passwords"
    }

    fn section(&self) -> Option<&'static dyn crate::contract::section::Section> {
        Some(&section::PasswordsSection)
    }

    fn measures(&self) -> &'static [&'static crate::tom::Tom] {
        &[
            crate::tom::PASSWORD_LENGTH,
            crate::tom::PASSWORD_ROTATION,
            crate::tom::CRITICAL_LOGIN,
        ]
    }

    fn applies(&self, ctx: &HostCtx<'_>) -> bool {
        policy_of(ctx).is_some()
    }

    fn probes(&self, _ctx: &HostCtx<'_>) -> Result<Vec<Probe>, RenderError> {
        Ok(vec![
            Probe::File(files::LOGIN_DEFS.into()),
            Probe::File(files::PWQUALITY.into()),
            Probe::File(pam::COMMON_PASSWORD.into()),
            pam::probe(),
            Probe::kind(&Shadow),
        ])
    }

    fn plan(&self, ctx: &HostCtx<'_>, facts: &Facts) -> Result<Plan, RenderError> {
        let mut p = Plan::new(self.id());
        let Some(policy) = policy_of(ctx) else {
            return Ok(p);
        };
        if facts.assumed {
            // Offline: no file to edit key by key, no account to read.
            return Ok(p);
        }
        plan(
            &mut p,
            ctx,
            facts,
            &policy,
            (crate::timefmt::now() / 86_400) as i64,
        );
        Ok(p)
    }
}

/// The whole plan of one host, `today` in days since 1970.
pub fn plan(p: &mut Plan, ctx: &HostCtx<'_>, facts: &Facts, policy: &Policy, today: i64) {
    files::set(
        p,
        files::LOGIN_DEFS,
        Syntax::Spaced,
        &files::login_defs_keys(policy),
        &facts.file(files::LOGIN_DEFS),
        ROTATION,
    );
    let pwq = facts.file(files::PWQUALITY);
    if pwq.present || pam::installed(facts) == Some(true) {
        files::set(
            p,
            files::PWQUALITY,
            Syntax::Equals,
            &files::pwquality_keys(policy.length_for(ctx.host)),
            &pwq,
            LENGTH,
        );
    } else {
        p.push(
            Finding::new(p.control, "file-keys", files::PWQUALITY, LENGTH)
                .info("not set: the file is absent and libpam-pwquality is not installed (see the package finding)"),
        );
    }
    pam::check(p, facts, LENGTH);
    match facts.kind(&Shadow) {
        Ok(entries) => {
            let managed: Vec<&str> = if ctx.ca.is_some() {
                ctx.inv
                    .users_on(ctx.host)
                    .map(|u| u.name.as_str())
                    .collect()
            } else {
                Vec::new()
            };
            aging::check(p, &entries, &managed, policy, today);
        }
        Err(e) => p.push(
            Finding::new(p.control, "shadow", "/etc/shadow", ROTATION)
                .failed(format!("[{}] {e}", e.code())),
        ),
    }
}

#[cfg(test)]
mod aging_tests;
#[cfg(test)]
mod files_tests;
#[cfg(test)]
mod pam_tests;
#[cfg(test)]
mod section_tests;
#[cfg(test)]
mod testkit;
