//! Acknowledging a loss: the one way to append after a cut.
//!
//! When the local log no longer reaches its anchor, [`AuditLog::append`]
//! refuses, so the loss cannot silently become permanent. An operator who
//! has looked at it (`harden audit verify`) records it with
//! [`AuditLog::acknowledge`]: under the log's lock, what was found is
//! written into the acknowledging event's `details.acknowledged` (the
//! problem, the old anchor, the log as found, the seqs lost), the event is
//! appended after the log's current last entry, and the anchor moves to it.

use serde_json::{json, Value};

use super::anchor::read_anchor;
use super::chain::Entry;
use super::event::Event;
use super::log::AuditLog;
use super::tail::{check_found, AnchorIssue, Found};
use super::AuditError;

impl AuditLog {
    /// Appends `event` (give it the operator's reason) as the
    /// acknowledgement of what the log's anchor check finds, and re-anchors.
    /// `Ok(None)`: the log matches its anchor, nothing was appended.
    pub fn acknowledge(
        &self,
        mut event: Event,
    ) -> Result<Option<(Entry, AnchorIssue)>, AuditError> {
        let mut locked = self.lock()?;
        let tail = locked.tail()?;
        let found = Found::of(&locked.bytes()?);
        let (anchor, issue) = match read_anchor(&self.anchor_path()) {
            Ok(Some(a)) => (Some(a.clone()), check_found(&found, &a)),
            Ok(None) if found.entries == 0 => (None, None),
            Ok(None) => (
                None,
                Some(AnchorIssue::NoAnchor {
                    found: found.clone(),
                }),
            ),
            Err(AuditError::BadAnchor { reason, .. }) => {
                (None, Some(AnchorIssue::Unreadable { reason }))
            }
            Err(e) => return Err(e),
        };
        let Some(issue) = issue else {
            return Ok(None);
        };
        let record = json!({
            "problem": issue.to_string(),
            "anchor": anchor,
            "found": {
                "entries": found.entries,
                "last_seq": found.last.as_ref().map(|(s, _)| *s),
                "last_hash": found.last.as_ref().map(|(_, h)| h.clone()),
            },
            "missing": issue.missing().map(|(first, last)| json!({"first": first, "last": last})),
        });
        if !event.details.is_object() {
            event.details = Value::Object(serde_json::Map::new());
        }
        if let Some(d) = event.details.as_object_mut() {
            d.insert("acknowledged".into(), record);
        }
        let entry = locked.append(&tail, &event)?;
        Ok(Some((entry, issue)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::log_file as log_of;
    use crate::audit::{verify_file, ACK_ACTION};

    fn cut_last_line(log: &AuditLog) {
        let text = std::fs::read_to_string(log.path()).unwrap();
        let keep: String = text
            .split_inclusive('\n')
            .take(text.lines().count() - 1)
            .collect();
        std::fs::write(log.path(), keep).unwrap();
    }

    #[test]
    fn append_after_a_cut_refuses_until_acknowledged() {
        let (_d, log) = log_of(3);
        cut_last_line(&log);
        let err = log.append(&Event::new("apply", vec![])).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, AuditError::Unanchored { .. }), "{msg}");
        assert!(msg.contains("entry seq 3 was cut off the end"), "{msg}");
        assert!(msg.contains("harden audit acknowledge --reason"), "{msg}");
        // Still refused: nothing was written.
        assert_eq!(
            std::fs::read_to_string(log.path()).unwrap().lines().count(),
            2
        );

        let ack = Event::new(ACK_ACTION, vec![]).with_reason("restored disk, OPS-9");
        let (entry, issue) = log
            .acknowledge(ack)
            .unwrap()
            .expect("a loss to acknowledge");
        assert_eq!(issue.missing(), Some((3, 3)));
        assert_eq!(entry.seq, 3);
        let rec = &entry.event.details["acknowledged"];
        assert_eq!(rec["missing"], json!({"first": 3, "last": 3}));
        assert_eq!(rec["anchor"]["seq"], 3);
        assert_eq!(rec["found"]["last_seq"], 2);
        assert!(rec["problem"].as_str().unwrap().contains("cut off"));
        // Appending works again, the log is intact, the ack is in it.
        let next = log.append(&Event::new("apply", vec![])).unwrap();
        assert_eq!(next.seq, 4);
        let text = std::fs::read_to_string(log.path()).unwrap();
        assert!(text.contains("restored disk, OPS-9") && text.contains(ACK_ACTION));
        assert!(verify_file(log.path()).unwrap().is_ok());
        // Nothing left to acknowledge.
        assert!(log
            .acknowledge(Event::new(ACK_ACTION, vec![]))
            .unwrap()
            .is_none());
    }

    #[test]
    fn deleted_anchor_or_emptied_log_refuses_too() {
        let (_d, log) = log_of(2);
        std::fs::remove_file(log.anchor_path()).unwrap();
        let err = log.append(&Event::new("apply", vec![])).unwrap_err();
        assert!(err.to_string().contains("no anchor file"), "{err}");

        let (_d2, log) = log_of(2);
        std::fs::write(log.path(), "").unwrap();
        let err = log.append(&Event::new("apply", vec![])).unwrap_err();
        assert!(err.to_string().contains("the log was emptied"), "{err}");
        let (entry, _) = log
            .acknowledge(Event::new(ACK_ACTION, vec![]).with_reason("x"))
            .unwrap()
            .unwrap();
        assert_eq!(entry.seq, 1);
        assert!(log.append(&Event::new("apply", vec![])).is_ok());
    }

    #[test]
    fn crash_before_the_anchor_write_is_not_a_cut() {
        let (_d, log) = log_of(3);
        let anchor = std::fs::read(log.anchor_path()).unwrap();
        log.append(&Event::new("apply", vec![])).unwrap();
        // The anchor is one entry behind, as after a crash between the two writes.
        std::fs::write(log.anchor_path(), anchor).unwrap();
        assert_eq!(log.append(&Event::new("apply", vec![])).unwrap().seq, 5);
    }
}
