//! Phase two of `apply`: carry out, host by host and control by control,
//! exactly the changes phase one found, each guarded against lock-out,
//! then probe again and report what is true now.
//!
//! A control's preflight problems stop the host before anything changes;
//! a failed validation or activation stops it after the host restored the
//! control's previous state; a change that cut harden off rolls back on
//! the host by itself (see `guard.rs`). Controls already applied keep
//! their verified changes: each control is atomic, a host's set of
//! controls is not.

use std::sync::Arc;
use std::time::Duration;

use super::fanout;
use super::hostlock::HostLock;
use super::run::{
    gather, lock_life, plan_host, stopping, summary, Checked, Options, PhaseOne, Progress,
    INTERRUPTED,
};
use crate::backend::ssh::{guard, script};
use crate::contract::Change;
use crate::inventory::Inventory;
use crate::report::model::{Finding, HostReport, HostStatus, Status};
use crate::transport::Conn;

async fn apply_one(
    inv: Arc<Inventory>,
    mut checked: Checked,
    opts: Arc<Options>,
    ui: Arc<dyn Progress>,
) -> HostReport {
    let report = checked.report(&inv);
    if !checked.needs_apply() {
        checked.close().await;
        return report;
    }
    let mut lock = checked.lock.take();
    let report = apply_locked(&inv, &mut checked, &mut lock, report, &opts, &ui).await;
    // The lock is held until the verifying probe is done.
    if let Some(l) = lock {
        l.release().await;
    }
    report
}

async fn apply_locked(
    inv: &Arc<Inventory>,
    checked: &mut Checked,
    lock: &mut Option<HostLock>,
    mut report: HostReport,
    opts: &Arc<Options>,
    ui: &Arc<dyn Progress>,
) -> HostReport {
    let host = &inv.hosts[checked.index];
    let Some(mut conn) = checked.conn.take() else {
        report.status = HostStatus::Failed;
        report.error = Some(format!("{}: connection lost", host.name));
        return report;
    };
    if !conn.alive().await {
        match Conn::connect(host, &opts.client, "main2").await {
            Ok(c) => conn = c,
            Err(e) => {
                report.status = HostStatus::Failed;
                report.error = Some(e.to_string());
                return report;
            }
        }
        // The host lock was a channel of the lost connection: the host has
        // let it go. Take it again at once, or change nothing.
        if lock.take().is_some() {
            match HostLock::acquire(
                host,
                &opts.client,
                &conn,
                &opts.run_id,
                &opts.owner,
                Duration::ZERO,
                lock_life(opts),
            )
            .await
            {
                Ok(l) => *lock = Some(l),
                Err(e) => {
                    conn.close().await;
                    report.status = HostStatus::Failed;
                    report.error = Some(format!(
                        "{}: the connection dropped before apply and the host lock could not be taken again: {e}",
                        host.name
                    ));
                    return report;
                }
            }
        }
    }
    let mut applied = 0usize;
    let mut error: Option<String> = None;
    let mut rolled_back = false;
    for state in checked.controls.iter().filter(|c| c.needs_apply()) {
        let id = state.control.id();
        if stopping() {
            error = Some(format!(
                "{id} and later controls not applied: {INTERRUPTED}"
            ));
            break;
        }
        if opts.preflight && !state.plan.preflight.is_empty() {
            error = Some(format!(
                "{}: {id}: refusing to apply: {}",
                host.name,
                state.plan.preflight.join("; ")
            ));
            break;
        }
        ui.step(&host.name, &format!("applying {id}"));
        let work = script::Apply::of(
            &state.plan,
            &opts.run_id,
            Some(opts.rollback_after.as_secs()),
        );
        let out = match conn.exec(&script::apply(&work)).await {
            Ok(o) => o,
            Err(e) => {
                error = Some(format!("{id}: {e}"));
                break;
            }
        };
        match out.rc {
            0 => {}
            script::EXIT_INVALID => {
                error = Some(format!(
                    "{}: {id}: validation failed, nothing activated: {}",
                    host.name,
                    out.stderr.trim()
                ));
                break;
            }
            script::EXIT_ACTIVATE => {
                error = Some(format!(
                    "{}: {id}: activation failed, previous state restored: {}",
                    host.name,
                    out.stderr.trim()
                ));
                break;
            }
            script::EXIT_LOCKED => {
                error = Some(format!(
                    "{}: {id}: another harden run holds the host lock",
                    host.name
                ));
                break;
            }
            rc => {
                error = Some(format!(
                    "{}: {id}: apply script exited {rc}: {}",
                    host.name,
                    out.stderr.trim()
                ));
                break;
            }
        }
        if work.guard_secs.is_some() {
            crate::events::pause::at("activated").await;
            ui.step(
                &host.name,
                &format!("confirming {id} with a fresh connection"),
            );
            let run = guard::GuardRun {
                client: &opts.client,
                run_id: &opts.run_id,
                rollback_after: opts.rollback_after,
            };
            match guard::confirm(host, &run, id).await {
                guard::Outcome::Confirmed => {}
                guard::Outcome::RolledBack(why) => {
                    rolled_back = true;
                    error = Some(format!("{}: {id}: {why}", host.name));
                    break;
                }
                guard::Outcome::Unknown(why) => {
                    error = Some(format!("{}: {id}: {why}", host.name));
                    break;
                }
            }
        }
        applied += work.count();
    }
    let _ = conn.exec(&script::prune(10)).await;
    // Probe again: the report shows the host as it is now, not as planned.
    ui.step(&host.name, "verifying");
    let before: Vec<Finding> = report.findings.clone();
    // Findings whose change moves a file aside: the new probe cannot see them.
    let moved_aside: Vec<Finding> = checked
        .controls
        .iter()
        .flat_map(|c| {
            c.plan.findings.iter().filter(|f| {
                f.status == Status::Drift
                    && matches!(c.plan.change_of(f), Some(Change::MoveAside(_)))
            })
        })
        .cloned()
        .collect();
    let after = async {
        if !conn.alive().await {
            conn = Conn::connect(host, &opts.client, "verify")
                .await
                .map_err(|e| e.to_string())?;
        }
        let f = gather(
            inv,
            checked.index,
            &conn,
            opts.ca.as_deref(),
            opts.read_only,
        )
        .await?;
        plan_host(inv, checked.index, opts.ca.as_deref(), &f)
    }
    .await;
    conn.close().await;
    match after {
        Ok(states) => {
            let mut findings: Vec<Finding> =
                states.into_iter().flat_map(|s| s.plan.findings).collect();
            for f in &mut findings {
                let was_drift = before.iter().any(|b| {
                    b.control == f.control
                        && b.check == f.check
                        && b.item == f.item
                        && b.status == Status::Drift
                });
                // Drift before, in sync now: this run changed it, also when a
                // later control failed (the host then counts as changed and
                // failed, not as unchanged).
                if was_drift && f.status == Status::InSync {
                    f.status = Status::Changed;
                }
            }
            // Files moved aside leave no trace in the new probe: report them.
            for b in &moved_aside {
                if error.is_none()
                    && !findings
                        .iter()
                        .any(|f| f.control == b.control && f.item == b.item)
                {
                    let mut moved = b.clone();
                    moved.status = Status::Changed;
                    moved.actual =
                        format!("moved to {}/quarantine/{}", script::STATE_DIR, opts.run_id);
                    findings.push(moved);
                }
            }
            // Drift apply was to fix is an error; report-only drift (no fix)
            // stays drift, exit 2.
            let still = findings
                .iter()
                .filter(|f| f.status == Status::Drift && f.fix != crate::report::model::Fix::None)
                .count();
            report.findings = findings;
            if error.is_none() && still > 0 {
                error = Some(format!(
                    "{}: {still} check(s) still drifting after apply",
                    host.name
                ));
            }
        }
        Err(e) => {
            error.get_or_insert(format!("{}: verifying after apply: {e}", host.name));
        }
    }
    report.changes_applied = applied;
    report.changed = applied > 0 || report.findings.iter().any(|f| f.status == Status::Changed);
    report.status = match (&error, rolled_back) {
        (_, true) => HostStatus::RolledBack,
        (Some(_), false) => HostStatus::Failed,
        // Report-only drift left (nothing apply could fix): still drift.
        (None, false) if report.findings.iter().any(|f| f.status == Status::Drift) => {
            HostStatus::Drift
        }
        (None, false) => HostStatus::Changed,
    };
    report.error = error;
    report.duration_ms = checked.started.elapsed().as_millis() as u64;
    report
}

/// Phase two's progress line for a host: none for one that needed nothing
/// and is still in sync (phase one already said "in sync").
pub(super) fn announce(needed: bool, rep: &HostReport) -> Option<String> {
    (needed || rep.status != HostStatus::InSync).then(|| summary(rep))
}

/// Phase two: apply on every checked host that needs it.
pub async fn apply_all(
    inv: Arc<Inventory>,
    phase_one: Vec<PhaseOne>,
    opts: Arc<Options>,
    ui: Arc<dyn Progress>,
) -> Vec<HostReport> {
    let limit = opts.client.command_timeout * 4 + opts.rollback_after * 2 + Duration::from_secs(60);
    // Hosts that failed phase one keep their report; the others run.
    let mut order: Vec<Result<(String, String, bool), HostReport>> = Vec::new();
    let mut work = Vec::new();
    for r in phase_one {
        match r {
            Err(rep) => order.push(Err(rep)),
            Ok(c) => {
                let h = &inv.hosts[c.index];
                order.push(Ok((h.name.clone(), h.address.to_string(), c.needs_apply())));
                work.push((c, limit));
            }
        }
    }
    let mut done = fanout::each(work, opts.jobs, |c| {
        apply_one(inv.clone(), c, opts.clone(), ui.clone())
    })
    .await
    .into_iter();
    let mut out = Vec::new();
    for slot in order {
        let needed = !matches!(slot, Ok((_, _, false)));
        let mut rep = match slot {
            Err(rep) => rep,
            Ok((name, addr, _)) => match done.next() {
                Some(Ok(r)) => r,
                Some(Err(fanout::Unfinished::Timeout(d))) => HostReport::failed(
                    &name,
                    addr,
                    format!("{name}: apply did not finish within {}s", d.as_secs()),
                    d.as_millis() as u64,
                ),
                Some(Err(e)) => HostReport::failed(&name, addr, format!("{name}: {e}"), 0),
                None => continue,
            },
        };
        rep.normalise_error();
        if let Some(line) = announce(needed, &rep) {
            ui.done(&rep.host, &line);
        }
        out.push(rep);
    }
    out
}
