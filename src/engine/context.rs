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

/// The local user running harden (for key ids and the audit log).
pub fn local_user() -> String {
    std::env::var("SUDO_USER")
        .ok()
        .filter(|u| !u.is_empty())
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| format!("uid{}", unsafe { libc::geteuid() }))
}

impl RunContext {
    /// Prepares a run against `inv` (unlocks the CA if one is configured).
    pub fn new(inv: &Inventory, command_timeout: Duration) -> Result<RunContext> {
        let dir = crate::transport::run_dir()
            .context("creating a private runtime directory (set HARDEN_RUNTIME_DIR)")?;
        let run_id = format!(
            "{}-{:08x}",
            crate::timefmt::rfc3339(crate::timefmt::now()).replace([':', '-'], ""),
            super::run::rand_u64() as u32
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
