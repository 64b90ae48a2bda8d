//! `harden ca …`: the SSH certificate authority's commands.
//!
//! `init` creates the CA, `sign-user` issues a person a short-lived
//! certificate for a key the inventory lists for them, `known-hosts`
//! prints the `@cert-authority` lines clients trust hosts by, `revoke`
//! adds to the revocation list the next apply deploys, `rotate` and
//! `retire` replace the CA without locking anyone out, `status` shows it.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use ssh_key::PublicKey;

use crate::ca::{self, CaRole, CaStore};
use crate::inventory::Inventory;

mod sign_drift;
mod sign_user;
use sign_user::{sign_user, SignArgs};

/// `harden ca` subcommands.
#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Create the user and host CA (keys encrypted with the passphrase).
    Init,
    /// Sign a user's public key: a certificate for `NAME`, valid for hours.
    SignUser {
        /// User name from the inventory.
        name: String,
        /// The public key to sign (must be one the inventory lists for the
        /// user); default: the user's only key.
        #[arg(long)]
        key: Option<PathBuf>,
        /// Validity in hours (default `[ca].user_hours`, at most `max_user_hours`).
        #[arg(long)]
        hours: Option<u32>,
        /// Restrict the certificate to these source prefixes (repeatable);
        /// default: the user's `source_addresses`.
        #[arg(long = "source")]
        sources: Vec<String>,
        /// Write the certificate here (default: next to --key as
        /// `<key>-cert.pub`, or stdout without --key).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Allow port forwarding with this certificate (sshd must allow it
        /// too: `sshd.allow_tcp_forwarding`).
        #[arg(long)]
        permit_port_forwarding: bool,
        /// Allow agent forwarding with this certificate (sshd must allow
        /// it too: `sshd.allow_agent_forwarding`).
        #[arg(long)]
        permit_agent_forwarding: bool,
    },
    /// Create the read-only drift credential for CI (a key and a
    /// certificate forced to the hosts' probe runner; docs/ci.md).
    SignDrift {
        /// New directory for the key and certificate.
        #[arg(long)]
        out: PathBuf,
        /// Validity in days (at most 366).
        #[arg(long, default_value_t = 90)]
        days: u32,
        /// Restrict the certificate to these source prefixes (repeatable).
        #[arg(long = "source")]
        sources: Vec<String>,
    },
    /// Print the `@cert-authority` known_hosts lines for the inventory's hosts.
    KnownHosts,
    /// Revoke a user's keys, a key, or certificates by serial or key id.
    Revoke {
        /// Every key of this inventory user.
        #[arg(long, group = "what")]
        user: Option<String>,
        /// A public key file.
        #[arg(long, group = "what")]
        key: Option<PathBuf>,
        /// A certificate serial.
        #[arg(long, group = "what")]
        serial: Option<u64>,
        /// A certificate key id.
        #[arg(long, group = "what")]
        key_id: Option<String>,
        /// Why (kept in the CA state and the audit log).
        #[arg(long)]
        reason: String,
    },
    /// Start a new CA generation; old and new are trusted side by side.
    Rotate,
    /// Stop trusting the previous CA generation (after every certificate it
    /// signed has expired, unless --now).
    Retire {
        /// Retire immediately (e.g. a compromised CA key).
        #[arg(long)]
        now: bool,
    },
    /// Show generations, fingerprints, serials and revocations.
    Status,
}

fn settings(inv: &Inventory) -> Result<&crate::inventory::CaSettings> {
    inv.ca.as_ref().ok_or_else(|| {
        anyhow!(
            "{} has no [ca] table; add `[ca]` (docs/inventory.md) to use certificates",
            inv.source.path.display()
        )
    })
}

/// `--source` values as CIDRs; the first bad one is the error.
fn parse_sources(sources: &[String]) -> Result<Vec<crate::inventory::Cidr>> {
    sources
        .iter()
        .map(|s| crate::inventory::Cidr::parse(s).map_err(|e| anyhow!("--source: {e}")))
        .collect()
}

/// Unlocks the user CA (asking for the passphrase) and takes the next
/// certificate serial: the start of every user-CA signing command.
fn user_signer(cfg: &crate::inventory::CaSettings) -> Result<(crate::ca::CaKey, u64)> {
    let pass = crate::ca::passphrase::get(cfg, false)?;
    let mut store = crate::ca::CaStore::open(&cfg.dir).map_err(|e| anyhow!("{e}"))?;
    let signer = store
        .unlock(crate::ca::CaRole::User, &pass)
        .map_err(|e| anyhow!("{e}"))?;
    let serial = store.allocate_serial().map_err(|e| anyhow!("{e}"))?;
    Ok((signer, serial))
}

fn read_key(path: &Path) -> Result<PublicKey> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    PublicKey::from_openssh(text.trim())
        .map_err(|e| anyhow!("{}: not an OpenSSH public key: {e}", path.display()))
}

/// Records a CA event (local audit log and webhook): who signed, revoked
/// or rotated what is part of managing users centrally. Returns 1 when the
/// event could not be recorded anywhere.
fn record(
    inv: &Inventory,
    action: &str,
    reason: Option<&str>,
    details: serde_json::Value,
) -> Result<u8> {
    let reporter = crate::events::Reporter::offline(inv).map_err(|e| anyhow!("{e}"))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let trouble = rt.block_on(async {
        reporter.flush().await;
        let mut ev = reporter.event(action, Vec::new()).with_details(details);
        if let Some(r) = reason {
            ev = ev.with_reason(r);
        }
        reporter.record(ev, &[]).await;
        reporter.trouble()
    });
    Ok(u8::from(trouble))
}

/// Runs `harden ca …`.
pub fn run(inv_path: &Path, cmd: &Cmd) -> Result<u8> {
    let inv = super::run::load(inv_path)?;
    let cfg = settings(&inv)?;
    match cmd {
        Cmd::Init => {
            let pass = ca::passphrase::get(cfg, true)?;
            let store = CaStore::init(&cfg.dir, &pass).map_err(|e| anyhow!("{e}"))?;
            let g = store.current();
            println!("CA created in {}", cfg.dir.display());
            println!("user CA {}", g.fingerprint(CaRole::User));
            println!("host CA {}", g.fingerprint(CaRole::Host));
            println!("next: `harden apply` makes hosts trust it; `harden ca known-hosts` prints the lines clients trust hosts by");
            let details = serde_json::json!({"user_ca": g.fingerprint(CaRole::User), "host_ca": g.fingerprint(CaRole::Host)});
            return record(&inv, "ca-init", None, details);
        }
        Cmd::SignUser {
            name,
            key,
            hours,
            sources,
            out,
            permit_port_forwarding,
            permit_agent_forwarding,
        } => {
            let details = sign_user(
                &inv,
                cfg,
                &SignArgs {
                    name,
                    key: key.as_deref(),
                    hours: *hours,
                    sources,
                    out: out.as_deref(),
                    port_forwarding: *permit_port_forwarding,
                    agent_forwarding: *permit_agent_forwarding,
                },
            )?;
            return record(&inv, "ca-sign-user", None, details);
        }
        Cmd::SignDrift { out, days, sources } => {
            let details = sign_drift::sign_drift(cfg, out, *days, sources)?;
            return record(&inv, "ca-sign-drift", None, details);
        }
        Cmd::KnownHosts => print!("{}", known_hosts(&inv)?),
        Cmd::Revoke {
            user,
            key,
            serial,
            key_id,
            reason,
        } => {
            if reason.trim().is_empty() {
                bail!("--reason must say why");
            }
            let mut store = CaStore::open(&cfg.dir).map_err(|e| anyhow!("{e}"))?;
            let mut added = 0;
            if let Some(u) = user {
                let u = inv
                    .user(u)
                    .ok_or_else(|| anyhow!("no user `{u}` in {}", inv.source.path.display()))?;
                for k in &u.public_keys {
                    added += usize::from(store.revoke_key(k, reason).map_err(|e| anyhow!("{e}"))?);
                }
            } else if let Some(k) = key {
                added += usize::from(
                    store
                        .revoke_key(&read_key(k)?, reason)
                        .map_err(|e| anyhow!("{e}"))?,
                );
            } else if let Some(s) = serial {
                added += usize::from(
                    store
                        .revoke_serial(*s, reason)
                        .map_err(|e| anyhow!("{e}"))?,
                );
            } else if let Some(id) = key_id {
                added += usize::from(
                    store
                        .revoke_key_id(id, reason)
                        .map_err(|e| anyhow!("{e}"))?,
                );
            } else {
                bail!("say what to revoke: --user, --key, --serial or --key-id");
            }
            println!(
                "{added} revocation(s) added; KRL version {}. Run `harden apply` to deploy it.",
                store.state().krl_version
            );
        }
        Cmd::Rotate => {
            let pass = ca::passphrase::get(cfg, false)?;
            let mut store = CaStore::open(&cfg.dir).map_err(|e| anyhow!("{e}"))?;
            let g = ca::rotate(&mut store, &pass).map_err(|e| anyhow!("{e}"))?;
            println!("generation {g} created; old and new CAs are trusted side by side.");
            println!("next: `harden apply`, update clients with `harden ca known-hosts`, then `harden ca retire` once old certificates have expired");
            return record(
                &inv,
                "ca-rotate",
                None,
                serde_json::json!({"generation": g}),
            );
        }
        Cmd::Retire { now } => {
            let mut store = CaStore::open(&cfg.dir).map_err(|e| anyhow!("{e}"))?;
            let when = if *now {
                ca::Retire::Immediately
            } else {
                ca::Retire::AfterGrace
            };
            let gens = ca::retire(&mut store, when).map_err(|e| anyhow!("{e}"))?;
            println!("retired generation(s) {gens:?}; their CA keys are now revoked. Run `harden apply`.");
            return record(
                &inv,
                "ca-retire",
                None,
                serde_json::json!({"generations": gens, "immediately": now}),
            );
        }
        Cmd::Status => {
            let store = CaStore::open(&cfg.dir).map_err(|e| anyhow!("{e}"))?;
            let st = store.state();
            for g in &st.generations {
                println!(
                    "generation {}{}: user CA {} · host CA {} · created {}{}",
                    g.number,
                    if g.number == store.current().number {
                        " (signing)"
                    } else {
                        ""
                    },
                    g.fingerprint(CaRole::User),
                    g.fingerprint(CaRole::Host),
                    g.created_at,
                    g.retired_at
                        .as_deref()
                        .map(|r| format!(" · retired {r}"))
                        .unwrap_or_default()
                );
            }
            println!(
                "next serial {} · KRL version {} with {} revocation(s)",
                st.next_serial,
                st.krl_version,
                st.revocations.len()
            );
        }
    }
    Ok(0)
}

/// `@cert-authority` lines for every host of the inventory.
pub fn known_hosts(inv: &Inventory) -> Result<String> {
    let cfg = settings(inv)?;
    let store = CaStore::open(&cfg.dir).map_err(|e| anyhow!("{e}"))?;
    let mut patterns = Vec::new();
    for h in &inv.hosts {
        patterns.push(ca::runtime::host_pattern(&h.name, h.conn.port));
        for a in &h.addresses {
            patterns.push(ca::runtime::host_pattern(&a.to_string(), h.conn.port));
        }
    }
    let keys = store
        .trusted_keys(CaRole::Host)
        .map_err(|e| anyhow!("{e}"))?;
    ca::known_hosts_lines(&patterns.join(","), &keys).map_err(|e| anyhow!("{e}"))
}

#[cfg(test)]
mod tests {
    use crate::cli::{Cli, Command};
    use clap::Parser;

    #[test]
    fn parses_ca_commands() {
        let c = Cli::try_parse_from([
            "harden",
            "ca",
            "sign-user",
            "alice",
            "--key",
            "a.pub",
            "--hours",
            "4",
        ])
        .unwrap();
        assert!(matches!(c.command, Command::Ca { .. }));
        assert!(
            Cli::try_parse_from(["harden", "ca", "revoke", "--serial", "5"]).is_err(),
            "reason is required"
        );
        assert!(
            Cli::try_parse_from([
                "harden", "ca", "revoke", "--serial", "5", "--key-id", "x", "--reason", "r"
            ])
            .is_err(),
            "one target"
        );
        assert!(Cli::try_parse_from(["harden", "ca", "retire", "--now"]).is_ok());
    }
}
