//! The TOM's password numbers ([`Policy::TOM`]) and what one host needs:
//! a minimum length of 12 characters, 30 on a host that holds data
//! ([`crate::controls::haproxy::section::policy::holds_data`], the notion every
//! other rule of harden uses), and a change at least every 90 days. The
//! inventory's `passwords` section may tighten these, never loosen them
//! (`pol-pass-…`, see [`super::section`]).

use crate::inventory::Host;

/// The password rules in force on one host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Longest a password may be used, in days (`PASS_MAX_DAYS`, `chage -M`).
    pub max_days: u32,
    /// Shortest time between two changes, in days (`PASS_MIN_DAYS`).
    pub min_days: u32,
    /// Days of warning before a password expires (`PASS_WARN_AGE`).
    pub warn_age: u32,
    /// Minimum length on a host that holds no data (pwquality `minlen`).
    pub min_length: u32,
    /// Minimum length on a host that holds data.
    pub min_length_data: u32,
}

impl Policy {
    /// The TOM's rules (TOM-1.3-password-length, TOM-1.3-password-rotation):
    /// at least 12 characters, 30 on data-holding systems, changed at
    /// least every 3 months (90 days). `min_days` 1 stops a user cycling
    /// back to the old password at once; 7 days of warning are Debian's
    /// default.
    pub const TOM: Policy = Policy {
        max_days: 90,
        min_days: 1,
        warn_age: 7,
        min_length: 12,
        min_length_data: 30,
    };

    /// The minimum length for `host`: [`Policy::min_length_data`] when it
    /// holds data, else [`Policy::min_length`].
    pub fn length_for(&self, host: &Host) -> u32 {
        if holds_data(host) {
            self.min_length_data
        } else {
            self.min_length
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy::TOM
    }
}

/// Whether `host` holds data: the data role, or data disks declared.
pub fn holds_data(host: &Host) -> bool {
    crate::controls::haproxy::section::policy::holds_data(host).is_some()
}

/// True when the passwords control does not manage `host` (no
/// `passwords` table of its own and no `[defaults.passwords]`): the hosts
/// `pol-pass-undeclared` names.
pub fn unmanaged(host: &Host) -> bool {
    host.settings::<super::section::PasswordSettings>()
        .policy
        .is_none()
}

/// `pol-pass-undeclared`: one warning, at `[defaults]`, naming the hosts
/// the passwords control does not manage (no `passwords` table of their
/// own and no `[defaults.passwords]`): on them harden checks neither
/// TOM-1.3-password-length nor TOM-1.3-password-rotation. The control
/// stays opt-in (docs/passwords.md, "Which hosts" says why).
pub fn undeclared(inv: &crate::inventory::Inventory, out: &mut crate::inventory::Diags) {
    use crate::inventory::{Diagnostic, KeyPath, Severity};
    let names: Vec<&str> = inv
        .hosts
        .iter()
        .filter(|h| unmanaged(h))
        .map(|h| h.name.as_str())
        .collect();
    let Some(first) = names.first() else { return };
    let more = match names.len() {
        1 => String::new(),
        n => format!(" and {} more", n - 1),
    };
    out.add(Severity::Warning, || {
        Diagnostic::at(
            &inv.source,
            &KeyPath::root().key("defaults"),
            "pol-pass-undeclared",
            format!(
                "no passwords table for `{first}`{more}: TOM-1.3-password-length and TOM-1.3-password-rotation are not checked there"
            ),
            "add an empty [defaults.passwords] table to put every host under the TOM's password rules",
        )
        .tom(crate::tom::PASSWORD_ROTATION.id)
        .warning()
    });
}
