//! The local audit log file: locked, append-only, synced, anchored.
//!
//! Each append opens the file with `O_APPEND`, takes an exclusive `flock`,
//! reads the last line, checks that the log still reaches its anchor
//! (`<log>.anchor`, see [`super::anchor`]), writes the next entry in one
//! `write`, syncs it and writes the new anchor before releasing the lock, so concurrent harden runs (two operators, a
//! cron job) never interleave or fork the chain, and an entry reported as
//! written survives a crash. A log cut short, emptied or rewritten (it no
//! longer matches its anchor) is not appended to
//! ([`AuditError::Unanchored`]) until an operator acknowledges the loss
//! ([`AuditLog::acknowledge`]). The file is created with mode 0600: it names
//! people and is personal data. (`std::fs::File::lock` would do, but needs
//! Rust 1.89, above harden's `rust-version`; `rustix` is already built.)

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use rustix::fs::{flock, FlockOperation};

use super::anchor::{anchor_path, read_anchor, write_anchor, Anchor};
use super::chain::{next_entry, parse_line, Entry};
use super::event::Event;
use super::tail::{check_found, AnchorIssue, Found};
use super::verify::{verify_bytes, VerifyReport};
use super::AuditError;

/// The longest last line harden reads back (a guard against a log that is
/// not line-structured at all).
const MAX_LINE: u64 = 16 << 20;

/// An append-only audit log on the local disk.
#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
}

impl AuditLog {
    /// Opens the log at `path`, creating it (mode 0600) and its directory
    /// if needed. Nothing is locked or read until [`AuditLog::append`].
    pub fn open(path: impl Into<PathBuf>) -> Result<AuditLog, AuditError> {
        let path = path.into();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io(dir, "create the directory"))?;
        }
        let file = open_append(&path)?;
        let meta = file.metadata().map_err(io(&path, "stat"))?;
        if !meta.is_file() {
            return Err(AuditError::Io {
                path,
                op: "open",
                err: std::io::Error::other("not a regular file"),
            });
        }
        Ok(AuditLog { path })
    }

    /// The log's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The log's anchor file (`<log>.anchor`).
    pub fn anchor_path(&self) -> PathBuf {
        anchor_path(&self.path)
    }

    /// Appends `event` as the next entry and returns it once it is on disk
    /// and anchored. Refuses ([`AuditError::Unanchored`]) when the log no
    /// longer reaches its anchor.
    pub fn append(&self, event: &Event) -> Result<Entry, AuditError> {
        let mut locked = self.lock()?;
        let tail = locked.tail()?;
        if let Some(issue) = locked.anchor_issue(&tail)? {
            return Err(AuditError::Unanchored {
                log: self.path.clone(),
                issue: Box::new(issue),
            });
        }
        locked.append(&tail, event)
        // Dropping `locked` closes the file and releases the lock.
    }

    /// Takes the log's exclusive lock.
    pub(super) fn lock(&self) -> Result<Locked, AuditError> {
        let file = open_append(&self.path)?;
        flock(&file, FlockOperation::LockExclusive)
            .map_err(|e| io(&self.path, "lock")(e.into()))?;
        Ok(Locked {
            file,
            path: self.path.clone(),
        })
    }
}

/// The log, opened for appending under its exclusive lock.
pub(super) struct Locked {
    file: File,
    path: PathBuf,
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

/// The log file's bytes, read under a shared lock; `None` when there is no
/// log file.
pub fn read_locked(path: &Path) -> Result<Option<Vec<u8>>, AuditError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(path, "open")(e)),
    };
    flock(&file, FlockOperation::LockShared).map_err(|e| io(path, "lock")(e.into()))?;
    std::fs::read(path).map(Some).map_err(io(path, "read"))
}

/// Checks the log file at `path` (under a shared lock, so a concurrent
/// append is never seen half-written).
pub fn verify_file(path: &Path) -> Result<VerifyReport, AuditError> {
    let file = File::open(path).map_err(io(path, "open"))?;
    flock(&file, FlockOperation::LockShared).map_err(|e| io(path, "lock")(e.into()))?;
    let bytes = std::fs::read(path).map_err(io(path, "read"))?;
    Ok(verify_bytes(&bytes))
}

fn open_append(path: &Path) -> Result<File, AuditError> {
    OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
        .map_err(io(path, "open"))
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

fn io<'a>(path: &'a Path, op: &'static str) -> impl FnOnce(std::io::Error) -> AuditError + 'a {
    move |err| AuditError::Io {
        path: path.to_path_buf(),
        op,
        err,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{verify, Issue, ZERO_HASH};
    use std::os::unix::fs::PermissionsExt;

    fn five(dir: &Path) -> (PathBuf, Vec<Entry>) {
        let path = dir.join("sub/audit.jsonl");
        let log = AuditLog::open(&path).unwrap();
        let actions = [
            "maintenance-open",
            "firewall-change",
            "apply",
            "apply",
            "maintenance-close",
        ];
        let entries = actions
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let e = Event::new(*a, vec![format!("web{i}")])
                    .with_reason("ticket OPS-1")
                    .with_details(serde_json::json!({"port": 22, "i": i}));
                log.append(&e).unwrap()
            })
            .collect();
        (path, entries)
    }

    fn lines(path: &Path) -> Vec<String> {
        let text = std::fs::read_to_string(path).unwrap();
        text.split_inclusive('\n').map(str::to_string).collect()
    }

    #[test]
    fn five_appends_verify_and_first_prev_is_zero() {
        let dir = tempfile::tempdir().unwrap();
        let (path, entries) = five(dir.path());
        let r = verify_file(&path).unwrap();
        assert!(r.is_ok(), "{r}");
        assert_eq!(r.entries, 5);
        assert_eq!(r.last_hash.as_deref(), Some(entries[4].hash.as_str()));
        let seqs: Vec<u64> = entries.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [1, 2, 3, 4, 5]);
        let first: serde_json::Value = serde_json::from_str(&lines(&path)[0]).unwrap();
        assert_eq!(first["prev"], ZERO_HASH);
        assert_eq!(first["seq"], 1);
        assert_eq!(first["action"], "maintenance-open");
        // The file holds exactly the rendered lines.
        let rendered: String = entries.iter().map(Entry::to_line).collect();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), rendered);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn edited_line_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let (path, _) = five(dir.path());
        let mut l = lines(&path);
        assert!(l[2].contains("\"web2\""));
        l[2] = l[2].replace("web2", "web9");
        let r = verify(&l.concat());
        assert_eq!(r.issues, vec![Issue::Edited { line: 3, seq: 3 }]);
        assert_eq!(
            r.issues[0].to_string(),
            "line 3 (seq 3) was edited: its content does not match its hash"
        );
    }

    #[test]
    fn deleted_line_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let (path, _) = five(dir.path());
        let mut l = lines(&path);
        l.remove(1);
        let r = verify(&l.concat());
        assert_eq!(
            r.issues,
            vec![Issue::Missing {
                first: 2,
                last: 2,
                after_line: Some(1),
                before_line: 2
            }]
        );
        assert_eq!(
            r.issues[0].to_string(),
            "entry seq 2 missing between line 1 and line 2"
        );
        assert_eq!(r.entries, 4);
    }

    #[test]
    fn swapped_lines_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let (path, _) = five(dir.path());
        let mut l = lines(&path);
        l.swap(2, 3);
        let r = verify(&l.concat());
        assert_eq!(
            r.issues,
            vec![Issue::Reordered {
                line: 4,
                seq: 3,
                after_line: 3,
                after_seq: 4
            }]
        );
    }

    #[test]
    fn chain_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let (path, entries) = five(dir.path());
        let again = AuditLog::open(&path).unwrap();
        let sixth = again.append(&Event::new("apply", vec![])).unwrap();
        assert_eq!(sixth.seq, 6);
        assert_eq!(
            sixth.prev,
            crate::audit::canon::sha256_hex(entries[4].line().as_bytes())
        );
        let r = verify_file(&path).unwrap();
        assert!(r.is_ok(), "{r}");
        assert_eq!(r.entries, 6);
    }

    #[test]
    fn concurrent_appenders_do_not_fork_the_chain() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let path = path.clone();
                std::thread::spawn(move || {
                    let log = AuditLog::open(&path).unwrap();
                    for i in 0..20 {
                        log.append(&Event::new("apply", vec![format!("t{t}-{i}")]))
                            .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let r = verify_file(&path).unwrap();
        assert!(r.is_ok(), "{r}");
        assert_eq!(r.entries, 80);
    }

    #[test]
    fn append_waits_for_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let log = AuditLog::open(&path).unwrap();
        // Another process (here: this test) holds the lock.
        let holder = File::open(&path).unwrap();
        flock(&holder, FlockOperation::LockExclusive).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let t = std::thread::spawn(move || {
            let r = log.append(&Event::new("apply", vec![]));
            tx.send(r.map(|e| e.seq)).unwrap();
        });
        assert!(
            rx.recv_timeout(std::time::Duration::from_millis(300))
                .is_err(),
            "append did not wait for the lock"
        );
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
        drop(holder);
        let seq = rx
            .recv_timeout(std::time::Duration::from_secs(5))
            .unwrap()
            .unwrap();
        assert_eq!(seq, 1);
        t.join().unwrap();
    }

    #[test]
    fn refuses_to_append_after_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        let (path, _) = five(dir.path());
        // An interrupted write: part of a sixth line, no newline (the
        // anchor, written after the line, still names entry 5).
        let text = std::fs::read_to_string(&path).unwrap();
        let sixth = next_entry(lines(&path)[4].as_str(), &Event::new("apply", vec![])).unwrap();
        std::fs::write(&path, format!("{text}{}", &sixth.line()[..40])).unwrap();
        let err = AuditLog::open(&path)
            .unwrap()
            .append(&Event::new("apply", vec![]))
            .unwrap_err();
        assert!(matches!(err, AuditError::TornTail { .. }), "{err}");
        // Cut inside the anchored last line: that is a cut, not a torn write.
        std::fs::write(&path, &text[..text.len() - 10]).unwrap();
        let err = AuditLog::open(&path)
            .unwrap()
            .append(&Event::new("apply", vec![]))
            .unwrap_err();
        assert!(matches!(err, AuditError::Unanchored { .. }), "{err}");
    }

    #[test]
    fn long_last_line_is_read_back_across_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let log = AuditLog::open(&path).unwrap();
        let big = "x".repeat(20_000);
        for _ in 0..3 {
            log.append(&Event::new("apply", vec![big.clone()])).unwrap();
        }
        let r = verify_file(&path).unwrap();
        assert!(r.is_ok(), "{r}");
        assert_eq!(r.last_seq, Some(3));
    }
}
