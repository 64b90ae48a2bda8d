//! What one harden run needs before it opens any connection: a private
//! runtime directory (control sockets, generated ssh_config files, the
//! run's key), a unique run id and the SSH client settings.
//!
//! Every command that talks to hosts (`plan`, `drift`, `apply`,
//! `maintenance …`) starts here, so they all connect the same way.

use std::time::Duration;

use anyhow::{Context, Result};

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
}

impl RunContext {
    /// Prepares a run against `inv`.
    pub fn new(_inv: &Inventory, command_timeout: Duration) -> Result<RunContext> {
        let dir = crate::transport::run_dir()
            .context("creating a private runtime directory (set HARDEN_RUNTIME_DIR)")?;
        let run_id = format!(
            "{}-{:08x}",
            crate::timefmt::rfc3339(crate::timefmt::now()).replace([':', '-'], ""),
            super::run::rand_u64() as u32
        );
        let client = ClientConfig {
            dir: dir.path().to_path_buf(),
            certificate: None,
            identity: None,
            command_timeout,
        };
        Ok(RunContext {
            dir,
            run_id,
            client,
            key_id: None,
        })
    }
}
