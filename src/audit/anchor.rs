//! The anchor: where the local log ended, kept outside the log.
//!
//! Text alone cannot show lines cut off the end of a log, nor a log
//! rewritten from the first line with a fresh chain. So after every append
//! harden writes the new last entry's `seq`, `hash`, event `id` and the
//! entry count to `<log>.anchor` (mode 0600; a temporary file, synced, then
//! renamed over the old one, and the directory synced), while it still
//! holds the log's lock. The same `seq` and `hash` go to management with
//! the event (`details.audit`), so management holds a copy of every anchor.
//!
//! An operator can also give an anchor by hand (`--anchor SEQ:HASH`, the
//! last values management received), which [`Anchor::parse`] reads.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::canon::is_hash;
use super::chain::Entry;
use super::AuditError;

/// The anchor file's format version.
const VERSION: u32 = 1;

/// The largest anchor file harden reads.
const MAX_BYTES: u64 = 4096;

/// Where a log ended: its last entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    /// The last entry's sequence number.
    pub seq: u64,
    /// The last entry's hash.
    pub hash: String,
    /// How many entries the log should hold: the last seq, as an intact
    /// log holds one entry per seq (unknown for a hand-given anchor).
    #[serde(default)]
    pub entries: Option<u64>,
    /// The last entry's event id (unknown for a hand-given anchor).
    #[serde(default)]
    pub id: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct OnDisk {
    version: u32,
    #[serde(flatten)]
    anchor: Anchor,
}

impl Anchor {
    /// The anchor of `entry`, the log's newest.
    pub fn of(entry: &Entry) -> Anchor {
        Anchor {
            seq: entry.seq,
            hash: entry.hash.clone(),
            entries: Some(entry.seq),
            id: Some(entry.event.id.clone()),
        }
    }

    /// Reads `SEQ:HASH` (as management received them in `details.audit`).
    pub fn parse(s: &str) -> Result<Anchor, String> {
        let (seq, hash) = s
            .split_once(':')
            .ok_or_else(|| format!("{s:?} is not SEQ:HASH (e.g. 12:3f5a…, 64 hex digits)"))?;
        let seq: u64 = seq
            .trim()
            .parse()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| format!("{seq:?} is not a sequence number (1, 2, 3, …)"))?;
        let hash = hash.trim().to_ascii_lowercase();
        if !is_hash(&hash) {
            return Err("the hash must be 64 hex digits (SHA-256)".into());
        }
        Ok(Anchor {
            seq,
            hash,
            entries: None,
            id: None,
        })
    }

    /// `seq N hash H`, for messages.
    pub fn describe(&self) -> String {
        let mut s = format!("seq {} hash {}", self.seq, self.hash);
        if let Some(id) = &self.id {
            s.push_str(&format!(" (event {id})"));
        }
        s
    }
}

/// The anchor file of the log at `log`: `<log>.anchor`.
pub fn anchor_path(log: &Path) -> PathBuf {
    let mut s = log.as_os_str().to_owned();
    s.push(".anchor");
    PathBuf::from(s)
}

/// Reads the anchor file; `None` when there is none.
pub fn read_anchor(path: &Path) -> Result<Option<Anchor>, AuditError> {
    let bad = |reason: String| AuditError::BadAnchor {
        path: path.to_path_buf(),
        reason,
    };
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(bad(e.to_string())),
    };
    if !meta.is_file() {
        return Err(bad("not a regular file".into()));
    }
    if meta.len() > MAX_BYTES {
        return Err(bad(format!("longer than {MAX_BYTES} bytes")));
    }
    let bytes = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let disk: OnDisk =
        serde_json::from_slice(&bytes).map_err(|e| bad(format!("not an anchor: {e}")))?;
    if disk.version != VERSION {
        return Err(bad(format!("unknown version {}", disk.version)));
    }
    let a = disk.anchor;
    if a.seq == 0 || !is_hash(&a.hash) {
        return Err(bad("seq or hash is not valid".into()));
    }
    Ok(Some(a))
}

/// Replaces the anchor file atomically: temporary file (0600), synced,
/// renamed, directory synced.
pub fn write_anchor(path: &Path, anchor: &Anchor) -> Result<(), AuditError> {
    let io = |op: &'static str| {
        move |err| AuditError::Io {
            path: path.to_path_buf(),
            op,
            err,
        }
    };
    let disk = OnDisk {
        version: VERSION,
        anchor: anchor.clone(),
    };
    let mut text = serde_json::to_string(&disk).map_err(|e| AuditError::Encode(e.to_string()))?;
    text.push('\n');
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "anchor".into());
    let tmp_name = format!(".{name}.{}.tmp", std::process::id());
    let tmp = dir.map_or_else(|| PathBuf::from(&tmp_name), |d| d.join(&tmp_name));
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(io("write the anchor (temporary file)"))?;
        f.write_all(text.as_bytes())
            .map_err(io("write the anchor"))?;
        f.sync_all().map_err(io("sync the anchor"))?;
        std::fs::rename(&tmp, path).map_err(io("replace the anchor"))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result?;
    if let Some(d) = dir {
        if let Ok(d) = File::open(d) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{next_entry, Event};
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn round_trip_private_and_atomic() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("audit.jsonl");
        let path = anchor_path(&log);
        assert_eq!(path, dir.path().join("audit.jsonl.anchor"));
        assert_eq!(read_anchor(&path).unwrap(), None);
        let e = next_entry("", &Event::new("apply", vec![])).unwrap();
        let a = Anchor::of(&e);
        write_anchor(&path, &a).unwrap();
        assert_eq!(read_anchor(&path).unwrap(), Some(a.clone()));
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
        std::fs::write(&path, "{\"version\":1,\"seq\":0}").unwrap();
        assert!(matches!(
            read_anchor(&path),
            Err(AuditError::BadAnchor { .. })
        ));
    }

    #[test]
    fn parse_seq_colon_hash() {
        let h = "ab".repeat(32);
        let a = Anchor::parse(&format!("12:{}", h.to_uppercase())).unwrap();
        assert_eq!((a.seq, a.hash.as_str()), (12, h.as_str()));
        assert!(Anchor::parse("12").is_err());
        assert!(Anchor::parse(&format!("0:{h}")).is_err());
        assert!(Anchor::parse("3:abc").is_err());
    }
}
