//! harden's mechanisms that are not controls but are the evidence for a
//! measure: the password generator, the audit log, the webhook to
//! management and the nightly drift run. [`super::coverage`] counts them
//! beside the controls and policy rules; a test proves each one exists
//! (its CLI subcommand through clap, the inventory table that turns it on,
//! the CI job docs/ci.md describes).

use super::Tom;

/// One mechanism.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mechanism {
    /// `harden passwd generate`: passwords from the OS's secure random source.
    PasswdGenerate,
    /// The hash-chained audit log of every change and window (`harden audit`).
    AuditLog,
    /// The webhook that reports each change and window to management (`[report]`).
    Webhook,
    /// The nightly `harden drift` run in CI (docs/ci.md).
    NightlyDrift,
}

impl Mechanism {
    /// Every mechanism, in the order coverage lists them.
    pub const ALL: &'static [Mechanism] = &[
        Mechanism::PasswdGenerate,
        Mechanism::AuditLog,
        Mechanism::Webhook,
        Mechanism::NightlyDrift,
    ];

    /// The name coverage and docs/tom.md show.
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::PasswdGenerate => "harden passwd generate",
            Mechanism::AuditLog => "audit log",
            Mechanism::Webhook => "webhook",
            Mechanism::NightlyDrift => "nightly drift",
        }
    }

    /// The measures it is evidence for.
    pub fn measures(self) -> &'static [&'static Tom] {
        match self {
            Mechanism::PasswdGenerate => &[super::PASSWORD_RANDOM],
            Mechanism::AuditLog | Mechanism::Webhook => {
                &[super::ACCESS_REPORTING, super::MGMT_ACCESS_REPORT]
            }
            Mechanism::NightlyDrift => &[super::REVIEW],
        }
    }

    /// The `harden` subcommand path that runs it or reads its output.
    pub fn command(self) -> &'static [&'static str] {
        match self {
            Mechanism::PasswdGenerate => &["passwd", "generate"],
            Mechanism::AuditLog => &["audit", "verify"],
            // Each window is reported the moment it opens.
            Mechanism::Webhook => &["maintenance", "open"],
            Mechanism::NightlyDrift => &["drift"],
        }
    }
}

#[cfg(test)]
#[path = "mechanism_tests.rs"]
mod tests;
