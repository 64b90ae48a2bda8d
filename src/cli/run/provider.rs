//! The provider phase at the CLI edge: the provider controls' results
//! merged into the host reports and the plan summary, and the audit
//! records of provider changes — a write-ahead `provider-change-intent`
//! before the first call, a `provider-change` with every call made (or
//! not) after. The intent names no host to connect to (the change is at
//! the provider, not on the host): a dead run's intent is completed as
//! interrupted by the next run, and the nightly drift shows the state.

use serde_json::{json, Value};

use crate::engine::provider::merge_into;
use crate::engine::provider_all::HostOutcomes;
use crate::inventory::Inventory;
use crate::report::model::HostReport;
use crate::report::plan_counts::HostPlan;

/// Adds each host's provider outcomes to its report.
pub(super) fn merge(inv: &Inventory, reports: &mut [HostReport], outcomes: Vec<HostOutcomes>) {
    for h in outcomes {
        let name = &inv.hosts[h.index].name;
        if let Some(r) = reports.iter_mut().find(|r| &r.host == name) {
            merge_into(r, h.outcomes);
        }
    }
}

/// Every API read of the provider phase, host by host in run order.
pub(super) fn reads(outcomes: &[HostOutcomes]) -> Vec<crate::report::reads::ApiRead> {
    outcomes
        .iter()
        .flat_map(|h| h.outcomes.iter().flat_map(|o| o.reads.iter().cloned()))
        .collect()
}

/// Splits the hosts with provider changes pending into those whose host
/// apply allows them and those held back: a host that was rolled back, or
/// failed after changing something, gets no provider change in this run,
/// and its report says so. A host that failed before changing anything
/// (unreachable, say) is not held back: the provider change may be what
/// makes it reachable again.
pub(super) fn hold_back(
    reports: &[HostReport],
    inv: &Inventory,
    pending: Vec<HostOutcomes>,
) -> (Vec<HostOutcomes>, Vec<HostOutcomes>) {
    use crate::report::model::HostStatus;
    pending.into_iter().partition(|h| {
        let name = &inv.hosts[h.index].name;
        !reports.iter().any(|r| {
            &r.host == name
                && (r.status == HostStatus::RolledBack
                    || (r.status == HostStatus::Failed && r.changed))
        })
    })
}

/// Notes on each held-back host's report that its provider changes were
/// not made, after [`hold_back`].
pub(super) fn note_held(inv: &Inventory, reports: &mut [HostReport], held: &[HostOutcomes]) {
    for h in held {
        let name = &inv.hosts[h.index].name;
        if let Some(r) = reports.iter_mut().find(|r| &r.host == name) {
            let note = "provider changes not made: the host's own change did not hold, so both firewall layers stay as they were; fix the host and apply again";
            r.error = Some(match r.error.take() {
                Some(e) => format!("{e}; {note}"),
                None => note.to_string(),
            });
        }
    }
}

/// The plan counts with the provider plans added to each host's.
pub(super) fn add_to_plan(inv: &Inventory, plans: &mut Vec<HostPlan>, outcomes: &[HostOutcomes]) {
    for h in outcomes {
        let name = &inv.hosts[h.index].name;
        let extra = HostPlan::of(name, h.outcomes.iter().filter_map(|o| o.plan.as_ref()));
        match plans.iter_mut().find(|p| &p.host == name) {
            Some(p) => {
                p.counts.add_all(&extra.counts);
                p.manual += extra.manual;
            }
            None => plans.push(extra),
        }
    }
}

fn planned_calls(h: &HostOutcomes) -> Vec<Value> {
    h.outcomes
        .iter()
        .filter_map(|o| o.plan.as_ref().map(|p| (o.control, p)))
        .flat_map(|(control, p)| {
            p.selected()
                .into_iter()
                .filter_map(move |id| match p.changes.get(usize::from(id.0)) {
                    Some(crate::contract::Change::Api(c)) => {
                        Some(json!({"control": control, "call": c.describe}))
                    }
                    _ => None,
                })
        })
        .collect()
}

/// Records the write-ahead intent of the provider changes planned for
/// `pending`; its id.
pub(super) async fn record_intent(
    reporter: &crate::events::Reporter,
    inv: &Inventory,
    pending: &[&HostOutcomes],
    run_id: &str,
) -> Result<String, String> {
    let hosts: Vec<Value> = pending
        .iter()
        .map(|h| json!({"host": inv.hosts[h.index].name, "calls": planned_calls(h)}))
        .collect();
    let event = reporter
        .event("provider-change-intent", Vec::new())
        .with_details(json!({
            "summary": format!("apply will change provider objects of {} host(s)", pending.len()),
            "run": crate::events::intent::run_details(run_id),
            "hosts": hosts,
        }));
    reporter.record_intent(event, &[]).await.map(|i| i.id)
}

/// Records what the provider phase of apply did.
pub(super) async fn record_done(
    reporter: &crate::events::Reporter,
    inv: &Inventory,
    done: &[HostOutcomes],
    intent: &str,
    run_id: &str,
) {
    let mut names = Vec::new();
    let mut hosts = Vec::new();
    for h in done {
        let name = inv.hosts[h.index].name.clone();
        let made: Vec<Value> = h
            .outcomes
            .iter()
            .flat_map(|o| {
                o.done
                    .iter()
                    .map(move |c| json!({"control": o.control, "call": c.describe}))
            })
            .collect();
        let not: Vec<Value> = h
            .outcomes
            .iter()
            .flat_map(|o| {
                o.not_done
                    .iter()
                    .map(move |c| json!({"control": o.control, "call": c.describe}))
            })
            .collect();
        let errors: Vec<String> = h
            .outcomes
            .iter()
            .filter_map(|o| o.error.as_ref().map(|e| format!("{}: {e}", o.control)))
            .collect();
        if made.is_empty() && not.is_empty() && errors.is_empty() {
            continue;
        }
        names.push(name.clone());
        hosts.push(json!({"host": name, "done": made, "not_done": not, "errors": errors}));
    }
    let calls: usize = done
        .iter()
        .flat_map(|h| &h.outcomes)
        .map(|o| o.done.len())
        .sum();
    let event = reporter
        .event("provider-change", names)
        .with_details(json!({
            "intent": intent,
            "run_id": run_id,
            "summary": format!("{calls} provider call(s) made"),
            "hosts": hosts,
        }));
    reporter.record(event, &[]).await;
}
