//! Run-wide settings: the CA, maintenance windows, the audit log and the
//! report webhook, with their defaults and safe ranges.

use std::path::{Path, PathBuf};

use super::schema::{RawAudit, RawCa, RawMaintenance};
use super::source::{Diagnostic, Diags, KeyPath, Source};
use crate::notify::ReportConfig;

/// `[ca]` with defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaSettings {
    /// CA directory (absolute).
    pub dir: PathBuf,
    /// Environment variable holding the passphrase.
    pub passphrase_env: String,
    /// Default user certificate validity, hours.
    pub user_hours: u32,
    /// Cap for `sign-user --hours`.
    pub max_user_hours: u32,
    /// harden's own certificate validity, minutes.
    pub run_minutes: u32,
    /// Host certificate validity, days.
    pub host_days: u32,
    /// Re-sign host certificates with fewer days left.
    pub renew_days: u32,
}

/// `[maintenance]` with defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaintenanceSettings {
    /// Longest window, minutes.
    pub max_minutes: u32,
    /// Longest reason, characters.
    pub max_reason_len: usize,
}

impl Default for MaintenanceSettings {
    fn default() -> Self {
        MaintenanceSettings {
            max_minutes: 240,
            max_reason_len: 200,
        }
    }
}

/// `[audit]` with defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditSettings {
    /// The local audit log (absolute).
    pub log: PathBuf,
}

fn ranged(
    src: &Source,
    diags: &mut Diags,
    path: KeyPath,
    v: Option<u32>,
    lo: u32,
    hi: u32,
    dflt: u32,
) -> u32 {
    match v {
        Some(x) if x < lo || x > hi => {
            diags.push(Diagnostic::at(
                src,
                &path,
                "inv-bad-value",
                format!("{x} is outside {lo}-{hi}"),
                format!("valid: {lo}-{hi}"),
            ));
            dflt
        }
        Some(x) => x,
        None => dflt,
    }
}

/// Resolves `[ca]`.
pub fn ca(src: &Source, dir: &Path, raw: Option<&RawCa>, diags: &mut Diags) -> Option<CaSettings> {
    let r = raw?;
    let p = KeyPath::root().key("ca");
    let max_user_hours = ranged(
        src,
        diags,
        p.key("max_user_hours"),
        r.max_user_hours,
        1,
        24,
        24,
    );
    let user_hours = ranged(
        src,
        diags,
        p.key("user_hours"),
        r.user_hours,
        1,
        max_user_hours,
        8.min(max_user_hours),
    );
    let host_days = ranged(src, diags, p.key("host_days"), r.host_days, 2, 366, 90);
    Some(CaSettings {
        dir: dir.join(r.dir.as_deref().unwrap_or("ca")),
        passphrase_env: r
            .passphrase_env
            .clone()
            .unwrap_or_else(|| "HARDEN_CA_PASSPHRASE".into()),
        user_hours,
        max_user_hours,
        run_minutes: ranged(src, diags, p.key("run_minutes"), r.run_minutes, 2, 120, 10),
        host_days,
        renew_days: ranged(
            src,
            diags,
            p.key("renew_days"),
            r.renew_days,
            1,
            host_days.saturating_sub(1).max(1),
            30.min(host_days / 2),
        ),
    })
}

/// Resolves `[maintenance]`.
pub fn maintenance(
    src: &Source,
    raw: Option<&RawMaintenance>,
    diags: &mut Diags,
) -> MaintenanceSettings {
    let d = MaintenanceSettings::default();
    let Some(r) = raw else { return d };
    let p = KeyPath::root().key("maintenance");
    MaintenanceSettings {
        max_minutes: ranged(
            src,
            diags,
            p.key("max_minutes"),
            r.max_minutes,
            1,
            24 * 60,
            d.max_minutes,
        ),
        max_reason_len: ranged(
            src,
            diags,
            p.key("max_reason_len"),
            r.max_reason_len,
            10,
            2000,
            d.max_reason_len as u32,
        ) as usize,
    }
}

/// Resolves `[audit]`.
pub fn audit(dir: &Path, raw: Option<&RawAudit>) -> AuditSettings {
    AuditSettings {
        log: dir.join(
            raw.and_then(|r| r.log.as_deref())
                .unwrap_or(".harden/audit.jsonl"),
        ),
    }
}

/// Validates `[report]`.
pub fn report(src: &Source, raw: Option<&ReportConfig>, diags: &mut Diags) -> Option<ReportConfig> {
    let r = raw?;
    if let Err(e) = r.validate() {
        diags.push(Diagnostic::at(
            src,
            &KeyPath::root().key("report").key(e.key),
            "inv-bad-value",
            e.message.clone(),
            "see docs/inventory.md, [report]",
        ));
    }
    Some(r.clone())
}
