//! The whole `disk encrypt` command for one declared disk: check the
//! request offline, connect, prove the device empty, show the steps, and
//! (once confirmed) carry them out, verify the header and record the event.
//!
//! Audit events (local log, host copy, webhook): `disk-encrypt` when the
//! volume is set up, `disk-encrypt-failed` when a step failed after
//! something was written (with what was done), `disk-encrypt-refused` when
//! the device was not provably empty. None carries key material: the key
//! file's path is recorded, never its bytes.

use serde_json::{json, Value};

use super::device::{self, Target};
use super::inspect::Occupant;
use super::remote;
use super::script::{self, Plan, Progress};
use super::Error;
use crate::controls::disks::model::{Disk, LuksFloor};
use crate::engine::context::RunContext;
use crate::events::{Reporter, Target as Copy};
use crate::inventory::Host;
use crate::transport::Conn;

/// What became of a request that raised no error.
#[derive(Debug)]
pub enum Outcome {
    /// The steps were shown and not confirmed: nothing was written.
    NotConfirmed,
    /// Set up, mounted and verified.
    Done(Box<Done>),
}

/// A finished set-up.
#[derive(Debug)]
pub struct Done {
    /// The volume.
    pub target: Target,
    /// The device node it resolved to.
    pub kernel_path: String,
    /// What the script reported.
    pub progress: Progress,
    /// Where the new header differs from the declared parameters (empty:
    /// it matches; a non-empty list is an error for the caller).
    pub header_problems: Vec<String>,
}

fn base(t: &Target, kernel_path: &str) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("device".into(), json!(t.device));
    m.insert("device_node".into(), json!(kernel_path));
    m.insert("name".into(), json!(t.name));
    m.insert("mount".into(), json!(t.mount));
    m.insert("fs".into(), json!(t.fs.as_str()));
    m.insert("key_file".into(), json!(t.key_file));
    m.insert(
        "luks".into(),
        json!({
            "type": "luks2",
            "cipher": t.params.cipher,
            "key_bits": t.params.key_bits,
            "pbkdf": "argon2id",
            "pbkdf_memory_kib": t.params.pbkdf_memory_kib,
            "pbkdf_time_cost": t.params.pbkdf_time_cost,
        }),
    );
    m.insert("tom".into(), json!([crate::tom::DISK_ENCRYPTION.id]));
    m
}

fn progress_json(p: &Progress) -> Value {
    json!({
        "key_file_created": p.key, "luks_formatted": p.formatted, "uuid": p.uuid,
        "header_backup": p.backup, "opened": p.opened, "mkfs": p.mkfs,
        "tabs_written": p.tabs, "mounted": p.mounted,
    })
}

async fn record(
    reporter: &Reporter,
    host: &Host,
    conn: &Conn,
    action: &str,
    details: serde_json::Map<String, Value>,
) {
    let event = reporter
        .event(action, vec![host.name.clone()])
        .with_details(Value::Object(details));
    reporter.record(event, &[Copy::Conn(host, conn)]).await;
}

/// Runs `disk encrypt` for `disk` on `host`. `confirm` gets the steps
/// (already proven applicable to an empty device) and says whether to
/// carry them out.
pub async fn encrypt(
    ctx: &RunContext,
    reporter: &Reporter,
    host: &Host,
    disk: &Disk,
    floor: &LuksFloor,
    confirm: impl FnOnce(&[String]) -> bool,
) -> Result<Outcome, Error> {
    let target = device::target(disk, floor)?;
    let conn = Conn::connect(host, &ctx.client, "disk").await?;
    let r = with_conn(ctx, reporter, host, &conn, target, confirm).await;
    conn.close().await;
    r
}

async fn with_conn(
    ctx: &RunContext,
    reporter: &Reporter,
    host: &Host,
    conn: &Conn,
    target: Target,
    confirm: impl FnOnce(&[String]) -> bool,
) -> Result<Outcome, Error> {
    let name = host.name.as_str();
    let insp = remote::inspect(conn, name, &target).await?;
    if !insp.occupants.is_empty() {
        let mut d = base(&target, &insp.kernel_path);
        d.insert("found".into(), found_json(&insp.occupants));
        d.insert("outcome".into(), json!("refused"));
        record(reporter, host, conn, "disk-encrypt-refused", d).await;
        return Err(Error::NotEmpty {
            host: name.into(),
            device: target.device.clone(),
            found: insp.occupants,
        });
    }
    let plan = Plan {
        tabs: script::tab_edits(&target, insp.crypttab.as_deref(), insp.fstab.as_deref()),
        target,
        kernel_path: insp.kernel_path.clone(),
        kname: insp.kname.clone(),
        devno: insp.devno.clone(),
        run_id: ctx.run_id.clone(),
    };
    if !confirm(&script::steps(&plan)) {
        return Ok(Outcome::NotConfirmed);
    }
    let mut d = base(&plan.target, &plan.kernel_path);
    d.insert("run_id".into(), json!(ctx.run_id));
    d.insert("steps".into(), json!(script::steps(&plan)));
    let progress = match remote::carry_out(conn, name, &plan).await {
        Ok(p) => p,
        Err(e) => {
            match &e {
                Error::Step { done, no_dm, .. } => {
                    d.insert("done".into(), progress_json(done));
                    d.insert(
                        "outcome".into(),
                        json!(if *no_dm { "no-device-mapper" } else { "failed" }),
                    );
                    d.insert("error".into(), json!(e.to_string()));
                    record(reporter, host, conn, "disk-encrypt-failed", d).await;
                }
                Error::NotEmpty { found, .. } => {
                    d.insert("found".into(), found_json(found));
                    d.insert("outcome".into(), json!("refused"));
                    record(reporter, host, conn, "disk-encrypt-refused", d).await;
                }
                _ => {}
            }
            return Err(e);
        }
    };
    let header_problems = match remote::read_header(conn, name, &plan.kernel_path).await {
        Ok(h) => remote::header_problems(&h, &plan.target.params),
        Err(e) => vec![format!("the new header could not be read back: {e}")],
    };
    d.insert("done".into(), progress_json(&progress));
    d.insert("header_problems".into(), json!(header_problems));
    d.insert(
        "outcome".into(),
        json!(if header_problems.is_empty() {
            "encrypted"
        } else {
            "encrypted-header-mismatch"
        }),
    );
    record(reporter, host, conn, "disk-encrypt", d).await;
    Ok(Outcome::Done(Box::new(Done {
        target: plan.target,
        kernel_path: plan.kernel_path,
        progress,
        header_problems,
    })))
}

fn found_json(found: &[Occupant]) -> Value {
    found
        .iter()
        .map(|o| json!({"found": o.found, "source": o.source}))
        .collect()
}
