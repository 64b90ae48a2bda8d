//! `harden ca sign-user`: checks the request against the inventory (the
//! person, their listed key, the validity cap, source addresses) and issues
//! the certificate.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use ssh_key::HashAlg;

use super::read_key;
use crate::ca::{self, UserCertRequest};
use crate::inventory::{Cidr, Inventory};

/// What `sign-user` was asked for.
pub(super) struct SignArgs<'a> {
    pub(super) name: &'a str,
    pub(super) key: Option<&'a Path>,
    pub(super) hours: Option<u32>,
    pub(super) sources: &'a [String],
    pub(super) out: Option<&'a Path>,
    pub(super) port_forwarding: bool,
    pub(super) agent_forwarding: bool,
}

pub(super) fn sign_user(
    inv: &Inventory,
    cfg: &crate::inventory::CaSettings,
    a: &SignArgs<'_>,
) -> Result<serde_json::Value> {
    let (name, key, hours, sources, out) = (a.name, a.key, a.hours, a.sources, a.out);
    let user = inv.user(name).ok_or_else(|| {
        let names: Vec<&str> = inv.users.iter().map(|u| u.name.as_str()).collect();
        anyhow!(
            "no user `{name}` in {}; users are: {}",
            inv.source.path.display(),
            names.join(", ")
        )
    })?;
    if !user.active {
        bail!(
            "user `{name}` is blocked (active = false in {}); refusing to sign",
            inv.source.path.display()
        );
    }
    let subject = match key {
        Some(p) => {
            let k = read_key(p)?;
            if !user
                .public_keys
                .iter()
                .any(|u| u.key_data() == k.key_data())
            {
                bail!(
                    "{} ({}) is not one of `{name}`'s keys in the inventory; add it to users[{}].public_keys first",
                    p.display(),
                    k.fingerprint(HashAlg::Sha256),
                    user.index
                );
            }
            k
        }
        None => match user.public_keys.as_slice() {
            [k] => k.clone(),
            [] => bail!("user `{name}` has no public_keys in the inventory"),
            _ => bail!("user `{name}` has several keys: pick one with --key FILE"),
        },
    };
    let hours = hours.unwrap_or(cfg.user_hours);
    if hours == 0 || hours > cfg.max_user_hours {
        bail!(
            "--hours {hours} is outside 1-{} ([ca].max_user_hours)",
            cfg.max_user_hours
        );
    }
    let source: Option<Vec<Cidr>> = if sources.is_empty() {
        user.source_addresses.clone()
    } else {
        Some(super::parse_sources(sources)?)
    };
    let (signer, serial) = super::user_signer(cfg)?;
    let now = crate::timefmt::now();
    let key_id = format!("{name}/{serial}");
    let cert = ca::sign_user(
        &signer,
        &subject,
        &UserCertRequest {
            key_id: &key_id,
            principals: &[name.to_string()],
            valid_after: now,
            valid_before: now + u64::from(hours) * 3600,
            serial,
            source_address: source.as_deref(),
            permit_port_forwarding: a.port_forwarding,
            permit_agent_forwarding: a.agent_forwarding,
        },
    )
    .map_err(|e| anyhow!("{e}"))?;
    let line = cert.to_openssh().map_err(|e| anyhow!("{e}"))? + "\n";
    let dest = out.map(Path::to_path_buf).or_else(|| {
        key.map(|k| {
            let s = k.display().to_string();
            PathBuf::from(format!("{}-cert.pub", s.strip_suffix(".pub").unwrap_or(&s)))
        })
    });
    match dest {
        Some(p) => {
            std::fs::write(&p, &line).with_context(|| format!("writing {}", p.display()))?;
            eprintln!(
                "signed {name} ({}): serial {serial}, key id {key_id}, valid {hours}h until {} → {}",
                user.role,
                crate::timefmt::rfc3339(now + u64::from(hours) * 3600),
                p.display()
            );
        }
        None => print!("{line}"),
    }
    Ok(serde_json::json!({
        "user": name,
        "role": user.role,
        "serial": serial,
        "key_id": key_id,
        "key": subject.fingerprint(HashAlg::Sha256).to_string(),
        "valid_before": crate::timefmt::rfc3339(now + u64::from(hours) * 3600),
        "source_address": source.as_ref().map(|s| s.iter().map(ToString::to_string).collect::<Vec<_>>()),
    }))
}
