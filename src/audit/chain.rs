//! Linking entries: sequence number, previous-line hash and own hash.
//!
//! An entry's line is the canonical JSON of the event's fields plus `seq`
//! (1, 2, 3, …), `prev` (SHA-256 of the previous line's exact bytes, without
//! its newline; [`ZERO_HASH`] for the first) and `hash` (SHA-256 of the
//! canonical JSON of the entry without `hash`). [`next_entry`] is the only
//! place lines are made, for the local log and for the host copies alike,
//! so every copy verifies with the same function.

use serde_json::Value;

use super::canon::{canonical, is_hash, sha256_hex, ZERO_HASH};
use super::event::Event;
use super::AuditError;

/// One appended entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Position in its log, from 1.
    pub seq: u64,
    /// SHA-256 (hex) of the previous line.
    pub prev: String,
    /// SHA-256 (hex) of this entry's canonical JSON without `hash`.
    pub hash: String,
    /// The event recorded.
    pub event: Event,
    line: String,
}

impl Entry {
    /// The entry's line without its newline.
    pub fn line(&self) -> &str {
        &self.line
    }

    /// The exact bytes to append to a log: the line plus `\n`.
    pub fn to_line(&self) -> String {
        format!("{}\n", self.line)
    }
}

/// Makes the entry that follows `tail` in a log.
///
/// `tail` is the log's current last line with its newline, exactly as
/// `tail -n 1 FILE` prints it, or `""` for an empty or new log. This is how
/// harden extends the copy on a host: read the tail and append
/// [`Entry::to_line`] while holding the file's lock.
pub fn next_entry(tail: &str, event: &Event) -> Result<Entry, AuditError> {
    let (seq, prev) = if tail.is_empty() {
        (1, ZERO_HASH.to_string())
    } else {
        let Some(last) = tail.strip_suffix('\n') else {
            return Err(AuditError::TornTail {
                start: tail.chars().take(80).collect(),
            });
        };
        let parsed =
            parse_line(last.as_bytes()).map_err(|reason| AuditError::BadTail { reason })?;
        let seq = parsed
            .seq
            .checked_add(1)
            .ok_or_else(|| AuditError::BadTail {
                reason: "seq is at its maximum".into(),
            })?;
        (seq, sha256_hex(last.as_bytes()))
    };
    let mut value = serde_json::to_value(event).map_err(|e| AuditError::Encode(e.to_string()))?;
    let Some(obj) = value.as_object_mut() else {
        return Err(AuditError::Encode("event is not a JSON object".into()));
    };
    obj.insert("seq".into(), Value::from(seq));
    obj.insert("prev".into(), Value::String(prev.clone()));
    let hash = sha256_hex(canonical(&value).as_bytes());
    if let Some(obj) = value.as_object_mut() {
        obj.insert("hash".into(), Value::String(hash.clone()));
    }
    Ok(Entry {
        seq,
        prev,
        hash,
        event: event.clone(),
        line: canonical(&value),
    })
}

/// What a line says about itself.
#[derive(Debug, Clone)]
pub(super) struct Parsed {
    pub seq: u64,
    pub prev: String,
    pub hash: String,
    /// Whether `hash` matches the content.
    pub hash_ok: bool,
}

/// Reads the chain fields of one line (without newline) and checks its own
/// hash. `Err` means the line is not an audit entry at all.
pub(super) fn parse_line(line: &[u8]) -> Result<Parsed, String> {
    if line.is_empty() {
        return Err("empty line".into());
    }
    let text = std::str::from_utf8(line).map_err(|_| "not UTF-8".to_string())?;
    let mut value: Value =
        serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let Some(obj) = value.as_object_mut() else {
        return Err("not a JSON object".into());
    };
    let seq = match obj.get("seq").and_then(Value::as_u64) {
        Some(s) if s >= 1 => s,
        _ => return Err("no valid \"seq\"".into()),
    };
    let field = |name: &str| match obj.get(name).and_then(Value::as_str) {
        Some(h) if is_hash(h) => Ok(h.to_string()),
        _ => Err(format!("no valid \"{name}\"")),
    };
    let prev = field("prev")?;
    let hash = field("hash")?;
    obj.remove("hash");
    let hash_ok = sha256_hex(canonical(&value).as_bytes()) == hash;
    Ok(Parsed {
        seq,
        prev,
        hash,
        hash_ok,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_entry_has_zero_prev_and_chains_on() {
        let e = Event::new("apply", vec!["a".into()]);
        let first = next_entry("", &e).unwrap();
        assert_eq!(first.seq, 1);
        assert_eq!(first.prev, ZERO_HASH);
        assert!(first.to_line().ends_with('\n'));
        let second = next_entry(&first.to_line(), &e).unwrap();
        assert_eq!(second.seq, 2);
        assert_eq!(second.prev, sha256_hex(first.line().as_bytes()));
        let parsed = parse_line(second.line().as_bytes()).unwrap();
        assert!(parsed.hash_ok);
        assert_eq!(parsed.hash, second.hash);
    }

    #[test]
    fn refuses_torn_or_foreign_tail() {
        let e = Event::new("apply", vec![]);
        let line = next_entry("", &e).unwrap().to_line();
        assert!(matches!(
            next_entry(line.trim_end(), &e),
            Err(AuditError::TornTail { .. })
        ));
        assert!(matches!(
            next_entry("hello\n", &e),
            Err(AuditError::BadTail { .. })
        ));
    }
}
