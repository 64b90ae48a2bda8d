//! Who owns a lab directory, and the sweep of labs whose owner died.
//!
//! A lab is `ROOT/<id>` with `<id>` = `hl<pid>x<n>`. Its owner holds an
//! exclusive `flock` on `ROOT/<id>/lock` for the lab's whole life (the lock
//! goes with the owner's open file, so a killed owner frees it at once, and
//! a reused pid means nothing). The directory is built in a staging area
//! (`/tmp/hlab.new/<id>`: lock taken, `owner.pid` written) and only then
//! renamed into `ROOT` with `RENAME_NOREPLACE`, so no lab is ever visible
//! in `ROOT` without its lock held: the sweep removes a lab only when it
//! can take that lock itself (non-blocking), and holds it while it cleans.
//! Claiming the id is the atomic `mkdir` + no-replace rename: two threads
//! or processes never get the same id, and an id stays taken until its
//! old lab is fully cleaned (the directory goes last).
//!
//! A lab records each namespace in `ROOT/<id>/netns` before creating it;
//! the sweep deletes exactly those (killing their processes by pid, which
//! also ends the hosts' private mount namespaces). A directory without a
//! lock file comes from an older harden (labs of other checkouts may run
//! at the same time): it is swept only when its `owner.pid` is dead, and
//! its namespaces are those named `<id>-…`.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use super::LabError;

/// Staging area where lab directories are built before they appear.
pub const STAGING: &str = "/tmp/hlab.new";
const LOCK: &str = "lock";
const NETNS: &str = "netns";
/// A lock-less directory without `owner.pid` older than this is litter.
const LITTER_AGE: Duration = Duration::from_secs(600);

/// How the sweep reaches namespaces (real `ip netns` or a test double).
pub struct Netns<'a> {
    /// Names of all namespaces.
    pub list: &'a dyn Fn() -> Vec<String>,
    /// Kills a namespace's processes by pid and deletes it.
    pub destroy: &'a dyn Fn(&str),
}

/// The machine's namespaces.
pub fn system_netns() -> Netns<'static> {
    Netns {
        list: &super::net::list_ns,
        destroy: &super::net::destroy_ns,
    }
}

/// A lab directory this process owns (the lock is held while it lives).
#[derive(Debug)]
pub struct Claim {
    /// The lab id.
    pub id: String,
    /// `ROOT/<id>`.
    pub dir: PathBuf,
    _lock: File,
}

/// Where labs live: `root` (normally [`super::ROOT`]) and `staging`.
pub struct Registry {
    root: PathBuf,
    staging: PathBuf,
}

fn err(what: &str, p: &Path, e: impl std::fmt::Display) -> LabError {
    LabError(format!("{what} {}: {e}", p.display()))
}

/// `hl<digits>x<digits>`: the only names the sweep looks at.
pub fn is_lab_id(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("hl") else {
        return false;
    };
    let Some((pid, n)) = rest.split_once('x') else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.len() <= 10 && s.bytes().all(|b| b.is_ascii_digit());
    digits(pid) && digits(n)
}

/// A namespace name a lab may make: `[A-Za-z0-9-]`, at most 64 bytes.
pub fn is_ns_name(n: &str) -> bool {
    !n.is_empty() && n.len() <= 64 && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn alive(pid: u32) -> bool {
    // SAFETY: kill(2) with signal 0 only checks that the pid exists.
    i32::try_from(pid).is_ok_and(|p| p > 0 && unsafe { libc::kill(p, 0) } == 0)
}

fn same_file(a: &File, p: &Path) -> bool {
    match (a.metadata(), std::fs::metadata(p)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// Takes `dir`'s lock without waiting; `None` when a live owner (or another
/// sweep) holds it, or when `dir` was removed or replaced meanwhile. Only
/// an older lab (`create`) gets a lock file: a lab of ours always has one,
/// and one missing means its owner is removing the directory.
fn try_own(dir: &Path, create: bool) -> Option<File> {
    let p = dir.join(LOCK);
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .create(create)
        .truncate(false)
        .open(&p)
        .ok()?;
    match rustix::fs::flock(&f, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
        Ok(()) if same_file(&f, &p) => Some(f),
        _ => None,
    }
}

fn old(p: &Path) -> bool {
    std::fs::metadata(p)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age > LITTER_AGE)
}

/// Whether the sweep may try to take a lab directory: `None` leave it,
/// `Some(false)` its lock decides, `Some(true)` an older harden's lab whose
/// `owner.pid` is dead (its lock file is created).
fn candidate(dir: &Path) -> Option<bool> {
    if dir.join("keep").exists() {
        return None;
    }
    if dir.join(LOCK).exists() {
        return Some(false);
    }
    let dead = match std::fs::read_to_string(dir.join("owner.pid")) {
        Ok(s) => s.trim().parse::<u32>().is_ok_and(|p| !alive(p)),
        Err(_) => old(dir),
    };
    dead.then_some(true)
}

/// The namespaces lab `id` recorded (or, for an older lab without a record,
/// those named `<id>-…`: ids never prefix one another's names).
fn namespaces(dir: &Path, id: &str, ns: &Netns) -> Vec<String> {
    let own = |n: &str| is_ns_name(n) && n.strip_prefix(id).is_some_and(|r| r.starts_with('-'));
    match std::fs::read_to_string(dir.join(NETNS)) {
        Ok(s) if s.len() <= 64 * 1024 => s.lines().filter(|n| own(n)).map(String::from).collect(),
        Ok(_) => Vec::new(),
        // Only an older harden's lab has no record (claim writes one).
        Err(_) => (ns.list)().into_iter().filter(|n| own(n)).collect(),
    }
}

/// Appends `ns` to the record of lab `dir` (before the namespace exists).
pub fn record_ns(dir: &Path, ns: &str) -> Result<(), LabError> {
    let p = dir.join(NETNS);
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(&p)
        .and_then(|mut f| f.write_all(format!("{ns}\n").as_bytes()))
        .map_err(|e| err("recording a namespace in", &p, e))
}

impl Registry {
    /// The machine's labs.
    pub fn system() -> Registry {
        Registry::at(Path::new(super::ROOT), Path::new(STAGING))
    }

    /// Labs under `root`, built in `staging` (same file system).
    pub fn at(root: &Path, staging: &Path) -> Registry {
        Registry {
            root: root.to_path_buf(),
            staging: staging.to_path_buf(),
        }
    }

    /// Claims a fresh lab directory: unique id, lock held, `owner.pid`
    /// written, then (only then) visible in the root.
    pub fn claim(&self) -> Result<Claim, LabError> {
        static N: AtomicU32 = AtomicU32::new(0);
        for d in [&self.root, &self.staging] {
            std::fs::create_dir_all(d).map_err(|e| err("creating", d, e))?;
        }
        let pid = std::process::id();
        for _ in 0..1000 {
            let id = format!("hl{pid}x{}", N.fetch_add(1, Ordering::SeqCst));
            let stage = self.staging.join(&id);
            match std::fs::create_dir(&stage) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(err("creating", &stage, e)),
            }
            let lock = match try_own(&stage, true) {
                Some(l) => l,
                None => continue,
            };
            let built = std::fs::write(stage.join(NETNS), "")
                .and_then(|()| std::fs::write(stage.join("owner.pid"), pid.to_string()))
                .map_err(|e| err("writing", &stage, e));
            let dir = self.root.join(&id);
            let moved = built.and_then(|()| {
                rustix::fs::renameat_with(
                    rustix::fs::CWD,
                    &stage,
                    rustix::fs::CWD,
                    &dir,
                    rustix::fs::RenameFlags::NOREPLACE,
                )
                .map_err(|e| err("moving the lab to", &dir, e))
            });
            match moved {
                Ok(()) => {
                    return Ok(Claim {
                        id,
                        dir,
                        _lock: lock,
                    })
                }
                Err(_) if dir.exists() => {
                    // An old lab with this id (a reused pid) is still there.
                    let _ = std::fs::remove_dir_all(&stage);
                }
                Err(e) => {
                    let _ = std::fs::remove_dir_all(&stage);
                    return Err(e);
                }
            }
        }
        Err(LabError("no free lab id after 1000 tries".into()))
    }

    /// Removes labs whose owner is gone; returns how many it removed.
    pub fn sweep(&self, ns: &Netns) -> usize {
        let mut swept = 0;
        if let Ok(entries) = std::fs::read_dir(&self.root) {
            for e in entries.flatten() {
                let id = e.file_name().to_string_lossy().into_owned();
                let dir = self.root.join(&id);
                let Some(create) = candidate(&dir).filter(|_| is_lab_id(&id)) else {
                    continue;
                };
                if let Some(lock) = try_own(&dir, create) {
                    clean(&dir, &id, ns, lock);
                    swept += 1;
                }
            }
        }
        // Staging leftovers of a creator that died mid-claim (no namespaces).
        if let Ok(entries) = std::fs::read_dir(&self.staging) {
            for e in entries.flatten() {
                let id = e.file_name().to_string_lossy().into_owned();
                let stage = self.staging.join(&id);
                if !is_lab_id(&id) || !old(&stage) {
                    continue;
                }
                let lock = try_own(&stage, false);
                if lock.is_some() || !stage.join(LOCK).exists() {
                    let _ = std::fs::remove_dir_all(&stage);
                }
                drop(lock);
            }
        }
        swept
    }

    /// The directory of lab `id`, exactly that id: refused (naming the
    /// labs there are) for anything that is not a lab here, a prefix of
    /// one included.
    pub fn lab_dir(&self, id: &str) -> Result<PathBuf, LabError> {
        let dir = self.root.join(id);
        if is_lab_id(id) && dir.is_dir() {
            return Ok(dir);
        }
        let mut ids: Vec<String> = std::fs::read_dir(&self.root)
            .map(|r| {
                r.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| is_lab_id(n))
                    .collect()
            })
            .unwrap_or_default();
        ids.sort();
        let shown: String = id.chars().take(40).filter(|c| !c.is_control()).collect();
        Err(LabError(format!(
            "no lab {shown:?} in {} (an id is hl<pid>x<n>, given in full); labs there: {}",
            self.root.display(),
            if ids.is_empty() {
                "none".into()
            } else {
                ids.join(", ")
            }
        )))
    }

    /// Removes lab `id` (`harden-lab down`): refused while its owner lives.
    /// Removes what that lab recorded: its processes (by pid and start
    /// time), its namespaces, its directory.
    pub fn remove(&self, id: &str, ns: &Netns) -> Result<(), LabError> {
        let dir = self.lab_dir(id)?;
        let lock = try_own(&dir, !dir.join(LOCK).exists())
            .ok_or_else(|| LabError(format!("lab {id} is in use by a running process")))?;
        clean(&dir, id, ns, lock);
        Ok(())
    }
}

/// Deletes lab `id`'s namespaces, then its directory, holding its lock.
fn clean(dir: &Path, id: &str, ns: &Netns, lock: File) {
    if let Ok(st) = super::state::State::read(dir) {
        st.kill_recorded();
    }
    for n in namespaces(dir, id, ns) {
        (ns.destroy)(&n);
    }
    let _ = std::fs::remove_dir_all(dir);
    drop(lock);
}

#[cfg(test)]
#[path = "owner_tests.rs"]
mod tests;
