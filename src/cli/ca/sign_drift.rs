//! `harden ca sign-drift`: creates the read-only drift credential for CI
//! (a fresh ed25519 key and its certificate, see [`crate::drift_access`])
//! in a new directory. Rotation is signing a new one; revocation is
//! `harden ca revoke --serial N` (or `--key-id`), deployed by the next apply.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};

use crate::ca;
use crate::drift_access::credential::{CERT, KEY};

/// Signs a drift credential into `out` (created; must not exist) valid
/// for `days`, usable only from `sources` when given.
pub(super) fn sign_drift(
    cfg: &crate::inventory::CaSettings,
    out: &Path,
    days: u32,
    sources: &[String],
) -> Result<serde_json::Value> {
    let validity = u64::from(days) * 86_400;
    if days == 0 || validity > ca::drift::MAX_DRIFT_VALIDITY {
        bail!("--days {days} is outside 1-366");
    }
    let sources = super::parse_sources(sources)?;
    let (signer, serial) = super::user_signer(cfg)?;
    let key_id = format!("harden-drift/{serial}");
    let key =
        ssh_key::PrivateKey::random(&mut ssh_key::rand_core::OsRng, ssh_key::Algorithm::Ed25519)
            .map_err(|e| anyhow!("{e}"))?;
    let now = crate::timefmt::now();
    let cert = ca::drift::sign_drift(
        &signer,
        key.public_key(),
        &key_id,
        serial,
        now,
        validity,
        (!sources.is_empty()).then_some(sources.as_slice()),
    )
    .map_err(|e| anyhow!("{e}"))?;
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(out)
        .with_context(|| format!("creating {} (it must not exist yet)", out.display()))?;
    let text = key
        .to_openssh(ssh_key::LineEnding::LF)
        .map_err(|e| anyhow!("{e}"))?;
    let kp = out.join(KEY);
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&kp)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .with_context(|| format!("writing {}", kp.display()))?;
    let line = cert.to_openssh().map_err(|e| anyhow!("{e}"))? + "\n";
    let cp = out.join(CERT);
    std::fs::write(&cp, line).with_context(|| format!("writing {}", cp.display()))?;
    let until = crate::timefmt::rfc3339(now + validity);
    eprintln!(
        "signed the drift credential: serial {serial}, key id {key_id}, valid {days} days until {until} → {} (store both files as one CI secret; revoke with `harden ca revoke --serial {serial}`)",
        out.display()
    );
    Ok(serde_json::json!({
        "serial": serial,
        "key_id": key_id,
        "valid_before": until,
        "source_address": sources.iter().map(ToString::to_string).collect::<Vec<_>>(),
    }))
}
