//! Write-ahead events: an intent before a change, a completion after.
//!
//! Before `apply` or `maintenance open` changes a host it records an
//! *intent* (`apply-intent`, `maintenance-open-intent`): what will change
//! on which host, by which run (run id, pid and the pid's start time, so a
//! later run can tell a dead run from a live one). The intent is appended
//! to the local audit log and put into the outbox *before* any delivery is
//! tried, then copied to each host's audit copy and delivered in queue
//! order. A host whose copy of the intent cannot be written is not changed.
//!
//! When the run ends it records the *completion*: the usual event
//! (`apply`, `maintenance-open`, …) with `details.intent` set to the
//! intent's id and the outcome per host. A run that dies in between leaves
//! an intent without completion; [`super::reconcile`] finds it in the next
//! run, looks at the hosts and records the completion with outcome
//! `interrupted`.

use serde_json::{json, Value};

use super::{pipeline, Reporter, Target};
use crate::audit::Event;

/// Suffix of intent actions.
pub const SUFFIX: &str = "-intent";

/// What became of an intent.
#[derive(Debug)]
pub struct Intent {
    /// The intent's event id (completions refer to it).
    pub id: String,
    /// Hosts whose audit copy of the intent could not be written, and why:
    /// these must not be changed.
    pub refused: Vec<(String, String)>,
}

/// The start time of process `pid` in clock ticks since boot (field 22 of
/// `/proc/<pid>/stat`), so a reused pid is not mistaken for the run.
pub fn process_start(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// The kernel's boot id (a pid is only meaningful within one boot).
pub fn boot_id() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// The `run` object every intent carries: who will act, and how to tell
/// whether that process still runs.
pub fn run_details(run_id: &str) -> Value {
    let pid = std::process::id();
    json!({
        "run_id": run_id,
        "pid": pid,
        "pid_start": process_start(pid),
        "boot_id": boot_id(),
    })
}

/// True when the run described by `run` (see [`run_details`]) is alive
/// on this machine.
pub fn run_alive(run: &Value) -> bool {
    let (Some(pid), Some(start)) = (run["pid"].as_u64(), run["pid_start"].as_u64()) else {
        return false;
    };
    let Ok(pid) = u32::try_from(pid) else {
        return false;
    };
    run["boot_id"].as_str() == Some(boot_id().as_str()) && process_start(pid) == Some(start)
}

impl Reporter {
    /// Records an intent (see the module doc). `Err` when it could be
    /// neither written to the local log nor queued: then nothing may change.
    pub async fn record_intent(
        &self,
        event: Event,
        targets: &[Target<'_>],
    ) -> Result<Intent, String> {
        let id = event.id.clone();
        let p = self
            .pipeline::<pipeline::WriteAhead>(event, targets)
            .await?;
        let refused = p
            .copies
            .into_iter()
            .filter_map(|(h, r)| r.err().map(|e| (h, e)))
            .collect();
        Ok(Intent { id, refused })
    }
}
