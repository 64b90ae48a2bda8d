//! `maintenance open`: the request is checked offline for every host
//! first, then a `maintenance-open-intent` is recorded (local log, outbox,
//! host copies: see `crate::events::intent`), then the window is opened on
//! all of them in parallel and one `maintenance-open` event, referring to
//! the intent, is recorded for the hosts where it opened
//! (`maintenance-open-failed` when it opened nowhere). A run killed in
//! between is completed by the next run from the kernel's live elements.
//!
//! Hosts with a provider account open at the provider first (`edge.rs`:
//! a host whose provider step fails is not opened; a provider opening
//! whose host then fails is closed again); the intent names the provider
//! rules that will be opened, the event those that were. The provider's
//! rules carry the same instant as the host's nft timeout: the window's
//! end is fixed once, after the intent, and each host's timeout is
//! counted down to it.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Result};
use serde_json::json;

use super::{context, edge, name, runtime, OpenArgs};
use crate::contract::HostCtx;
use crate::events::{Reporter, Target};
use crate::inventory::Inventory;
use crate::maintenance::duration;
use crate::maintenance::edge::{object_name, Opening};
use crate::maintenance::fleet::{self, Done, Op};
use crate::maintenance::remote::OpenRequest;
use crate::maintenance::window::{self, Comment};
use crate::timefmt;

/// Runs `maintenance open`; returns the exit code.
pub fn open(inv: Arc<Inventory>, a: &OpenArgs) -> Result<u8> {
    let hosts = super::hosts_to_open(&inv, a)?;
    let reason = window::check_reason(&a.reason, &inv.maintenance)?;
    window::check_duration(a.duration, &inv.maintenance)?;
    let ctx = context(&inv, &a.conns)?;
    let reporter = Reporter::new(&inv, &ctx)?;
    let id = window::new_id();
    let comment = Comment {
        id: id.clone(),
        by: reporter.actor().local_user.clone(),
        why: reason.clone(),
    }
    .encode();
    let mut work = Vec::new();
    for &i in &hosts {
        let host = &inv.hosts[i];
        let port = a.port.unwrap_or(host.conn.port);
        let sources = window::sources_for(&HostCtx::new(&inv, host, None), &a.from, port)?;
        work.push((
            i,
            Op::Open(OpenRequest {
                id: id.clone(),
                sources,
                port,
                secs: a.duration,
                comment: comment.clone(),
            }),
        ));
    }
    let acc = edge::accounts(&inv, &hosts, Duration::from_secs(a.conns.command_timeout));
    let opening = |i: usize, until: u64| -> Opening {
        let (sources, port) = work
            .iter()
            .find_map(|(w, op)| match op {
                Op::Open(r) if *w == i => Some((r.sources.clone(), r.port)),
                _ => None,
            })
            .unwrap_or_default();
        Opening {
            window: id.clone(),
            sources,
            port,
            until,
        }
    };
    let mut provider_intent = serde_json::Map::new();
    for i in acc.hosts() {
        let o = opening(i, 0);
        provider_intent.insert(
            inv.hosts[i].name.clone(),
            json!({"object": object_name(&inv.hosts[i].name), "window": &id,
                   "sources": o.sources.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                   "port": o.port}),
        );
    }
    let rt = runtime()?;
    let (ok, failed, trouble, closes_at) = rt.block_on(async {
        ctx.watch_signals();
        reporter.flush().await;
        let intent = match record_intent(&reporter, &inv, &work, &id, &reason, a.duration, &ctx.run_id, provider_intent).await {
            Ok(i) => i,
            Err(e) => return Err(anyhow::anyhow!("window {id} not opened: {e}")),
        };
        let mut work: Vec<(usize, Op)> = work
            .iter()
            .filter(|(i, _)| !intent.refused.iter().any(|(h, _)| *h == inv.hosts[*i].name))
            .cloned()
            .collect();
        crate::events::pause::at("maintenance-intent").await;
        // The window's end, fixed once: the provider's rules carry it and
        // each host's nft timeout counts down to it.
        let opened_at = timefmt::now();
        let until = opened_at + a.duration;
        let mut failed = Vec::new();
        let selected: Vec<usize> = work.iter().map(|(i, _)| *i).collect();
        let mut prov = edge::open(&inv, &acc, &selected, |i| opening(i, until), opened_at).await;
        for (i, msg) in &prov.failed {
            eprintln!("harden: {msg}; nothing was opened on the host");
            failed.push(json!({"host": inv.hosts[*i].name, "error": msg, "at": "provider"}));
        }
        work.retain(|(i, _)| !prov.failed.iter().any(|(f, _)| f == i));
        let secs = until.saturating_sub(timefmt::now()).max(1);
        for (_, op) in &mut work {
            if let Op::Open(r) = op {
                r.secs = secs;
            }
        }
        let mut results = fleet::run(inv.clone(), work, &ctx.client, a.conns.jobs.into()).await;
        crate::events::pause::at("maintenance-opened").await;
        let closes_at = timefmt::rfc3339(until);
        let mut elements = serde_json::Map::new();
        let mut replaced = Vec::new();
        let mut opened = Vec::new();
        let mut rolled_back = Vec::new();
        for r in &results {
            let host = name(&inv, r);
            match &r.result {
                Ok(Done::Opened(o)) => {
                    let keys: Vec<String> = o.slots.iter().map(|s| s.key()).collect();
                    println!(
                        "{host}: opened {id} to {}, closes by itself in {}",
                        keys.join(", "),
                        duration::format(a.duration)
                    );
                    for s in &o.replaced {
                        let w = s.window_id();
                        println!(
                            "{host}: replaced {} ({}, {} left)",
                            w.as_deref().unwrap_or("an element not opened by harden"),
                            s.key(),
                            duration::format(s.remaining.unwrap_or(0))
                        );
                        replaced.push(json!({"host": host, "window": w, "element": s.key(),
                                             "remaining_secs": s.remaining}));
                    }
                    elements.insert(
                        host.clone(),
                        json!({
                            "sources": o.slots.iter().map(|s| s.source.to_string()).collect::<Vec<_>>(),
                            "port": o.slots.first().map(|s| s.port),
                        }),
                    );
                    opened.push(r.index);
                }
                Ok(_) => {}
                Err(e) => {
                    eprintln!("harden: {e}");
                    let mut f = json!({"host": host, "error": e.to_string()});
                    if prov.done.iter().any(|(i, _)| *i == r.index) {
                        let (clean, msg) = edge::roll_back(&inv, &acc, r.index, &id).await;
                        eprintln!("harden: {msg}");
                        f["provider"] = json!(if clean { "rolled back" } else { "left open" });
                        f["provider_message"] = json!(msg);
                        if clean {
                            rolled_back.push(r.index);
                        }
                    }
                    failed.push(f);
                }
            }
        }
        prov.done.retain(|(i, _)| !rolled_back.contains(i));
        for (i, o) in &prov.done {
            let host = &inv.hosts[*i].name;
            for r in &o.opened {
                println!("{host}: opened {r} at the provider ({})", o.object);
            }
            for c in &o.closed {
                println!("{}", edge::closed_line(host, &o.object, c, opened_at));
            }
        }
        if !opened.is_empty() {
            let names: Vec<String> = opened.iter().map(|&i| inv.hosts[i].name.clone()).collect();
            let event = reporter
                .event("maintenance-open", names)
                .with_reason(reason.clone())
                .with_details(json!({
                    "window": id,
                    "duration_secs": a.duration,
                    "opened_at": timefmt::rfc3339(opened_at),
                    "closes_at": &closes_at,
                    "elements": elements,
                    "replaced": replaced,
                    "failed": failed,
                    "provider": edge::details(&inv, &prov.done),
                    "intent": &intent.id,
                    "run_id": &ctx.run_id,
                    "outcome": "opened",
                    "tom": [crate::tom::MGMT_WINDOW.id, crate::tom::ACCESS_REPORTING.id],
                }));
            let targets: Vec<Target<'_>> = results
                .iter()
                .filter(|r| opened.contains(&r.index))
                .filter_map(|r| r.conn.as_ref().map(|c| Target::Conn(&inv.hosts[r.index], c)))
                .collect();
            reporter.record(event, &targets).await;
        } else {
            let names: Vec<String> = hosts.iter().map(|&i| inv.hosts[i].name.clone()).collect();
            let event = reporter
                .event("maintenance-open-failed", names)
                .with_reason(reason.clone())
                .with_details(json!({
                    "window": id, "failed": failed, "intent": &intent.id,
                    "provider": edge::details(&inv, &prov.done),
                    "run_id": &ctx.run_id, "outcome": "failed",
                }));
            reporter.record(event, &[]).await;
        }
        fleet::close_all(&mut results).await;
        let at_provider = !prov.done.is_empty();
        Ok((opened.len(), failed.len(), reporter.trouble(), (closes_at, at_provider)))
    })?;
    let (closes_at, at_provider) = closes_at;
    if ok == 0 {
        bail!("window {id} was not opened on any host");
    }
    println!(
        "Window {id} is open on {ok} of {} host(s) until {closes_at} ({}); the kernel closes it even if harden is not running.",
        ok + failed,
        duration::format(a.duration)
    );
    if at_provider {
        println!(
            "At the provider the rules carry the same expiry, but only harden removes them: `maintenance close`, any maintenance run after {closes_at}, or the nightly drift."
        );
    }
    Ok(if failed > 0 || trouble { 1 } else { 0 })
}

/// Records the `maintenance-open-intent` (before any window opens, at
/// the provider or on a host), naming the provider rules to be opened.
#[allow(clippy::too_many_arguments)]
async fn record_intent(
    reporter: &Reporter,
    inv: &Inventory,
    work: &[(usize, Op)],
    id: &str,
    reason: &str,
    secs: u64,
    run_id: &str,
    provider: serde_json::Map<String, serde_json::Value>,
) -> Result<crate::events::intent::Intent, String> {
    let names: Vec<String> = work
        .iter()
        .map(|(i, _)| inv.hosts[*i].name.clone())
        .collect();
    let targets: Vec<Target<'_>> = work
        .iter()
        .map(|(i, _)| Target::Connect(&inv.hosts[*i]))
        .collect();
    let event = reporter
        .event("maintenance-open-intent", names)
        .with_reason(reason.to_string())
        .with_details(json!({
            "summary": format!("maintenance window {id} will open"),
            "window": id,
            "duration_secs": secs,
            "provider": provider,
            "run": crate::events::intent::run_details(run_id),
        }));
    reporter.record_intent(event, &targets).await
}
