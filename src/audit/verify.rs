//! Checking a log: names every edited, missing, reordered or broken line.
//!
//! Works on text alone, so the same check runs on the local log and on the
//! copy fetched from a host. Lines are numbered from 1. What text alone
//! cannot show is lines cut off at the end; compare [`VerifyReport::entries`]
//! and [`VerifyReport::last_hash`] with a copy kept elsewhere for that.

use std::collections::HashMap;
use std::fmt;

use super::canon::{sha256_hex, ZERO_HASH};
use super::chain::parse_line;

/// One problem found in a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issue {
    /// The line is not an audit entry (bad JSON, missing chain fields, …).
    Garbled {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        error: String,
    },
    /// The last line has no newline: an interrupted write or a cut file.
    Truncated {
        /// 1-based line number.
        line: usize,
    },
    /// The line's content does not match its own hash.
    Edited {
        /// 1-based line number.
        line: usize,
        /// Its sequence number.
        seq: u64,
    },
    /// Entries `first..=last` are not in the log.
    Missing {
        /// First missing sequence number.
        first: u64,
        /// Last missing sequence number.
        last: u64,
        /// The line holding the entry before the gap, if any.
        after_line: Option<usize>,
        /// The line holding the entry after the gap.
        before_line: usize,
    },
    /// The line's entry comes before that of the line above it.
    Reordered {
        /// 1-based line number.
        line: usize,
        /// Its sequence number.
        seq: u64,
        /// The line above.
        after_line: usize,
        /// The line above's sequence number.
        after_seq: u64,
    },
    /// A sequence number appears twice.
    Duplicate {
        /// 1-based line number of the repeat.
        line: usize,
        /// The sequence number.
        seq: u64,
        /// Where it first appeared.
        first_line: usize,
    },
    /// The line's `prev` is not the hash of its predecessor's line (of the
    /// zero hash for seq 1): one of the two was altered with its own hash
    /// recomputed, or lines from another log were spliced in.
    ChainBroken {
        /// 1-based line number.
        line: usize,
        /// Its sequence number.
        seq: u64,
        /// The line holding entry `seq - 1` (none for seq 1).
        prev_line: Option<usize>,
    },
}

impl Issue {
    fn sort_line(&self) -> usize {
        match self {
            Issue::Garbled { line, .. }
            | Issue::Truncated { line }
            | Issue::Edited { line, .. }
            | Issue::Reordered { line, .. }
            | Issue::Duplicate { line, .. }
            | Issue::ChainBroken { line, .. } => *line,
            Issue::Missing { before_line, .. } => *before_line,
        }
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Issue::Garbled { line, error } => {
                write!(f, "line {line} is not an audit entry: {error}")
            }
            Issue::Truncated { line } => write!(
                f,
                "line {line} is incomplete (no newline at the end of the log): \
                 an interrupted write or a cut-off file"
            ),
            Issue::Edited { line, seq } => write!(
                f,
                "line {line} (seq {seq}) was edited: its content does not match its hash"
            ),
            Issue::Missing {
                first,
                last,
                after_line,
                before_line,
            } => {
                if first == last {
                    write!(f, "entry seq {first} missing ")?;
                } else {
                    write!(f, "entries seq {first}-{last} missing ")?;
                }
                match after_line {
                    Some(a) => write!(f, "between line {a} and line {before_line}"),
                    None => write!(f, "before line {before_line}"),
                }
            }
            Issue::Reordered {
                line,
                seq,
                after_line,
                after_seq,
            } => write!(
                f,
                "line {line} (seq {seq}) comes after line {after_line} (seq {after_seq}): \
                 entries were reordered"
            ),
            Issue::Duplicate {
                line,
                seq,
                first_line,
            } => write!(f, "line {line} repeats seq {seq} of line {first_line}"),
            Issue::ChainBroken {
                line,
                seq,
                prev_line: Some(p),
            } => write!(
                f,
                "line {line} (seq {seq}) does not chain to line {p}: one of them was altered \
                 and re-hashed, or lines from another log were spliced in"
            ),
            Issue::ChainBroken {
                line,
                seq,
                prev_line: None,
            } => write!(
                f,
                "line {line} (seq {seq}) is not a chain start: its prev is not the zero hash"
            ),
        }
    }
}

/// The result of checking a log.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VerifyReport {
    /// Lines that are audit entries (including edited ones).
    pub entries: usize,
    /// The sequence number of the last entry line.
    pub last_seq: Option<u64>,
    /// The `hash` of the last entry line: compare it with the value reported
    /// to management or with another copy to notice lines cut off the end.
    pub last_hash: Option<String>,
    /// Problems, in line order; empty when the log is intact.
    pub issues: Vec<Issue>,
}

impl VerifyReport {
    /// True when no problem was found.
    pub fn is_ok(&self) -> bool {
        self.issues.is_empty()
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for issue in &self.issues {
            writeln!(f, "{issue}")?;
        }
        write!(f, "{} entries", self.entries)?;
        if let Some(h) = &self.last_hash {
            write!(f, ", last hash {h}")?;
        }
        if self.is_ok() {
            write!(f, ", chain intact")
        } else {
            write!(f, ", {} problem(s)", self.issues.len())
        }
    }
}

/// Checks a log given as text.
pub fn verify(text: &str) -> VerifyReport {
    verify_bytes(text.as_bytes())
}

struct Line<'a> {
    no: usize,
    bytes: &'a [u8],
    seq: u64,
    prev: String,
    hash_ok: bool,
}

/// Checks a log given as bytes (a line that is not UTF-8 is reported as
/// garbled, not fatal).
pub fn verify_bytes(bytes: &[u8]) -> VerifyReport {
    let mut report = VerifyReport::default();
    let mut lines: Vec<Line> = Vec::new();
    let mut raw: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    // Text ending in '\n' leaves an empty last piece; anything else there
    // is a line without its newline.
    let torn = !raw.last().is_none_or(|l| l.is_empty());
    if !torn {
        raw.pop();
    }
    let count = raw.len();
    for (i, bytes) in raw.into_iter().enumerate() {
        let no = i + 1;
        let is_torn = torn && no == count;
        if is_torn {
            report.issues.push(Issue::Truncated { line: no });
        }
        match parse_line(bytes) {
            Ok(p) => {
                report.last_seq = Some(p.seq);
                report.last_hash = Some(p.hash);
                lines.push(Line {
                    no,
                    bytes,
                    seq: p.seq,
                    prev: p.prev,
                    hash_ok: p.hash_ok,
                });
            }
            // A torn line is already reported; don't also call it garbled.
            Err(_) if is_torn => {}
            Err(error) => report.issues.push(Issue::Garbled { line: no, error }),
        }
    }
    report.entries = lines.len();

    // Where each sequence number first appears.
    let mut at: HashMap<u64, usize> = HashMap::new();
    for (idx, l) in lines.iter().enumerate() {
        if !l.hash_ok {
            report.issues.push(Issue::Edited {
                line: l.no,
                seq: l.seq,
            });
        }
        if let Some(&first) = at.get(&l.seq) {
            report.issues.push(Issue::Duplicate {
                line: l.no,
                seq: l.seq,
                first_line: lines[first].no,
            });
            continue;
        }
        if let Some(above) = idx.checked_sub(1).map(|j| &lines[j]) {
            if l.seq < above.seq {
                report.issues.push(Issue::Reordered {
                    line: l.no,
                    seq: l.seq,
                    after_line: above.no,
                    after_seq: above.seq,
                });
            }
        }
        at.insert(l.seq, idx);
    }

    // The chain: each entry's prev must be the hash of entry seq-1's line,
    // wherever that line is. An edited predecessor already explains a
    // mismatch; a missing one is reported as missing.
    for l in &lines {
        if at.get(&l.seq).map(|&i| lines[i].no) != Some(l.no) {
            continue; // a duplicate
        }
        let (expected, prev_line) = if l.seq == 1 {
            (ZERO_HASH.to_string(), None)
        } else {
            match at.get(&(l.seq - 1)).map(|&i| &lines[i]) {
                Some(p) if p.hash_ok => (sha256_hex(p.bytes), Some(p.no)),
                _ => continue,
            }
        };
        if l.prev != expected {
            report.issues.push(Issue::ChainBroken {
                line: l.no,
                seq: l.seq,
                prev_line,
            });
        }
    }

    // Gaps in 1..=max seq.
    let mut seqs: Vec<u64> = at.keys().copied().collect();
    seqs.sort_unstable();
    let mut expected = 1u64;
    let mut before_gap: Option<u64> = None;
    for s in seqs {
        if s > expected {
            report.issues.push(Issue::Missing {
                first: expected,
                last: s - 1,
                after_line: before_gap.and_then(|b| at.get(&b)).map(|&i| lines[i].no),
                before_line: at.get(&s).map(|&i| lines[i].no).unwrap_or(0),
            });
        }
        before_gap = Some(s);
        expected = s.saturating_add(1);
    }

    report.issues.sort_by_key(Issue::sort_line);
    report
}

#[cfg(test)]
#[path = "verify_tests.rs"]
mod tests;
