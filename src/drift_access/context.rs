//! The run context of a drift run with the read-only credential: the
//! credential's key and certificate instead of a freshly signed run
//! certificate, the CA's public parts only (what hosts must trust and the
//! revocation list, for the findings), never the passphrase. The
//! credential is checked against that revocation list and the trusted CA
//! keys before any host is contacted.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};

use crate::engine::context::RunContext;
use crate::engine::run::Mode;
use crate::inventory::Inventory;

/// Prepares a `mode` run with the credential in `dir`; anything but
/// drift is refused before any connection.
pub fn read_only(
    inv: &Inventory,
    mode: Mode,
    command_timeout: Duration,
    dir: &Path,
) -> Result<RunContext> {
    if mode != Mode::Drift {
        bail!(
            "the read-only drift credential ({}) only runs `harden drift`; {} needs full access (unset {})",
            dir.display(),
            format!("{mode:?}").to_lowercase(),
            super::credential::ENV
        );
    }
    let cred = super::credential::load(dir, crate::timefmt::now())?;
    let mut bare = inv.clone();
    bare.ca = None;
    let mut ctx = RunContext::new(&bare, command_timeout)?;
    if let Some(rt) =
        crate::ca::CaRuntime::load(inv).map_err(|e| anyhow!("{e} (the CA's public files)"))?
    {
        // Revoked, or from a retired CA: one clear line, no connection.
        cred.check_ca(&rt.trusted_user, &rt.krl)?;
        let kh = ctx.dir.path().join("ca_known_hosts");
        std::fs::write(
            &kh,
            crate::ca::runtime::own_known_hosts(&rt, inv).map_err(|e| anyhow!("{e}"))?,
        )
        .with_context(|| format!("writing {}", kh.display()))?;
        ctx.client.ca_known_hosts = Some(kh);
        ctx.ca = Some(Arc::new(rt));
    }
    ctx.client.run_identity = vec![(cred.key, cred.cert)];
    ctx.key_id = Some(cred.key_id);
    Ok(ctx)
}
