//! `/etc/login.defs` and `/etc/security/pwquality.conf`, key by key
//! ([`Plan::keys`]): every other byte of both files stays as it was.
//!
//! A numeric key has a range ([`Want::Range`]): a value the host already
//! has inside it is kept (a `PASS_MAX_DAYS 60` is stricter than the
//! TOM's 90 and stays), anything else (unset, `99999`, not a number) gets
//! the policy's value. `ENCRYPT_METHOD` is exactly `YESCRYPT` (Debian 12's
//! spelling; its own file ships `SHA512`), `enforce_for_root` is a flag.
//!
//! pwquality: `minlen` is the host's minimum length, and the four credits
//! (`dcredit`, `ucredit`, `lcredit`, `ocredit`) are at most 0: a positive
//! credit lets a password of several classes be shorter than `minlen`; 0
//! (no credit, pwquality's default) or a negative one (a class required)
//! is kept. No class is required by harden (`minclass` is left alone):
//! NIST SP 800-63B advises against composition rules, and length is what
//! the TOM promises. The file is edited only when it exists or
//! libpam-pwquality is installed; otherwise the package finding says why
//! nothing was set (harden installs no packages).

use crate::contract::keyed::{self, KeyedSpec, Syntax};
use crate::contract::{FileFact, Plan};
use crate::report::model::Finding;

use super::policy::Policy;

/// The shadow suite's defaults for new passwords and accounts.
pub const LOGIN_DEFS: &str = "/etc/login.defs";
/// libpwquality's settings (read by pam_pwquality and `pwscore`).
pub const PWQUALITY: &str = "/etc/security/pwquality.conf";
/// The hash `passwd` and `chpasswd` use, as Debian 12's login.defs spells it.
pub const ENCRYPT_METHOD: &str = "YESCRYPT";
/// Highest credit kept (see the module doc).
const CREDIT_MAX: i64 = 0;
/// Lowest credit accepted (pwquality: minus the characters of that class
/// required).
const CREDIT_MIN: i64 = -128;

/// What one managed key must hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Want {
    /// An integer in `lo..=hi`; the host's value is kept when it is one,
    /// else `default` is set.
    Range {
        /// Lowest accepted.
        lo: i64,
        /// Highest accepted.
        hi: i64,
        /// Set when the host's value is outside.
        default: i64,
    },
    /// Exactly this value (`""`: a bare flag).
    Exactly(&'static str),
}

/// The keys of login.defs under `p`.
pub fn login_defs_keys(p: &Policy) -> Vec<(&'static str, Want)> {
    let max = i64::from(p.max_days);
    vec![
        ("PASS_MAX_DAYS", range(1, max, max)),
        (
            "PASS_MIN_DAYS",
            range(p.min_days.into(), max - 1, p.min_days.into()),
        ),
        (
            "PASS_WARN_AGE",
            range(p.warn_age.into(), max - 1, p.warn_age.into()),
        ),
        ("ENCRYPT_METHOD", Want::Exactly(ENCRYPT_METHOD)),
    ]
}

/// The keys of pwquality.conf for a minimum length of `minlen`.
pub fn pwquality_keys(minlen: u32) -> Vec<(&'static str, Want)> {
    let len = i64::from(minlen);
    let credit = || range(CREDIT_MIN, CREDIT_MAX, 0);
    vec![
        (
            "minlen",
            range(len, i64::from(super::section::MAX_LENGTH), len),
        ),
        ("dcredit", credit()),
        ("ucredit", credit()),
        ("lcredit", credit()),
        ("ocredit", credit()),
        ("enforce_for_root", Want::Exactly("")),
    ]
}

fn range(lo: i64, hi: i64, default: i64) -> Want {
    Want::Range { lo, hi, default }
}

/// The spec that sets `wants` in `content`: a ranged key the file already
/// sets to an accepted value keeps it.
pub fn spec(
    syntax: Syntax,
    wants: &[(&'static str, Want)],
    content: &[u8],
) -> Result<KeyedSpec, keyed::KeyedError> {
    let first = KeyedSpec {
        syntax,
        keys: wants
            .iter()
            .map(|(k, w)| (k.to_string(), fallback(w)))
            .collect(),
        case_insensitive_keys: false,
    };
    let states = keyed::read(content, &first)?;
    let keys = wants
        .iter()
        .zip(states)
        .map(|((k, w), s)| {
            let kept = match (w, s.have.as_deref()) {
                (Want::Range { lo, hi, .. }, Some(v)) => number(v)
                    .filter(|n| (*lo..=*hi).contains(n))
                    .map(|n| n.to_string()),
                _ => None,
            };
            (k.to_string(), kept.unwrap_or_else(|| fallback(w)))
        })
        .collect();
    Ok(KeyedSpec { keys, ..first })
}

/// A plain decimal integer (an optional `-`, at most 6 digits).
fn number(v: &str) -> Option<i64> {
    let digits = v.strip_prefix('-').unwrap_or(v);
    if digits.is_empty() || digits.len() > 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse().ok()
}

fn fallback(w: &Want) -> String {
    match w {
        Want::Range { default, .. } => default.to_string(),
        Want::Exactly(v) => (*v).to_string(),
    }
}

/// Sets `wants` in the file `have` (mode 0644 if it is created); a file
/// harden cannot edit safely is a failed finding, never a panic.
pub fn set(
    p: &mut Plan,
    path: &str,
    syntax: Syntax,
    wants: &[(&'static str, Want)],
    have: &FileFact,
    tom: &'static str,
) {
    let done = spec(syntax, wants, &have.content)
        .and_then(|s| p.keys(path, &s, have, 0o644, tom).map(|_| ()));
    if let Err(e) = done {
        p.push(
            Finding::new(p.control, "file-keys", path, tom).failed(format!(
                "[{}] the file cannot be edited key by key",
                e.code()
            )),
        );
    }
}
