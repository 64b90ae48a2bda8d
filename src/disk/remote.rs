//! `disk encrypt` over one connection: inspect (one probe round trip under
//! the shared host lock), carry out the script (exclusive lock), and read
//! the new header back with the typed `LuksDump` fact to prove it has the
//! declared parameters.

use std::time::Duration;

use super::device::Params;
use super::inspect::{self, Inspection, Occupant};
use super::script::{self, Plan, Progress};
use super::Error;
use crate::backend::ssh::probe as facts;
use crate::backend::ssh::script::{lock, EXIT_LOCKED};
use crate::contract::kinds::{Kdf, LuksDump};
use crate::contract::Probe;
use crate::transport::Conn;

/// Upper bound for the set-up script (mkfs of a large volume takes a while).
pub const SETUP_LIMIT: Duration = Duration::from_secs(1800);

fn nonce() -> String {
    format!("{:016x}", crate::random::u64())
}

/// The last lines of hostile stderr, control characters replaced.
pub fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(6);
    let t = lines[start..].join(" / ");
    let t: String = t
        .chars()
        .take(800)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    t
}

/// Reads everything [`inspect`] needs in one round trip.
pub async fn inspect(
    conn: &Conn,
    host: &str,
    t: &super::device::Target,
) -> Result<Inspection, Error> {
    let n = nonce();
    let s = format!("{}{}", lock(false), facts::script(&inspect::probes(t), &n));
    let out = conn.exec(&s).await?;
    if out.rc == EXIT_LOCKED {
        return Err(Error::Locked { host: host.into() });
    }
    let probe_err = |message: String| Error::Probe {
        host: host.into(),
        message,
    };
    let f = facts::parse(&out.stdout, &n).map_err(|e| probe_err(e.to_string()))?;
    inspect::read(t, &f).map_err(probe_err)
}

/// Runs the set-up script; Ok when every step, mount included, was done.
pub async fn carry_out(conn: &Conn, host: &str, plan: &Plan) -> Result<Progress, Error> {
    let n = nonce();
    let out = conn
        .exec_with_timeout(&script::script(plan, &n), SETUP_LIMIT)
        .await?;
    let done = Progress::parse(&out.stdout, &n, &plan.target.name);
    let said = tail(&out.stderr);
    let step = |what: &str, no_dm: bool| Error::Step {
        host: host.into(),
        message: format!("{what}: {said}"),
        done: done.clone(),
        no_dm,
    };
    match out.rc {
        0 if done.mounted => Ok(done),
        0 => Err(step(
            "the set-up script ended without reporting the mount",
            false,
        )),
        EXIT_LOCKED => Err(Error::Locked { host: host.into() }),
        script::EXIT_NOT_EMPTY if !done.key => Err(Error::NotEmpty {
            host: host.into(),
            device: plan.target.device.clone(),
            found: vec![Occupant {
                found: format!("the re-check immediately before luksFormat failed: {said}"),
                source: "blkid -p / wipefs -n / /sys / mountinfo (re-check)".into(),
            }],
        }),
        script::EXIT_NO_DM => Err(step("cryptsetup open failed", true)),
        script::EXIT_KEY => Err(step("creating the key file failed", false)),
        script::EXIT_FORMAT => Err(step("cryptsetup luksFormat failed", false)),
        script::EXIT_BACKUP => Err(step("the header backup failed", false)),
        script::EXIT_OPEN => Err(step("cryptsetup open failed", false)),
        script::EXIT_MKFS => Err(step("mkfs failed", false)),
        script::EXIT_TAB_CHANGED => Err(step(
            "crypttab or fstab changed while harden worked; not edited",
            false,
        )),
        script::EXIT_TABS => Err(step("writing crypttab or fstab failed", false)),
        script::EXIT_MOUNT => Err(step("mounting failed", false)),
        rc => Err(step(&format!("the set-up script exited {rc}"), false)),
    }
}

/// What is wrong with the header against `want` (empty: it matches).
pub fn header_problems(h: &crate::contract::kinds::LuksHeader, want: &Params) -> Vec<String> {
    let mut v = Vec::new();
    if h.version != 2 {
        v.push(format!("LUKS version {} (expected 2)", h.version));
    }
    if h.segments.is_empty() {
        v.push("no data segment".into());
    }
    for s in &h.segments {
        if s.encryption.as_deref() != Some(want.cipher.as_str()) {
            v.push(format!(
                "segment {} cipher {:?} (expected {})",
                s.id, s.encryption, want.cipher
            ));
        }
        if s.key_bits != Some(want.key_bits) {
            v.push(format!(
                "segment {} key {:?} bits (expected {})",
                s.id, s.key_bits, want.key_bits
            ));
        }
    }
    if h.keyslots.is_empty() {
        v.push("no keyslot".into());
    }
    for k in &h.keyslots {
        match &k.kdf {
            Some(Kdf::Argon2 {
                id: true,
                time,
                memory_kib,
                ..
            }) if *time >= u64::from(want.pbkdf_time_cost)
                && *memory_kib >= u64::from(want.pbkdf_memory_kib) => {}
            other => v.push(format!(
                "keyslot {} PBKDF {other:?} (expected argon2id, time ≥ {}, memory ≥ {} KiB)",
                k.id, want.pbkdf_time_cost, want.pbkdf_memory_kib
            )),
        }
    }
    v
}

/// Reads the header of `device` back (`cryptsetup luksDump`, typed).
pub async fn read_header(
    conn: &Conn,
    host: &str,
    device: &str,
) -> Result<crate::contract::kinds::LuksHeader, String> {
    let k = LuksDump::new(device).map_err(|e| e.to_string())?;
    let n = nonce();
    let probes = [Probe::kind(&k)].into_iter().collect();
    let out = conn
        .exec(&format!("{}{}", lock(false), facts::script(&probes, &n)))
        .await
        .map_err(|e| e.to_string())?;
    let f = facts::parse(&out.stdout, &n).map_err(|e| e.to_string())?;
    match f.kind(&k) {
        Ok(Some(h)) => Ok(h),
        Ok(None) => Err(format!(
            "{host}: {device} holds no LUKS header after luksFormat"
        )),
        Err(e) => Err(e.to_string()),
    }
}
