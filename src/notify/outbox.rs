//! The outbox: events that could not be delivered yet, one file each.
//!
//! "Nothing is lost": an event the receiver did not accept is written here
//! before harden reports the failure, and delivered by a later run. Files
//! are named `<stamp>-<event id>.json` where the stamp is the time in
//! nanoseconds, but always above the newest stamp already queued, so name
//! order is queue order even if the clock steps back. Each file is written
//! to a hidden temporary name, synced and then renamed, so a crash never
//! leaves half an event under a queued name. Files are 0600 in a 0700
//! directory: events name people.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::audit::Event;

/// A directory of queued events.
#[derive(Debug, Clone)]
pub struct Outbox {
    dir: PathBuf,
}

impl Outbox {
    /// The outbox in `dir` (created on first use).
    pub fn new(dir: impl Into<PathBuf>) -> Outbox {
        Outbox { dir: dir.into() }
    }

    /// Its directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Queues `event` and returns its file. `body` is the exact JSON that
    /// was (and will be) sent.
    pub fn put(&self, event: &Event, body: &[u8]) -> std::io::Result<PathBuf> {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)?;
        let last = self.list()?.last().and_then(|p| stamp_of(p)).unwrap_or(0);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let mut stamp = now.max(last + 1);
        let id = safe_id(&event.id);
        loop {
            if stamp > MAX_STAMP {
                return Err(std::io::Error::other(
                    "outbox file names have run out of order stamps",
                ));
            }
            let name = format!("{stamp:020}-{id}.json");
            let path = self.dir.join(&name);
            let tmp = self.dir.join(format!(".{name}.tmp"));
            if path.exists() {
                stamp += 1;
                continue;
            }
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&tmp)?;
            f.write_all(body)?;
            f.write_all(b"\n")?;
            f.sync_all()?;
            drop(f);
            std::fs::rename(&tmp, &path)?;
            sync_dir(&self.dir);
            return Ok(path);
        }
    }

    /// Queued files, oldest first (an absent directory is an empty queue).
    pub fn list(&self) -> std::io::Result<Vec<PathBuf>> {
        let rd = match std::fs::read_dir(&self.dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut files = Vec::new();
        for entry in rd {
            let path = entry?.path();
            let queued = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !n.starts_with('.') && n.ends_with(".json"));
            if queued && stamp_of(&path).is_some() {
                files.push(path);
            }
        }
        files.sort();
        Ok(files)
    }

    /// Removes a delivered file.
    pub fn remove(&self, path: &Path) -> std::io::Result<()> {
        std::fs::remove_file(path)?;
        sync_dir(&self.dir);
        Ok(())
    }

    /// Moves a file that is not a valid event out of the queue (to
    /// `<name>.bad`), so it cannot block the events behind it.
    pub fn quarantine(&self, path: &Path) -> std::io::Result<PathBuf> {
        let mut bad = path.as_os_str().to_owned();
        bad.push(".bad");
        let bad = PathBuf::from(bad);
        std::fs::rename(path, &bad)?;
        Ok(bad)
    }

    /// Opens (creating) the outbox's lock file, for callers that must not
    /// flush concurrently.
    pub(crate) fn lock_file(&self) -> std::io::Result<File> {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)?;
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(self.dir.join(".lock"))
    }
}

/// The largest stamp that keeps its 20-digit width (and so name order).
const MAX_STAMP: u128 = 99_999_999_999_999_999_999;

fn stamp_of(path: &Path) -> Option<u128> {
    let name = path.file_name()?.to_str()?;
    let (stamp, _) = name.split_once('-')?;
    (stamp.len() == 20).then_some(())?;
    stamp.parse().ok()
}

/// The event id as a file-name part: only `[0-9A-Za-z_]`, at most 64.
fn safe_id(id: &str) -> String {
    let s: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(64)
        .collect();
    if s.is_empty() {
        "event".into()
    } else {
        s
    }
}

fn sync_dir(dir: &Path) {
    // Best effort: makes the rename or removal durable.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn keeps_order_and_private_modes() {
        let tmp = tempfile::tempdir().unwrap();
        let ob = Outbox::new(tmp.path().join("q"));
        assert!(ob.list().unwrap().is_empty());
        let events: Vec<Event> = (0..5)
            .map(|i| Event::new("apply", vec![format!("h{i}")]))
            .collect();
        let paths: Vec<PathBuf> = events
            .iter()
            .map(|e| ob.put(e, &serde_json::to_vec(e).unwrap()).unwrap())
            .collect();
        assert_eq!(ob.list().unwrap(), paths);
        for (p, e) in paths.iter().zip(&events) {
            let back: Event = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
            assert_eq!(&back, e);
            let mode = std::fs::metadata(p).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let dmode = std::fs::metadata(ob.dir()).unwrap().permissions().mode();
        assert_eq!(dmode & 0o777, 0o700);
    }

    #[test]
    fn order_holds_when_the_clock_is_behind_the_queue() {
        let tmp = tempfile::tempdir().unwrap();
        let ob = Outbox::new(tmp.path());
        // A file from "the future", as after the clock stepped back.
        let future = tmp.path().join("09000000000000000000-x.json");
        std::fs::write(&future, b"{}").unwrap();
        let e = Event::new("apply", vec![]);
        let p = ob.put(&e, b"{}").unwrap();
        assert_eq!(ob.list().unwrap(), vec![future, p]);
    }

    #[test]
    fn ids_cannot_escape_the_directory() {
        assert_eq!(safe_id("../../etc/passwd"), "etcpasswd");
        assert_eq!(safe_id("///"), "event");
    }
}
