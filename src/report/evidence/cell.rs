//! One measure on one host: its status by the rules of docs/report.md
//! (listed atop `build.rs`), its findings, and what the serving controls
//! read there — the host's probes and the provider API reads.

use super::saved::{Run, RunFinding, RunHost};
use super::{ApiReadUse, Cell, CellStatus, Item, ProbeUse};
use crate::report::model::{HostStatus, Status};
use crate::tom::Tom;

/// What serves one measure on one host.
pub(super) struct Serving<'a> {
    /// The controls serving the measure.
    pub controls: &'a [&'static dyn crate::contract::Control],
    /// Its inventory policy rules (`pol-…`).
    pub policy: &'a [&'a str],
    /// Those of them that warned, estate-wide, and leave no typed list of
    /// hosts ([`crate::contract::section::Unchecked`]).
    pub warned: &'a [&'a str],
    /// The warnings that leave the measure unchecked on this host.
    pub unchecked: &'a [&'a str],
    /// harden has no check for the measure at all.
    pub no_check: bool,
    /// A serving control applies to the host.
    pub applies: bool,
}

/// The measure's status on one host, by the rules atop `build.rs`.
pub(super) fn cell(run: &Run, h: &RunHost, t: &Tom, s: &Serving<'_>) -> Cell {
    let found: Vec<&RunFinding> = h.findings.iter().filter(|f| f.tom == t.id).collect();
    let has = |st: Status| found.iter().filter(|f| f.status == st).count();
    let host_failed = matches!(h.status, HostStatus::Failed | HostStatus::RolledBack);
    let (status, reason) = if has(Status::Drift) > 0 {
        (
            CellStatus::Drifts,
            format!("{} of {} checks drift", has(Status::Drift), found.len()),
        )
    } else if has(Status::Failed) > 0 {
        (
            CellStatus::NotChecked,
            format!("{} checks could not be run", has(Status::Failed)),
        )
    } else if !s.unchecked.is_empty() {
        // The inventory itself says harden does not check the measure on
        // this host: whatever else was read cannot make it hold.
        (
            CellStatus::NotChecked,
            format!(
                "inventory policy warning {}: harden does not check this measure on this host",
                s.unchecked.join(", ")
            ),
        )
    } else if !found.is_empty() {
        (CellStatus::Holds, format!("{} checks in sync", found.len()))
    } else if host_failed && h.findings.is_empty() {
        (
            CellStatus::NotChecked,
            format!(
                "host could not be checked: {}",
                h.error.as_deref().unwrap_or("failed")
            ),
        )
    } else if s.no_check {
        (
            CellStatus::NotChecked,
            "harden has no check for this measure".into(),
        )
    } else if s.applies {
        (
            CellStatus::NotChecked,
            "a serving control applies, but no finding came back".into(),
        )
    } else if !s.warned.is_empty() {
        // A policy rule of this measure warned: the inventory itself says
        // the measure is not (fully) checked, so it cannot hold.
        (
            CellStatus::NotChecked,
            format!("inventory policy warning: {}", s.warned.join(", ")),
        )
    } else if !s.policy.is_empty() {
        (
            CellStatus::Holds,
            format!(
                "inventory policy rules passed at load: {}",
                s.policy.join(", ")
            ),
        )
    } else {
        (
            CellStatus::NotApplicable,
            "no control serving this measure applies to this host".into(),
        )
    };
    let ids: Vec<&str> = s.controls.iter().map(|c| c.id()).collect();
    let serves = |host: &str, control: &str| host == h.host && ids.contains(&control);
    let shown = status != CellStatus::NotApplicable;
    let probes = run
        .probes
        .iter()
        .filter(|p| shown && serves(&p.host, &p.control))
        .map(|p| ProbeUse {
            control: p.control.clone(),
            probes: p.probes.clone(),
        })
        .collect();
    let api_reads = run
        .api_reads
        .iter()
        .filter(|r| shown && serves(&r.host, &r.control))
        .map(|r| ApiReadUse {
            control: r.control.clone(),
            service: r.service.clone(),
            method: r.method.clone(),
            path: r.path.clone(),
            pages: r.pages,
            at: r.at.clone(),
            cached: r.cached,
        })
        .collect();
    Cell {
        host: h.host.clone(),
        status,
        reason,
        findings: found.iter().map(|f| item(f)).collect(),
        probes,
        api_reads,
    }
}

fn item(f: &RunFinding) -> Item {
    Item {
        control: f.control.clone(),
        check: f.check.clone(),
        item: f.item.clone(),
        status: status_word(f.status).into(),
        expected: f.expected.clone(),
        actual: f.actual.clone(),
        message: f.message.clone(),
    }
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::InSync => "in-sync",
        Status::Drift => "drift",
        Status::Changed => "changed",
        Status::Failed => "failed",
        Status::Info => "info",
    }
}
