//! `apply`'s audit records around phase two: the write-ahead
//! `apply-intent` before any host changes, the refusal of hosts whose copy
//! of it could not be written, and the `firewall-change` and `apply` events
//! after (see `crate::events::apply` and `crate::events::intent`).

use crate::engine::run;
use crate::inventory::Inventory;
use crate::report::model;

/// Records the `apply-intent` for the planned hosts (see
/// `crate::events::intent`); host copies go over new connections.
pub(super) async fn record_intent(
    reporter: &crate::events::Reporter,
    inv: &Inventory,
    planned: &[crate::events::apply::Planned],
    run_id: &str,
) -> Result<crate::events::intent::Intent, String> {
    let hosts: Vec<String> = planned.iter().map(|p| p.host.clone()).collect();
    let targets: Vec<crate::events::Target<'_>> = hosts
        .iter()
        .filter_map(|h| inv.host(h))
        .map(crate::events::Target::Connect)
        .collect();
    let event = reporter
        .event("apply-intent", hosts)
        .with_details(crate::events::apply::intent_details(planned, run_id));
    reporter.record_intent(event, &targets).await
}

/// Hosts whose copy of the intent could not be written are not changed.
pub(super) async fn refuse(
    inv: &Inventory,
    phase_one: Vec<run::PhaseOne>,
    refused: &[(String, String)],
) -> Vec<run::PhaseOne> {
    let mut out = Vec::new();
    for r in phase_one {
        match r {
            Ok(c) => {
                let name = &inv.hosts[c.index].name;
                match refused.iter().find(|(h, _)| h == name) {
                    Some((_, why)) => {
                        let mut rep = c.report(inv);
                        rep.status = model::HostStatus::Failed;
                        rep.error = Some(format!(
                            "not changed: the audit copy of this apply's intent could not be written on the host ({why}); free the space or fix {} and apply again",
                            crate::events::hostcopy::HOST_LOG
                        ));
                        c.close().await;
                        out.push(Err(rep));
                    }
                    None => out.push(Ok(c)),
                }
            }
            Err(rep) => out.push(Err(rep)),
        }
    }
    out
}

/// Records the completion of an apply: the `firewall-change` and `apply`
/// events (see `crate::events::apply`), both referring to the intent;
/// host copies go over new connections.
pub(super) async fn record_apply(
    reporter: &crate::events::Reporter,
    inv: &Inventory,
    planned: &[crate::events::apply::Planned],
    reports: &[model::HostReport],
    intent: &str,
    run_id: &str,
) {
    for (action, hosts, mut details) in crate::events::apply::drafts(planned, reports) {
        if let Some(d) = details.as_object_mut() {
            d.insert("intent".into(), intent.into());
            d.insert("run_id".into(), run_id.into());
        }
        let targets: Vec<crate::events::Target<'_>> = hosts
            .iter()
            .filter_map(|h| inv.host(h))
            .map(crate::events::Target::Connect)
            .collect();
        let event = reporter.event(action, hosts.clone()).with_details(details);
        reporter.record(event, &targets).await;
    }
}
