//! Fixtures for the audit unit tests: chains of `apply` events in memory
//! and in a log file, and a log file's lines as written.

use std::path::Path;

use super::{next_entry, AuditLog, Entry, Event};

/// `n` chained `apply` entries on hosts `{tag}0`, `{tag}1`, ….
pub(super) fn chain(n: usize, tag: &str) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    for i in 0..n {
        let tail = out.last().map(Entry::to_line).unwrap_or_default();
        let e = Event::new("apply", vec![format!("{tag}{i}")]);
        out.push(next_entry(&tail, &e).unwrap());
    }
    out
}

/// A log file `audit.jsonl` in a new temporary directory holding `n`
/// `apply` events on hosts `h0`, `h1`, ….
pub(super) fn log_file(n: usize) -> (tempfile::TempDir, AuditLog) {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(dir.path().join("audit.jsonl")).unwrap();
    for i in 0..n {
        log.append(&Event::new("apply", vec![format!("h{i}")]))
            .unwrap();
    }
    (dir, log)
}

/// The lines of the file at `path`, each with its newline.
pub(super) fn file_lines(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    text.split_inclusive('\n').map(str::to_string).collect()
}
