//! The CA directory's files: keys created with their mode from the first
//! byte, `state.json` read and checked, written atomically, and the lock.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::{State, LOCK_FILE, STATE_FILE};
use crate::ca::Error;

pub(super) fn io_err(path: &Path, source: io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Creates `path` (which must not exist) with `mode` from the start, writes
/// and fsyncs `bytes`.
pub(super) fn write_new(
    path: &Path,
    bytes: &[u8],
    mode: u32,
    created: &mut Vec<PathBuf>,
) -> Result<(), Error> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(|e| match e.kind() {
            io::ErrorKind::AlreadyExists => Error::Exists {
                path: path.to_path_buf(),
            },
            _ => io_err(path, e),
        })?;
    created.push(path.to_path_buf());
    // The umask may have removed bits (never added any): make public files
    // exactly `mode`; private files are 0600 or stricter already.
    if mode & 0o044 != 0 {
        file.set_permissions(fs::Permissions::from_mode(mode))
            .map_err(|e| io_err(path, e))?;
    }
    file.write_all(bytes).map_err(|e| io_err(path, e))?;
    file.sync_all().map_err(|e| io_err(path, e))
}

pub(super) fn sync_dir(dir: &Path) -> Result<(), Error> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_err(dir, e))
}

pub(super) fn read_state(dir: &Path) -> Result<State, Error> {
    let path = dir.join(STATE_FILE);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(Error::Missing {
                path: dir.to_path_buf(),
            })
        }
        Err(e) => return Err(io_err(&path, e)),
    };
    let state: State = serde_json::from_str(&text).map_err(|e| Error::BadState {
        path: path.clone(),
        reason: format!("cannot be parsed ({e})"),
    })?;
    state
        .check()
        .map_err(|reason| Error::BadState { path, reason })?;
    Ok(state)
}

/// Writes `state.json` atomically: temp file (0600), fsync, rename, fsync
/// of the directory. With `first`, an existing file is an error.
pub(super) fn write_state(dir: &Path, state: &State, first: bool) -> Result<(), Error> {
    let path = dir.join(STATE_FILE);
    let mut json = serde_json::to_string_pretty(state).map_err(|e| Error::BadState {
        path: path.clone(),
        reason: format!("cannot be serialised ({e})"),
    })?;
    json.push('\n');
    let mut tmp = tempfile::Builder::new()
        .prefix(".state.json.")
        .tempfile_in(dir)
        .map_err(|e| io_err(dir, e))?;
    tmp.write_all(json.as_bytes())
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| io_err(tmp.path(), e))?;
    if first {
        tmp.persist_noclobber(&path)
            .map_err(|e| match e.error.kind() {
                io::ErrorKind::AlreadyExists => Error::Exists { path: path.clone() },
                _ => io_err(&path, e.error),
            })?;
    } else {
        tmp.persist(&path).map_err(|e| io_err(&path, e.error))?;
    }
    sync_dir(dir)
}

/// The CA lock: `state.lock`, created exclusively, removed on drop.
pub(super) struct Lock {
    path: PathBuf,
}

impl Lock {
    pub(super) fn acquire(dir: &Path) -> Result<Lock, Error> {
        let path = dir.join(LOCK_FILE);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(mut f) => {
                // The pid helps whoever finds a stale lock.
                let _ = writeln!(f, "{}", std::process::id());
                Ok(Lock { path })
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(Error::Locked { path }),
            Err(e) => Err(io_err(&path, e)),
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}
