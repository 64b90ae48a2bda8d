//! One-line texts of a file's managed keys for a finding's `expected` and
//! `actual`: `KEY=value` pairs joined by `, `. What the host's file says is
//! shown escaped and cut (it may hold anything), so a report cannot be
//! flooded or repainted by it.

use super::error::shown;
use super::KeyState;

/// The wanted values: `PASS_MAX_DAYS=90, PASS_MIN_DAYS=1`.
pub fn expected_text(states: &[KeyState]) -> String {
    let parts: Vec<String> = states
        .iter()
        .map(|s| format!("{}={}", s.key, s.want))
        .collect();
    parts.join(", ")
}

/// What the file says: `PASS_MAX_DAYS=99999, PASS_MIN_DAYS unset`, with
/// `(and N lines differ)` where an earlier line disagrees with the last.
pub fn actual_text(states: &[KeyState]) -> String {
    let parts: Vec<String> = states
        .iter()
        .map(|s| {
            let mut t = match &s.have {
                Some(v) => format!("{}={}", s.key, shown(v)),
                None => format!("{} unset", s.key),
            };
            let last_stale = s.have.as_deref() != Some(s.want.as_str());
            let others = s
                .stale
                .saturating_sub(usize::from(last_stale && s.occurrences > 0));
            if others > 0 {
                t.push_str(&format!(" (and {others} earlier line(s) differ)"));
            }
            t
        })
        .collect();
    parts.join(", ")
}
