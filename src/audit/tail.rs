//! Checking a log against an anchor: a cut tail, an emptied or deleted
//! log, a rewritten chain.
//!
//! The chain check ([`super::verify`]) finds what is wrong *inside* a log;
//! this finds what the chain cannot show: that the log no longer reaches
//! the entry the anchor (the anchor file, or the value management
//! received) says it reached, or reaches it with another hash.

use std::collections::HashMap;
use std::fmt;

use super::anchor::Anchor;
use super::chain::parse_line;

/// The log as found: its entries' hashes by seq, and where it ends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    /// Lines that are audit entries.
    pub entries: u64,
    /// The highest seq and its hash.
    pub last: Option<(u64, String)>,
    hashes: HashMap<u64, String>,
}

impl Found {
    /// Reads the entries of a log's bytes (lines that are not entries are
    /// skipped here; the chain check names them).
    pub fn of(bytes: &[u8]) -> Found {
        let mut f = Found::default();
        for line in bytes.split(|b| *b == b'\n') {
            let Ok(p) = parse_line(line) else { continue };
            f.entries += 1;
            if f.last.as_ref().is_none_or(|(s, _)| p.seq > *s) {
                f.last = Some((p.seq, p.hash.clone()));
            }
            f.hashes.entry(p.seq).or_insert(p.hash);
        }
        f
    }

    /// The hash of entry `seq`, if the log has it.
    pub fn hash_at(&self, seq: u64) -> Option<&str> {
        self.hashes.get(&seq).map(String::as_str)
    }

    fn describe(&self) -> String {
        match &self.last {
            Some((s, h)) => format!("{} entries, ending at seq {s} hash {h}", self.entries),
            None => "no entries".into(),
        }
    }
}

/// How a log disagrees with an anchor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnchorIssue {
    /// There is no log file, but the anchor says it had entries.
    Deleted {
        /// What the anchor holds.
        anchor: Anchor,
    },
    /// The log has no entries, but the anchor says it had.
    Emptied {
        /// What the anchor holds.
        anchor: Anchor,
    },
    /// The log ends before the anchored entry: entries were cut off.
    Cut {
        /// What the anchor holds.
        anchor: Anchor,
        /// The log as found.
        found: Found,
    },
    /// The log's entry at the anchored seq has another hash: the log (or
    /// that entry and everything after it) was rewritten.
    Rewritten {
        /// What the anchor holds.
        anchor: Anchor,
        /// The hash found at `anchor.seq`.
        found_hash: String,
    },
    /// The log goes past the anchored seq but has no entry with it.
    Gone {
        /// What the anchor holds.
        anchor: Anchor,
        /// The log as found.
        found: Found,
    },
    /// The log has entries but there is no anchor file: it was deleted, or
    /// the log predates anchors.
    NoAnchor {
        /// The log as found.
        found: Found,
    },
    /// The anchor file exists but cannot be used.
    Unreadable {
        /// What is wrong with it.
        reason: String,
    },
}

impl AnchorIssue {
    /// The sequence numbers lost, when the issue is a cut (first, last).
    pub fn missing(&self) -> Option<(u64, u64)> {
        match self {
            AnchorIssue::Deleted { anchor } | AnchorIssue::Emptied { anchor } => {
                Some((1, anchor.seq))
            }
            AnchorIssue::Cut { anchor, found } => {
                let after = found.last.as_ref().map_or(0, |(s, _)| *s);
                Some((after + 1, anchor.seq))
            }
            AnchorIssue::Gone { anchor, .. } => Some((anchor.seq, anchor.seq)),
            AnchorIssue::Rewritten { .. }
            | AnchorIssue::NoAnchor { .. }
            | AnchorIssue::Unreadable { .. } => None,
        }
    }
}

impl fmt::Display for AnchorIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lost = |f: &mut fmt::Formatter<'_>, a: &Anchor| match a.entries {
            Some(n) => write!(f, " ({n} entries)"),
            None => Ok(()),
        };
        match self {
            AnchorIssue::Deleted { anchor } => {
                write!(
                    f,
                    "the log is missing, but the anchor records {}",
                    anchor.describe()
                )?;
                lost(f, anchor)?;
                f.write_str(": the log was deleted")
            }
            AnchorIssue::Emptied { anchor } => {
                write!(
                    f,
                    "the log is empty, but the anchor records {}",
                    anchor.describe()
                )?;
                lost(f, anchor)?;
                f.write_str(": the log was emptied")
            }
            AnchorIssue::Cut { anchor, found } => {
                let (first, last) = self.missing().unwrap_or((anchor.seq, anchor.seq));
                let what = if first == last {
                    format!("entry seq {first} was")
                } else {
                    format!("entries seq {first}-{last} were")
                };
                write!(
                    f,
                    "the log has {}, but the anchor records {}: {what} cut off the end",
                    found.describe(),
                    anchor.describe()
                )
            }
            AnchorIssue::Rewritten { anchor, found_hash } => write!(
                f,
                "entry seq {} has hash {found_hash}, but the anchor records {}: the log was \
                 rewritten from that entry or before",
                anchor.seq,
                anchor.describe()
            ),
            AnchorIssue::Gone { anchor, found } => write!(
                f,
                "the log has {} but no entry seq {}, which the anchor records ({})",
                found.describe(),
                anchor.seq,
                anchor.describe()
            ),
            AnchorIssue::NoAnchor { found } => write!(
                f,
                "the log has {} but no anchor file: the anchor was deleted (or the log \
                 predates anchors), so a cut tail cannot be ruled out",
                found.describe()
            ),
            AnchorIssue::Unreadable { reason } => {
                write!(f, "the anchor file cannot be used: {reason}")
            }
        }
    }
}

/// Checks a log (`None`: there is no log file) against `anchor`.
pub fn check_anchor(log: Option<&[u8]>, anchor: &Anchor) -> Option<AnchorIssue> {
    let Some(bytes) = log else {
        return Some(AnchorIssue::Deleted {
            anchor: anchor.clone(),
        });
    };
    let found = Found::of(bytes);
    check_found(&found, anchor)
}

/// Like [`check_anchor`] on an already-read log.
pub fn check_found(found: &Found, anchor: &Anchor) -> Option<AnchorIssue> {
    let anchor = anchor.clone();
    let Some((last, _)) = &found.last else {
        return Some(AnchorIssue::Emptied { anchor });
    };
    if *last < anchor.seq {
        return Some(AnchorIssue::Cut {
            anchor,
            found: found.clone(),
        });
    }
    match found.hash_at(anchor.seq) {
        Some(h) if h == anchor.hash => None,
        Some(h) => Some(AnchorIssue::Rewritten {
            found_hash: h.to_string(),
            anchor,
        }),
        None => Some(AnchorIssue::Gone {
            anchor,
            found: found.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::chain as log;
    use crate::audit::Entry;

    fn text(entries: &[Entry]) -> String {
        entries.iter().map(Entry::to_line).collect()
    }

    #[test]
    fn intact_and_ahead_are_fine() {
        let l = log(5, "h");
        assert_eq!(
            check_anchor(Some(text(&l).as_bytes()), &Anchor::of(&l[4])),
            None
        );
        // A crash after the log write, before the anchor write.
        assert_eq!(
            check_anchor(Some(text(&l).as_bytes()), &Anchor::of(&l[3])),
            None
        );
    }

    #[test]
    fn cut_emptied_deleted() {
        let l = log(5, "h");
        let a = Anchor::of(&l[4]);
        let cut = check_anchor(Some(text(&l[..3]).as_bytes()), &a).unwrap();
        assert!(matches!(cut, AnchorIssue::Cut { .. }), "{cut}");
        assert_eq!(cut.missing(), Some((4, 5)));
        let msg = cut.to_string();
        assert!(
            msg.contains(&format!("3 entries, ending at seq 3 hash {}", l[2].hash)),
            "{msg}"
        );
        assert!(msg.contains(&format!("seq 5 hash {}", l[4].hash)), "{msg}");
        assert!(
            msg.contains("entries seq 4-5 were cut off the end"),
            "{msg}"
        );
        let e = check_anchor(Some(b""), &a).unwrap();
        assert!(e.to_string().contains("the log was emptied"), "{e}");
        let d = check_anchor(None, &a).unwrap();
        assert!(d.to_string().contains("the log was deleted"), "{d}");
        assert!(d.to_string().contains("(5 entries)"), "{d}");
    }

    #[test]
    fn recomputed_chain_is_a_rewrite() {
        let real = log(5, "h");
        // Same length, re-chained from scratch with other content.
        let forged = log(5, "forged");
        let issue = check_anchor(Some(text(&forged).as_bytes()), &Anchor::of(&real[4])).unwrap();
        assert_eq!(
            issue,
            AnchorIssue::Rewritten {
                anchor: Anchor::of(&real[4]),
                found_hash: forged[4].hash.clone()
            }
        );
        assert!(issue.to_string().contains("was rewritten"), "{issue}");
        // Cut by one and re-chained: a cut.
        let shorter = log(4, "forged");
        let issue = check_anchor(Some(text(&shorter).as_bytes()), &Anchor::of(&real[4])).unwrap();
        assert!(
            issue.to_string().contains("entry seq 5 was cut off"),
            "{issue}"
        );
    }
}
