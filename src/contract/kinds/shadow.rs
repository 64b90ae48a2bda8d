//! `Shadow`: password state and aging of every account, from `getent shadow`.
//!
//! The password hash is looked at (to tell locked, none, empty and usable
//! apart) and dropped: it is never in the value, an error or a log line.

use super::error::accept;
use super::text::check_value;
use super::{CmdOutput, Kind, KindError};

const ID: &str = "kind.shadow";
const CMD: &str = "getent shadow";
const MAX_BYTES: usize = 8 << 20;
const MAX_LINES: usize = 65_536;
/// Day numbers beyond this (year ~29000) are refused as absurd.
const MAX_DAYS: i64 = 10_000_000;

/// Every account's shadow entry.
#[derive(Clone, Copy, Debug, Default)]
pub struct Shadow;

/// What the password field allows, the hash itself dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordState {
    /// A hash: password login works.
    Usable,
    /// A hash behind `!`: locked (`passwd -l`, `usermod -L`), unlockable.
    Locked,
    /// `*`, `!`, `!!` or any other value no password can match: no
    /// password login.
    None,
    /// Empty field: login WITHOUT a password (where PAM allows nullok).
    Empty,
}

/// One account's shadow entry. Day counts are days since 1970-01-01; an
/// empty field (or `-1`) is `None`: the feature is off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShadowEntry {
    /// Login name.
    pub name: String,
    /// What the password field allows.
    pub password: PasswordState,
    /// Day of the last password change (0: must change at next login).
    pub last_change: Option<i64>,
    /// Minimum days between changes.
    pub min_days: Option<i64>,
    /// Maximum days a password is valid.
    pub max_days: Option<i64>,
    /// Days of warning before it expires.
    pub warn_days: Option<i64>,
    /// Days after expiry until the account is disabled.
    pub inactive_days: Option<i64>,
    /// Day the account expires.
    pub expire_day: Option<i64>,
}

impl Kind for Shadow {
    type Value = Vec<ShadowEntry>;

    fn id(&self) -> String {
        ID.to_string()
    }

    fn script(&self) -> String {
        "getent shadow".to_string()
    }

    fn parse(&self, out: &CmdOutput<'_>) -> Result<Vec<ShadowEntry>, KindError> {
        let bad = |detail: String| KindError::Malformed {
            id: ID.to_string(),
            command: CMD,
            detail,
        };
        accept(out, ID, CMD, MAX_BYTES)?;
        let mut entries: Vec<ShadowEntry> = Vec::new();
        let mut names = std::collections::BTreeSet::new();
        for (i, line) in out.stdout.lines().enumerate() {
            if i >= MAX_LINES {
                return Err(KindError::TooLarge {
                    id: ID.to_string(),
                    command: CMD,
                    what: "lines",
                    limit: MAX_LINES,
                });
            }
            let e = entry(line).map_err(|e| bad(format!("{e} (line {})", i + 1)))?;
            if !names.insert(e.name.clone()) {
                return Err(bad(format!("account {:?} twice (line {})", e.name, i + 1)));
            }
            entries.push(e);
        }
        if entries.is_empty() {
            // root always has an entry: empty output means no permission.
            return Err(bad("no accounts (not run as root?)".into()));
        }
        Ok(entries)
    }
}

fn entry(line: &str) -> Result<ShadowEntry, String> {
    let f: Vec<&str> = line.splitn(10, ':').collect();
    if f.len() != 9 {
        return Err(format!("{} fields, not 9", f.len()));
    }
    let name = f[0];
    if name.is_empty() {
        return Err("an empty account name".into());
    }
    check_value("account name", name, 256)?;
    let day = |i: usize, what: &str| -> Result<Option<i64>, String> {
        let v = f[i];
        if v.is_empty() || v == "-1" {
            return Ok(None);
        }
        match v.parse::<i64>() {
            Ok(n) if (0..=MAX_DAYS).contains(&n) && v.bytes().all(|b| b.is_ascii_digit()) => {
                Ok(Some(n))
            }
            _ => Err(format!("account {name:?}: {what} is not a day count")),
        }
    };
    Ok(ShadowEntry {
        name: name.to_string(),
        password: state(f[1]),
        last_change: day(2, "last change")?,
        min_days: day(3, "min days")?,
        max_days: day(4, "max days")?,
        warn_days: day(5, "warn days")?,
        inactive_days: day(6, "inactive days")?,
        expire_day: day(7, "expire day")?,
    })
}

/// Classifies a password field without keeping it.
fn state(hash: &str) -> PasswordState {
    if hash.is_empty() {
        return PasswordState::Empty;
    }
    let rest = hash.trim_start_matches('!');
    if rest.len() != hash.len() {
        // `!` prefix: locked if a hash is behind it, else no password.
        return if hashlike(rest) {
            PasswordState::Locked
        } else {
            PasswordState::None
        };
    }
    if hashlike(hash) {
        PasswordState::Usable
    } else {
        PasswordState::None
    }
}

/// A crypt(3) hash: `$id$…`, or 13 characters of traditional DES.
fn hashlike(s: &str) -> bool {
    let des = s.len() == 13
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'/');
    (s.starts_with('$') && s.len() > 3) || des
}

#[cfg(test)]
#[path = "shadow_tests.rs"]
mod tests;
