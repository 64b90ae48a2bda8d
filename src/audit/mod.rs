//! Tamper-evident audit log: who did what to which hosts, and why.
//!
//! Art. 32 asks that access to systems is logged (TOM-2.1-access-logging)
//! and reported to management (TOM-1.3-access-reporting,
//! TOM-6-mgmt-access-report). harden writes one JSON line per security-
//! relevant action ([`Event`]) to an append-only file. Every line carries a
//! sequence number, the SHA-256 of the previous line and a hash of its own
//! content, so an edited, deleted, reordered or cut-off line is found by
//! [`verify`], which works on any copy of a log (the local one, or the copy
//! kept on each affected host).
//!
//! Every copy is a chain of its own, made by [`next_entry`] from that
//! copy's last line: the copy on a host holds only the events that touched
//! that host, numbered 1, 2, 3, … in that file; the event `id` links its
//! entries to the local log's.
//!
//! The chain has no secret key: whoever can write the file can rewrite it
//! from the altered line onwards, or cut lines off its end. It becomes
//! evidence by being anchored elsewhere and compared: the local log's last
//! entry is kept in an anchor file next to it ([`anchor`]) and sent to
//! management with every event; [`check_local`] compares the log with both,
//! [`crosscheck`] compares it with a host's copy by event id. A log that no
//! longer reaches its anchor is not appended to until an operator
//! acknowledges the loss ([`AuditLog::acknowledge`]).

mod ack;
pub mod anchor;
mod canon;
mod chain;
pub mod crosscheck;
mod event;
pub mod local;
mod locked;
mod log;
mod tail;
mod verify;

#[cfg(test)]
mod testutil;

pub use anchor::{anchor_path, Anchor};
pub use canon::ZERO_HASH;
pub use chain::{next_entry, Entry};
pub use event::{actor_name, current_local_user, local_user, Actor, Event};
pub use local::{check_local, LocalReport};
pub use log::{read_locked, verify_file, AuditLog};
pub use tail::{check_anchor, AnchorIssue, Found};
pub use verify::{verify, verify_bytes, Issue, VerifyReport};

/// The action of the event that acknowledges a loss.
pub const ACK_ACTION: &str = "audit-acknowledge";

use std::fmt;
use std::path::PathBuf;

/// Why the audit log could not be read or written.
#[derive(Debug)]
pub enum AuditError {
    /// A file operation failed.
    Io {
        /// The file.
        path: PathBuf,
        /// What harden was doing.
        op: &'static str,
        /// The OS error.
        err: std::io::Error,
    },
    /// The log's last line has no newline: a write was interrupted. harden
    /// does not append after it (the new line would be glued onto the torn
    /// one); move the log aside or repair the last line by hand.
    TornTail {
        /// The start of the torn line (at most 80 characters).
        start: String,
    },
    /// The log's last line is not an audit entry, so the next entry cannot
    /// be chained to it.
    BadTail {
        /// What is wrong with it.
        reason: String,
    },
    /// The event could not be encoded as a JSON object.
    Encode(String),
    /// The log no longer reaches its anchor (cut, emptied, deleted,
    /// rewritten, or its anchor is gone): appending would make the loss
    /// permanent, so harden refuses until it is acknowledged.
    Unanchored {
        /// The log.
        log: PathBuf,
        /// What was found.
        issue: Box<AnchorIssue>,
    },
    /// The anchor file cannot be read or is not an anchor.
    BadAnchor {
        /// The anchor file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

impl fmt::Display for AuditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuditError::Io { path, op, err } => {
                write!(f, "audit log {}: cannot {op}: {err}", path.display())
            }
            AuditError::TornTail { start } => write!(
                f,
                "audit log ends in an incomplete line ({start:?}…): an earlier write was \
                 interrupted; not appending after it — move the log aside or repair its last line"
            ),
            AuditError::BadTail { reason } => write!(
                f,
                "the audit log's last line is not an audit entry ({reason}); cannot chain to it"
            ),
            AuditError::Encode(e) => write!(f, "cannot encode audit event: {e}"),
            AuditError::Unanchored { log, issue } => write!(
                f,
                "audit log {}: {issue}; not appending to it, which would make the loss \
                 permanent: see `harden audit verify`, then record the loss with \
                 `harden audit acknowledge --reason \"…\"`",
                log.display()
            ),
            AuditError::BadAnchor { path, reason } => write!(
                f,
                "audit anchor {}: {reason}; check the log with `harden audit verify`, then \
                 record it with `harden audit acknowledge --reason \"…\"`",
                path.display()
            ),
        }
    }
}

impl std::error::Error for AuditError {}
