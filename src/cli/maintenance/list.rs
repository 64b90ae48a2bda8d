//! `maintenance list`: the live elements of every selected host, or with
//! `--history` the windows since `--since` and the logins through each.
//! Read-only; like every run that talks to hosts it delivers the outbox
//! and completes what interrupted runs left (`crate::events::reconcile`).
//!
//! For hosts with a provider account it also reads the maintenance rules
//! at the provider and shows them with their expiry. The providers cannot
//! expire a rule, so an overdue one found here is removed (the only change
//! `list` makes, recorded as a `maintenance-close` event).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use serde_json::json;

use super::{context, edge, name, runtime, ListArgs, ListFormat};
use crate::events;
use crate::inventory::Inventory;
use crate::maintenance::edge::{Outcome, Which};
use crate::maintenance::fleet::{self, Done, Op};
use crate::maintenance::render;
use crate::timefmt;

/// Runs `maintenance list`; returns the exit code.
pub fn list(inv: Arc<Inventory>, a: &ListArgs) -> Result<u8> {
    let hosts = crate::cli::select::by_flag(&inv, "--host", a.host.as_deref())?;
    let ctx = context(&inv, &a.conns)?;
    let since = timefmt::now().saturating_sub(a.since);
    let op = if a.history {
        Op::History(since)
    } else {
        Op::Read
    };
    let work = hosts.iter().map(|&i| (i, op.clone())).collect();
    let acc = edge::accounts(&inv, &hosts, Duration::from_secs(a.conns.command_timeout));
    let now = timefmt::now();
    let rt = runtime()?;
    let (mut results, provider) = rt.block_on(async {
        ctx.watch_signals();
        events::flush_read_only(&inv, &ctx).await;
        let mut r = fleet::run(inv.clone(), work, &ctx.client, a.conns.jobs.into()).await;
        fleet::close_all(&mut r).await;
        let provider = edge::close(&inv, &acc, |_| Which::Overdue(now)).await;
        record_overdue(&inv, &ctx, &provider).await;
        (r, provider)
    });
    let failed = results.iter().filter(|r| r.result.is_err()).count()
        + provider.iter().filter(|(_, r)| r.is_err()).count();
    let mut text = String::new();
    let mut json_hosts = Vec::new();
    let mut slots = Vec::new();
    for r in results.drain(..) {
        let host = name(&inv, &r);
        match r.result {
            Ok(Done::Slots(s)) => slots.push((host, Ok(s))),
            Ok(Done::History(h)) => {
                text.push_str(&render::history_text(&host, &h));
                json_hosts.push(render::history_json(&host, &h));
            }
            Ok(_) => {}
            Err(e) => {
                if a.history {
                    text.push_str(&format!("{host}\n  ! {e}\n"));
                    json_hosts.push(json!({"host": host, "error": e.to_string()}));
                } else {
                    slots.push((host, Err(e.to_string())));
                }
            }
        }
    }
    match (a.history, a.format) {
        (false, ListFormat::Text) => print!(
            "{}{}",
            render::list_text(&slots),
            edge::list_text(&inv, &provider, now)
        ),
        (false, ListFormat::Json) => {
            let mut doc = render::list_json(&slots);
            for (i, r) in &provider {
                let name = &inv.hosts[*i].name;
                let host = doc["hosts"]
                    .as_array_mut()
                    .and_then(|h| h.iter_mut().find(|h| h["host"] == json!(name)));
                if let Some(h) = host {
                    h["provider"] = edge::list_json(r);
                }
            }
            println!("{doc:#}")
        }
        (true, ListFormat::Text) => print!("{text}"),
        (true, ListFormat::Json) => println!("{:#}", json!({ "hosts": json_hosts })),
    }
    Ok(if failed > 0 { 1 } else { 0 })
}

/// Records the overdue provider rules `list` removed (local log and
/// webhook; no host copy: nothing changed on the hosts).
async fn record_overdue(
    inv: &Inventory,
    ctx: &crate::engine::context::RunContext,
    provider: &[(usize, Result<Outcome, String>)],
) {
    let done: Vec<(usize, Outcome)> = provider
        .iter()
        .filter_map(|(i, r)| r.as_ref().ok().map(|o| (*i, o.clone())))
        .filter(|(_, o)| !o.closed.is_empty())
        .collect();
    if done.is_empty() {
        return;
    }
    for (i, o) in &done {
        for c in &o.closed {
            eprintln!(
                "{}",
                edge::closed_line(&inv.hosts[*i].name, &o.object, c, timefmt::now())
            );
        }
    }
    let reporter = match events::Reporter::new(inv, ctx) {
        Ok(r) => r,
        Err(e) => {
            crate::warn::say(
                crate::warn::Code::OverdueUnrecorded,
                format!("the overdue closing was not recorded: {e}"),
            );
            return;
        }
    };
    let names = done
        .iter()
        .map(|(i, _)| inv.hosts[*i].name.clone())
        .collect();
    let event = reporter
        .event("maintenance-close", names)
        .with_reason("overdue at the provider (closed by maintenance list)")
        .with_details(json!({
            "window": null,
            "closed": [],
            "provider": edge::details(inv, &done),
            "overdue": true,
            "failed": [],
            "tom": [crate::tom::MGMT_WINDOW.id, crate::tom::ACCESS_REPORTING.id],
        }));
    reporter.record(event, &[]).await;
}
