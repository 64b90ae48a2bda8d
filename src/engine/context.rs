//! What one harden run needs before it opens any connection: a private
//! runtime directory (control sockets, generated ssh_config files, the
//! run's key), a unique run id, the SSH client settings and, when the
//! inventory configures a CA, the unlocked CA with harden's own
//! certificate for this run.
//!
//! Every command that talks to hosts (`plan`, `drift`, `apply`,
//! `maintenance …`) starts here, so they all connect the same way: with a
//! fresh key whose certificate (principal `harden`, valid for minutes,
//! restricted to the controller sources) is offered first, and the
//! inventory's `identity` key second (it only matters while bootstrapping
//! a host that does not trust the CA yet).
//!
//! The directory holds a `pid` file (pid, its start time, boot id). A run
//! that dies without cleaning up (SIGKILL) leaves its directory and ssh
//! masters behind; the next run on this machine finds directories whose
//! run is dead, stops their masters (`ssh -O exit`) and removes them
//! ([`sweep_dead`]). The masters themselves also end by themselves
//! shortly after their last use (`ControlPersist`, see `transport`).
//!
//! [`RunContext::watch_signals`]: SIGINT/SIGTERM ask the run to stop (no
//! new host, no further control; the current guarded step finishes or
//! rolls back; events are recorded; connections and this directory are
//! cleaned up on the normal path). A second signal aborts at once: it stops
//! the masters, removes the directory and exits 130; the hosts' own
//! rollback timers still undo an unconfirmed change, so nobody is locked
//! out, and the next run reconciles the interrupted intent.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::ca::CaRuntime;
use crate::inventory::Inventory;
use crate::transport::ClientConfig;

/// Per-run state shared by all connections.
pub struct RunContext {
    /// Private directory, removed when the run ends.
    pub dir: tempfile::TempDir,
    /// Unique id (UTC time plus random suffix), used in host paths.
    pub run_id: String,
    /// SSH client settings.
    pub client: ClientConfig,
    /// Key id of harden's own certificate, when a CA is configured.
    pub key_id: Option<String>,
    /// The CA, unlocked, when configured.
    pub ca: Option<Arc<CaRuntime>>,
}

/// The local user running harden (for key ids and the audit log): the one
/// function, [`crate::audit::current_local_user`].
pub use crate::audit::current_local_user as local_user;

impl RunContext {
    /// Prepares a run against `inv` (unlocks the CA if one is configured).
    pub fn new(inv: &Inventory, command_timeout: Duration) -> Result<RunContext> {
        let dir = crate::transport::run_dir()
            .context("creating a private runtime directory (set HARDEN_RUNTIME_DIR)")?;
        if let Some(base) = dir.path().parent() {
            sweep_dead(base, dir.path());
        }
        let pid = std::process::id();
        let _ = std::fs::write(
            dir.path().join("pid"),
            serde_json::to_string(&serde_json::json!({
                "pid": pid,
                "pid_start": crate::events::intent::process_start(pid),
                "boot_id": crate::events::intent::boot_id(),
            }))
            .unwrap_or_default(),
        );
        let run_id = format!(
            "{}-{:08x}",
            crate::timefmt::rfc3339(crate::timefmt::now()).replace([':', '-'], ""),
            crate::random::u64() as u32
        );
        let mut client = ClientConfig {
            dir: dir.path().to_path_buf(),
            run_identity: Vec::new(),
            ca_known_hosts: None,
            command_timeout,
        };
        let mut key_id = None;
        let mut ca = None;
        if let Some(mut rt) =
            CaRuntime::load(inv).map_err(|e| anyhow::anyhow!("{e} (run `harden ca init`)"))?
        {
            let pass = crate::ca::passphrase::get(&rt.settings, false)?;
            rt.unlock(&pass).map_err(|e| anyhow::anyhow!("{e}"))?;
            let id = crate::ca::runtime::run_identity(&rt, inv, dir.path(), &run_id, &local_user())
                .map_err(|e| anyhow::anyhow!("signing harden's run certificate: {e}"))?;
            client.run_identity = id.keys;
            let kh = dir.path().join("ca_known_hosts");
            std::fs::write(
                &kh,
                crate::ca::runtime::own_known_hosts(&rt, inv)
                    .map_err(|e| anyhow::anyhow!("{e}"))?,
            )
            .with_context(|| format!("writing {}", kh.display()))?;
            client.ca_known_hosts = Some(kh);
            key_id = Some(id.key_id);
            ca = Some(Arc::new(rt));
        }
        Ok(RunContext {
            dir,
            run_id,
            client,
            key_id,
            ca,
        })
    }
}

impl RunContext {
    /// Installs the SIGINT/SIGTERM handling described in the module doc.
    /// Call from inside the run's tokio runtime.
    pub fn watch_signals(&self) {
        let dir = self.dir.path().to_path_buf();
        tokio::spawn(async move { signals(dir).await });
    }
}

async fn signals(dir: PathBuf) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return;
    };
    let name = tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    };
    super::run::request_stop();
    eprintln!(
        "harden: {name}: stopping: no new host or control is started; the current step finishes or rolls back and every event is recorded; a second signal aborts at once (hosts still roll back unconfirmed changes by themselves)"
    );
    tokio::select! {
        _ = term.recv() => {},
        _ = int.recv() => {},
    }
    eprintln!(
        "harden: second signal: aborting; unconfirmed changes roll back on the hosts by themselves; the next run records what happened"
    );
    close_masters(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    std::process::exit(130);
}

/// Stops every ssh master whose control socket is under `dir` (bounded
/// depth; `ssh -O exit` returns at once).
pub fn close_masters(dir: &Path) {
    use std::os::unix::fs::FileTypeExt;
    let mut stack = vec![(dir.to_path_buf(), 0)];
    while let Some((d, depth)) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() && depth < 3 {
                stack.push((e.path(), depth + 1));
            } else if ft.is_socket() {
                let _ = std::process::Command::new("ssh")
                    .arg("-S")
                    .arg(e.path())
                    .args(["-O", "exit", "harden-run"])
                    .stdin(std::process::Stdio::null())
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .status();
            }
        }
    }
}

/// Removes the run directories under `base` (other than `mine`) whose run
/// is dead, stopping their masters first. Directories without a `pid`
/// file are left alone (not ours, or a run from before this check).
pub fn sweep_dead(base: &Path, mine: &Path) {
    let Ok(rd) = std::fs::read_dir(base) else {
        return;
    };
    for e in rd.flatten().take(1000) {
        let p = e.path();
        let is_run = p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("hd-"));
        if !is_run || p == mine {
            continue;
        }
        // Only our own directories: same owner (the dir is 0700).
        let Ok(text) = std::fs::read_to_string(p.join("pid")) else {
            continue;
        };
        let Ok(run) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        if !crate::events::intent::run_alive(&run) {
            close_masters(&p);
            let _ = std::fs::remove_dir_all(&p);
        }
    }
}
