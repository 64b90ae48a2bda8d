//! `maintenance list`: the live elements of every selected host, or with
//! `--history` the windows since `--since` and the logins through each.
//! Read-only; like every run that talks to hosts it delivers the outbox
//! and completes what interrupted runs left (`crate::events::reconcile`).

use std::sync::Arc;

use anyhow::Result;
use serde_json::json;

use super::{context, name, runtime, ListArgs, ListFormat};
use crate::events;
use crate::inventory::Inventory;
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
    let rt = runtime()?;
    let mut results = rt.block_on(async {
        ctx.watch_signals();
        events::flush_read_only(&inv, &ctx).await;
        let mut r = fleet::run(inv.clone(), work, &ctx.client, a.conns.jobs.into()).await;
        fleet::close_all(&mut r).await;
        r
    });
    let failed = results.iter().filter(|r| r.result.is_err()).count();
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
        (false, ListFormat::Text) => print!("{}", render::list_text(&slots)),
        (false, ListFormat::Json) => println!("{:#}", render::list_json(&slots)),
        (true, ListFormat::Text) => print!("{text}"),
        (true, ListFormat::Json) => println!("{:#}", json!({ "hosts": json_hosts })),
    }
    Ok(if failed > 0 { 1 } else { 0 })
}
