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
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use rustix::fs::{flock, FlockOperation};

use super::anchor::anchor_path;
use super::chain::Entry;
use super::event::Event;
use super::locked::Locked;
use super::verify::{verify_bytes, VerifyReport};
use super::AuditError;

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

pub(super) fn open_append(path: &Path) -> Result<File, AuditError> {
    OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
        .map_err(io(path, "open"))
}

pub(super) fn io<'a>(
    path: &'a Path,
    op: &'static str,
) -> impl FnOnce(std::io::Error) -> AuditError + 'a {
    move |err| AuditError::Io {
        path: path.to_path_buf(),
        op,
        err,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::file_lines as lines;
    use crate::audit::{next_entry, verify, Issue, ZERO_HASH};
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
