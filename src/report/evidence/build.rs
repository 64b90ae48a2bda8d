//! The status rules: a drift run, the inventory and the TOM catalogue
//! turned into [`Evidence`]. The rules, in order, for a technical (T,
//! T/O) measure on one host (docs/report.md says the same; `cell.rs`
//! applies them):
//!
//! 1. a finding of the measure drifts → `drifts`;
//! 2. a finding of the measure failed → `not-checked`;
//! 3. an inventory warning says harden does not check the measure on this
//!    host (a typed [`Unchecked`] of a section: `pol-pass-undeclared`
//!    for the password length and rotation, `pol-data-disks-none` for
//!    disk encryption) → `not-checked`, whatever else was read;
//! 4. a finding of the measure is in sync (or info) → `holds`;
//! 5. the host could not be checked → `not-checked`;
//! 6. harden has no check for the measure at all → `not-checked`;
//! 7. a control serving the measure applies to the host, yet no finding
//!    came back (e.g. a provider account missing) → `not-checked`;
//! 8. the measure is served by inventory policy rules only and one of them
//!    warned (e.g. `pol-any-source`) → `not-checked`;
//! 9. the measure is served by inventory policy rules only, and the
//!    inventory loaded (its error rules passed) → `holds`;
//! 10. otherwise → `not-applicable`.
//!
//! Organisational and provider measures go to [`Evidence::outside`]; one
//! that a control still serves (the login banner for TOM-5) is also a row.

use super::cell::{cell, Serving};
use super::saved::{Run, RunHost};
use super::{
    Cell, CellStatus, Drifting, Evidence, HostInfo, Measure, Outside, RunInfo, Summary,
    REPORT_FORMAT_VERSION,
};
use crate::contract::section::Unchecked;
use crate::inventory::Inventory;
use crate::report::model::HostStatus;
use crate::tom::{Kind, Tom};

/// Every typed warning of the sections that leaves measures unchecked.
fn all_unchecked() -> impl Iterator<Item = &'static Unchecked> {
    crate::controls::sections::sections()
        .iter()
        .flat_map(|s| s.unchecked().iter())
}

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
        // A typed warning names its hosts; any other warned rule of the
        // measure counts for the whole estate (rule 8).
        let warned: Vec<&str> = inv
            .warnings
            .iter()
            .map(|w| w.code)
            .filter(|c| policy.contains(c) && !all_unchecked().any(|u| u.code == *c))
            .collect();
        let typed: Vec<&Unchecked> = all_unchecked()
            .filter(|u| u.measures.iter().any(|m| m.id == t.id))
            .collect();
        let cells: Vec<Cell> = hosts
            .iter()
            .map(|(h, ih)| {
                let applies = crate::engine::check::with_host_ctx(inv, ih, ca, |ctx| {
                    controls.iter().any(|c| c.applies(ctx))
                });
                let unchecked: Vec<&str> = typed
                    .iter()
                    .filter(|u| (u.concerns)(ih))
                    .map(|u| u.code)
                    .collect();
                let serving = Serving {
                    controls: &controls,
                    policy: &policy,
                    warned: &warned,
                    unchecked: &unchecked,
                    no_check: checks.is_empty(),
                    applies,
                };
                cell(run, h, t, &serving)
            })
            .collect();
        let mut warnings = warned.clone();
        for u in &typed {
            if hosts.iter().any(|(_, ih)| (u.concerns)(ih)) && !warnings.contains(&u.code) {
                warnings.push(u.code);
            }
        }
        measures.push(Measure {
            tom: t.id.into(),
            section: t.section.label(),
            title: t.title.into(),
            kind: t.kind.label().into(),
            status: overall(&cells),
            checked_by: checks.iter().map(|c| c.to_string()).collect(),
            note: note(t, &checks, &warnings),
            hosts: cells,
        });
    }
    let infos: Vec<HostInfo> = run.hosts.iter().map(|h| host_info(run, h)).collect();
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

fn note(t: &Tom, checks: &[&str], warned: &[&str]) -> Option<String> {
    let mut parts = Vec::new();
    if checks.is_empty() {
        parts.push("harden has no check for this measure yet".to_string());
    }
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

fn host_info(run: &Run, h: &RunHost) -> HostInfo {
    let time = run.host_times.iter().find(|t| t.host == h.host);
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
        started: time.map(|t| t.started.clone()),
        finished: time.map(|t| t.finished.clone()),
    }
}
