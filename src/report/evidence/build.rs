//! The status rules: a drift run, the inventory and the TOM catalogue
//! turned into [`Evidence`]. The rules, in order, for a technical (T,
//! T/O) measure on one host (docs/report.md says the same):
//!
//! 1. a finding of the measure drifts → `drifts`;
//! 2. a finding of the measure failed → `not-checked`;
//! 3. a finding of the measure is in sync (or info) → `holds`;
//! 4. the host could not be checked → `not-checked`;
//! 5. harden has no check for the measure at all → `not-checked`;
//! 6. a control serving the measure applies to the host, yet no finding
//!    came back (e.g. a provider account missing) → `not-checked`;
//! 7. the measure is served by inventory policy rules only and one of them
//!    warned (e.g. `pol-pass-undeclared`) → `not-checked`;
//! 8. the measure is served by inventory policy rules only, and the
//!    inventory loaded (its error rules passed) → `holds`;
//! 9. otherwise → `not-applicable`.
//!
//! Organisational and provider measures go to [`Evidence::outside`]; one
//! that a control still serves (the login banner for TOM-5) is also a row.

use super::saved::{Run, RunFinding, RunHost};
use super::{
    Cell, CellStatus, Drifting, Evidence, HostInfo, Item, Measure, Outside, ProbeUse, RunInfo,
    Summary, REPORT_FORMAT_VERSION,
};
use crate::inventory::Inventory;
use crate::report::model::{HostStatus, Status};
use crate::tom::{Kind, Tom};

/// The evidence of `run` over `inv`. `source` is `fresh` or `saved`.
/// Fails when a host of the run is not in the inventory.
pub fn build(
    run: &Run,
    inv: &Inventory,
    ca: Option<&crate::ca::CaRuntime>,
    source: &str,
) -> Result<Evidence, String> {
    let mut hosts = Vec::new();
    for h in &run.hosts {
        let Some(ih) = inv.hosts.iter().find(|ih| ih.name == h.host) else {
            return Err(format!(
                "host {:?} of the drift run is not in the inventory",
                h.host
            ));
        };
        hosts.push((h, ih));
    }
    let mut measures = Vec::new();
    let mut outside = Vec::new();
    for (t, checks) in crate::tom::coverage() {
        let controls: Vec<&'static dyn crate::contract::Control> = crate::controls::ALL
            .iter()
            .copied()
            .filter(|c| c.measures().contains(&t))
            .collect();
        let technical = matches!(t.kind, Kind::Technical | Kind::TechnicalAndOrganisational);
        if !technical {
            outside.push(outside_of(t, &checks));
            if controls.is_empty() {
                continue;
            }
        }
        let policy: Vec<&str> = checks
            .iter()
            .copied()
            .filter(|c| c.starts_with("pol-"))
            .collect();
        let warned: Vec<&str> = inv
            .warnings
            .iter()
            .map(|w| w.code)
            .filter(|c| policy.contains(c))
            .collect();
        let cells: Vec<Cell> = hosts
            .iter()
            .map(|(h, ih)| {
                let applies = crate::engine::check::with_host_ctx(inv, ih, ca, |ctx| {
                    controls.iter().any(|c| c.applies(ctx))
                });
                cell(
                    run,
                    h,
                    t,
                    &controls,
                    (&policy, &warned),
                    checks.is_empty(),
                    applies,
                )
            })
            .collect();
        measures.push(Measure {
            tom: t.id.into(),
            section: t.section.label(),
            title: t.title.into(),
            kind: t.kind.label().into(),
            status: overall(&cells),
            checked_by: checks.iter().map(|c| c.to_string()).collect(),
            note: note(t, &checks, &policy, inv),
            hosts: cells,
        });
    }
    let infos: Vec<HostInfo> = run.hosts.iter().map(host_info).collect();
    let count = |s: CellStatus| measures.iter().filter(|m| m.status == s).count();
    let summary = Summary {
        measures: measures.len(),
        holding: count(CellStatus::Holds),
        drifting: count(CellStatus::Drifts),
        not_checked: count(CellStatus::NotChecked),
        not_applicable: count(CellStatus::NotApplicable),
        outside: outside.len(),
        drifting_measures: measures
            .iter()
            .filter(|m| m.status == CellStatus::Drifts)
            .map(|m| Drifting {
                tom: m.tom.clone(),
                title: m.title.clone(),
                hosts: m
                    .hosts
                    .iter()
                    .filter(|c| c.status == CellStatus::Drifts)
                    .map(|c| c.host.clone())
                    .collect(),
            })
            .collect(),
        unreachable_hosts: infos
            .iter()
            .filter(|h| h.status == "failed" || h.status == "rolled-back")
            .cloned()
            .collect(),
    };
    Ok(Evidence {
        report_format_version: REPORT_FORMAT_VERSION,
        harden_version: env!("CARGO_PKG_VERSION").into(),
        run: RunInfo {
            source: source.into(),
            harden_version: run.harden_version.clone(),
            started: run.started.clone(),
            duration_ms: run.duration_ms,
            inventory: run.inventory.clone(),
            inventory_sha256: run.inventory_sha256.clone(),
        },
        summary,
        measures,
        outside,
        hosts: infos,
    })
}

/// The measure's status on one host, by the rules atop this file.
pub(super) fn cell(
    run: &Run,
    h: &RunHost,
    t: &Tom,
    controls: &[&'static dyn crate::contract::Control],
    (policy, warned): (&[&str], &[&str]),
    no_check: bool,
    applies: bool,
) -> Cell {
    let found: Vec<&RunFinding> = h.findings.iter().filter(|f| f.tom == t.id).collect();
    let has = |s: Status| found.iter().filter(|f| f.status == s).count();
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
    } else if !found.is_empty() {
        (CellStatus::Holds, format!("{} checks in sync", found.len()))
    } else if host_failed && found.is_empty() && h.findings.is_empty() {
        (
            CellStatus::NotChecked,
            format!(
                "host could not be checked: {}",
                h.error.as_deref().unwrap_or("failed")
            ),
        )
    } else if no_check {
        (
            CellStatus::NotChecked,
            "harden has no check for this measure".into(),
        )
    } else if applies {
        (
            CellStatus::NotChecked,
            "a serving control applies, but no finding came back".into(),
        )
    } else if !warned.is_empty() {
        // A policy rule of this measure warned: the inventory itself says
        // the measure is not (fully) checked, so it cannot hold.
        (
            CellStatus::NotChecked,
            format!("inventory policy warning: {}", warned.join(", ")),
        )
    } else if !policy.is_empty() {
        (
            CellStatus::Holds,
            format!(
                "inventory policy rules passed at load: {}",
                policy.join(", ")
            ),
        )
    } else {
        (
            CellStatus::NotApplicable,
            "no control serving this measure applies to this host".into(),
        )
    };
    let ids: Vec<&str> = controls.iter().map(|c| c.id()).collect();
    let probes = run
        .probes
        .iter()
        .filter(|p| p.host == h.host && ids.contains(&p.control.as_str()))
        .map(|p| ProbeUse {
            control: p.control.clone(),
            probes: p.probes.clone(),
        })
        .collect();
    Cell {
        host: h.host.clone(),
        status,
        reason,
        findings: found.iter().map(|f| item(f)).collect(),
        probes: if status == CellStatus::NotApplicable {
            Vec::new()
        } else {
            probes
        },
    }
}

/// Over all hosts: drifts, else not-checked, else holds, else n/a.
fn overall(cells: &[Cell]) -> CellStatus {
    let any = |s: CellStatus| cells.iter().any(|c| c.status == s);
    if any(CellStatus::Drifts) {
        CellStatus::Drifts
    } else if any(CellStatus::NotChecked) || cells.is_empty() {
        CellStatus::NotChecked
    } else if any(CellStatus::Holds) {
        CellStatus::Holds
    } else {
        CellStatus::NotApplicable
    }
}

fn note(t: &Tom, checks: &[&str], policy: &[&str], inv: &Inventory) -> Option<String> {
    let mut parts = Vec::new();
    if checks.is_empty() {
        parts.push("harden has no check for this measure yet".to_string());
    }
    let warned: Vec<&str> = inv
        .warnings
        .iter()
        .filter(|w| policy.contains(&w.code))
        .map(|w| w.code)
        .collect();
    if !warned.is_empty() {
        parts.push(format!("policy warnings: {}", warned.join(", ")));
    }
    match t.kind {
        Kind::TechnicalAndOrganisational => {
            parts.push("partly organisational: the practice is outside harden".into())
        }
        Kind::Organisational | Kind::Provider => {
            parts.push("organisational; harden supports it with a control".into())
        }
        Kind::Technical => {}
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

fn outside_of(t: &Tom, checks: &[&str]) -> Outside {
    let who = match t.kind {
        Kind::Provider => "the provider's (Telekom, Hetzner) measure".to_string(),
        _ => "organisational: made true outside harden".to_string(),
    };
    let note = if checks.is_empty() {
        who
    } else {
        format!("{who}; harden supports it with: {}", checks.join(", "))
    };
    Outside {
        tom: t.id.into(),
        section: t.section.label(),
        title: t.title.into(),
        kind: t.kind.label().into(),
        note,
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

fn host_info(h: &RunHost) -> HostInfo {
    HostInfo {
        host: h.host.clone(),
        address: h.address.clone(),
        status: match h.status {
            HostStatus::InSync => "in-sync",
            HostStatus::Drift => "drift",
            HostStatus::Changed => "changed",
            HostStatus::RolledBack => "rolled-back",
            HostStatus::Failed => "failed",
        }
        .into(),
        error: h.error.clone(),
        duration_ms: h.duration_ms,
    }
}
