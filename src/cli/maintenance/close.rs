//! `maintenance close`: removes a window's elements (or every element in
//! the maintenance sets) before they expire, and records one
//! `maintenance-close` event for the hosts where something was closed.
//!
//! Hosts with a provider account are closed at the provider after the
//! host (`edge.rs`): this window's rules (every maintenance rule without
//! `--id`) and every overdue one. The provider step runs even when the
//! host could not be reached; a provider failure is reported with the
//! host's state and makes the exit code 1.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Result};
use serde_json::{json, Value};

use super::{context, edge, name, runtime, CloseArgs};
use crate::events::{Reporter, Target};
use crate::inventory::Inventory;
use crate::maintenance::duration;
use crate::maintenance::edge::Which;
use crate::maintenance::fleet::{self, Done, Op};
use crate::maintenance::window;

/// Runs `maintenance close`; returns the exit code.
pub fn close(inv: Arc<Inventory>, a: &CloseArgs) -> Result<u8> {
    let hosts = crate::cli::select::by_flag(&inv, "--host", Some(&a.host))?;
    if let Some(id) = &a.id {
        if !window::valid_id(id) {
            bail!(
                "--id {id:?} is not a window id (w and 8 hex digits, as `maintenance list` shows)"
            );
        }
    }
    let reason = match &a.reason {
        Some(r) => Some(window::check_reason(r, &inv.maintenance)?),
        None => None,
    };
    let ctx = context(&inv, &a.conns)?;
    let reporter = Reporter::new(&inv, &ctx)?;
    let work = hosts
        .iter()
        .map(|&i| (i, Op::Close(a.id.clone())))
        .collect();
    let acc = edge::accounts(&inv, &hosts, Duration::from_secs(a.conns.command_timeout));
    let rt = runtime()?;
    let (closed_hosts, failed, trouble) = rt.block_on(async {
        ctx.watch_signals();
        reporter.flush().await;
        let mut results = fleet::run(inv.clone(), work, &ctx.client, a.conns.jobs.into()).await;
        let mut closed: Vec<Value> = Vec::new();
        let mut failed: Vec<Value> = Vec::new();
        let mut hosts_closed = Vec::new();
        for r in &results {
            let host = name(&inv, r);
            match &r.result {
                Ok(Done::Closed(slots)) if slots.is_empty() => println!("{host}: no window open"),
                Ok(Done::Closed(slots)) => {
                    for s in slots {
                        let w = s.window_id();
                        println!(
                            "{host}: closed {} ({}, {} were left)",
                            w.as_deref().unwrap_or("an element not opened by harden"),
                            s.key(),
                            duration::format(s.remaining.unwrap_or(0))
                        );
                        closed.push(json!({"host": host, "window": w, "element": s.key(),
                                           "remaining_secs": s.remaining}));
                    }
                    hosts_closed.push(r.index);
                }
                Ok(_) => {}
                Err(e) => {
                    eprintln!("harden: {e}");
                    failed.push(json!({"host": host, "error": e.to_string()}));
                }
            }
        }
        let now = crate::timefmt::now();
        let which = |_| match &a.id {
            Some(id) => Which::Window {
                id: id.clone(),
                now,
            },
            None => Which::All,
        };
        let mut provider = Vec::new();
        for (i, r) in edge::close(&inv, &acc, which).await {
            let host = inv.hosts[i].name.clone();
            let state = match results.iter().find(|h| h.index == i).map(|h| &h.result) {
                Some(Ok(Done::Closed(s))) if !s.is_empty() => "closed on the host",
                Some(Ok(_)) => "nothing open on the host",
                _ => "NOT closed on the host either",
            };
            match r {
                Ok(o) => {
                    for c in &o.closed {
                        println!("{}", edge::closed_line(&host, &o.object, c, now));
                    }
                    for w in &o.warnings {
                        eprintln!("harden: {host}: {state}, NOT at the provider: {w}");
                        failed.push(json!({"host": host, "error": w, "at": "provider"}));
                    }
                    if !o.closed.is_empty() && !hosts_closed.contains(&i) {
                        hosts_closed.push(i);
                    }
                    provider.push((i, o));
                }
                Err(e) => {
                    eprintln!("harden: {host}: {state}, NOT at the provider: {e}");
                    failed.push(json!({"host": host, "error": e, "at": "provider"}));
                }
            }
        }
        if !hosts_closed.is_empty() {
            let names: Vec<String> = hosts_closed
                .iter()
                .map(|&i| inv.hosts[i].name.clone())
                .collect();
            let mut event = reporter
                .event("maintenance-close", names)
                .with_details(json!({
                    "window": a.id,
                    "closed": closed,
                    "provider": edge::details(&inv, &provider),
                    "failed": failed,
                    "tom": [crate::tom::MGMT_WINDOW.id, crate::tom::ACCESS_REPORTING.id],
                }));
            event.reason = reason.clone();
            let targets: Vec<Target<'_>> = results
                .iter()
                .filter(|r| hosts_closed.contains(&r.index))
                .filter_map(|r| {
                    r.conn
                        .as_ref()
                        .map(|c| Target::Conn(&inv.hosts[r.index], c))
                })
                .collect();
            reporter.record(event, &targets).await;
        }
        fleet::close_all(&mut results).await;
        (hosts_closed.len(), failed.len(), reporter.trouble())
    });
    if closed_hosts == 0 && failed == 0 {
        if let Some(id) = &a.id {
            bail!("window {id} is not open on the selected hosts (expired or closed already)");
        }
    }
    Ok(if failed > 0 || trouble { 1 } else { 0 })
}
