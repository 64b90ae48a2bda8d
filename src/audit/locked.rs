//! The local log under its exclusive lock: read the tail, check the
//! anchor, append and re-anchor — the steps of [`super::AuditLog::append`]
//! and [`super::AuditLog::acknowledge`], which both run them while holding
//! the lock, so no other writer comes between the check and the write.

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::anchor::{anchor_path, read_anchor, write_anchor, Anchor};
use super::chain::{next_entry, parse_line, Entry};
use super::event::Event;
use super::log::io;
use super::tail::{check_found, AnchorIssue, Found};
use super::AuditError;

/// The longest last line harden reads back (a guard against a log that is
/// not line-structured at all).
const MAX_LINE: u64 = 16 << 20;

/// The log, opened for appending under its exclusive lock.
pub(super) struct Locked {
    pub(super) file: File,
    pub(super) path: PathBuf,
}

impl Locked {
    /// The last line with its newline, or "" for an empty log.
    pub(super) fn tail(&self) -> Result<String, AuditError> {
        read_last_line(&self.file).map_err(io(&self.path, "read"))
    }

    /// The whole log.
    pub(super) fn bytes(&self) -> Result<Vec<u8>, AuditError> {
        std::fs::read(&self.path).map_err(io(&self.path, "read"))
    }

    /// Why the log (whose last line is `tail`) does not reach its anchor,
    /// if it does not. A log without an anchor is fine only while empty.
    pub(super) fn anchor_issue(&self, tail: &str) -> Result<Option<AnchorIssue>, AuditError> {
        let Some(anchor) = read_anchor(&anchor_path(&self.path))? else {
            if tail.is_empty() {
                return Ok(None);
            }
            let found = Found::of(&self.bytes()?);
            return Ok(Some(AnchorIssue::NoAnchor { found }));
        };
        // The usual case: the last line is the anchored entry.
        if let Ok(p) = parse_line(tail.trim_end_matches('\n').as_bytes()) {
            if p.seq == anchor.seq && p.hash == anchor.hash {
                return Ok(None);
            }
        }
        Ok(check_found(&Found::of(&self.bytes()?), &anchor))
    }

    /// Appends the entry for `event` after `tail`, syncs it and re-anchors.
    pub(super) fn append(&mut self, tail: &str, event: &Event) -> Result<Entry, AuditError> {
        let path = &self.path;
        let entry = next_entry(tail, event)?;
        self.file
            .write_all(entry.to_line().as_bytes())
            .map_err(io(path, "write"))?;
        self.file.sync_data().map_err(io(path, "sync"))?;
        if tail.is_empty() {
            sync_dir(path);
        }
        write_anchor(&anchor_path(path), &Anchor::of(&entry))?;
        Ok(entry)
    }
}

/// The last line with its newline (if it has one), or "" for an empty file.
fn read_last_line(file: &File) -> std::io::Result<String> {
    let len = file.metadata()?.len();
    let mut buf: Vec<u8> = Vec::new();
    let mut pos = len;
    while pos > 0 {
        let start = pos.saturating_sub(8192);
        let mut chunk = vec![0u8; usize::try_from(pos - start).unwrap_or(8192)];
        file.read_exact_at(&mut chunk, start)?;
        chunk.extend_from_slice(&buf);
        buf = chunk;
        pos = start;
        // Ignore the final newline itself when looking for the line start.
        let search = if buf.last() == Some(&b'\n') {
            &buf[..buf.len() - 1]
        } else {
            &buf[..]
        };
        if let Some(i) = search.iter().rposition(|b| *b == b'\n') {
            buf.drain(..=i);
            break;
        }
        if len - pos > MAX_LINE {
            return Err(std::io::Error::other("last line is longer than 16 MiB"));
        }
    }
    String::from_utf8(buf).map_err(|_| std::io::Error::other("last line is not UTF-8"))
}

fn sync_dir(path: &Path) {
    // Best effort: makes a newly created log's directory entry durable.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
}
