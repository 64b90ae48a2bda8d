//! `harden audit verify|acknowledge|show`: check, repair and read the log.
//!
//! `verify` checks the local log (`[audit] log`): its chain, and that it
//! still reaches its anchor file and, with `--anchor SEQ:HASH`, the anchor
//! management received (`crate::audit::check_local`). With `--host` it
//! checks the copies on the hosts instead, read over SSH byte-exact under
//! the host lock, with the same chain check, and compares each with the
//! local log by event id (`crate::audit::crosscheck`). Every edited,
//! deleted, reordered or cut line is named. Exit 0 when intact, 2 when a
//! problem was found, 1 when a log could not be read. `acknowledge` records
//! a loss the anchor check found as an audit event and re-anchors, so
//! appends work again. `show` prints the local log's last entries.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use serde_json::Value;

use crate::audit::crosscheck::crosscheck;
use crate::audit::local::AnchorSource;
use crate::audit::{
    check_local, read_locked, verify_bytes, Actor, Anchor, AuditLog, Event, VerifyReport,
    ACK_ACTION,
};
use crate::engine::context::RunContext;
use crate::events::hostcopy::{self, HOST_LOG};
use crate::transport::Conn;

/// `audit` and its subcommands.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: Sub,
}

/// Subcommands of `audit`.
#[derive(Debug, Subcommand)]
pub enum Sub {
    /// Check a log's hash chain and anchor; names edited, deleted,
    /// reordered or cut-off lines.
    Verify(VerifyArgs),
    /// Record a loss that `verify` found (a cut, emptied or rewritten log)
    /// as an audit event, so harden appends to the log again.
    Acknowledge(AckArgs),
    /// Print the last entries of the local log.
    Show(ShowArgs),
}

/// Flags of `audit verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Check the copies on these hosts instead of the local log
    /// (comma-separated names or globs).
    #[arg(long, value_name = "PATTERN")]
    pub host: Option<String>,
    /// Hosts handled in parallel.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: u16,
    /// Upper bound, in seconds, for one remote command.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(5..=3600))]
    pub command_timeout: u64,
    /// Also check the local log against this anchor: the `seq` and `hash`
    /// of the newest event management received (`details.audit`).
    #[arg(long, value_name = "SEQ:HASH", value_parser = Anchor::parse)]
    pub anchor: Option<Anchor>,
}

/// Flags of `audit acknowledge`.
#[derive(Debug, clap::Args)]
pub struct AckArgs {
    /// Why the loss is accepted (what happened, the ticket); recorded.
    #[arg(long)]
    pub reason: String,
}

/// Flags of `audit show`.
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// How many entries, newest last.
    #[arg(long, default_value_t = 20)]
    pub last: usize,
}

/// Runs `audit …`; returns the exit code.
pub fn run(inv_path: &Path, args: &Args) -> Result<u8> {
    let inv = Arc::new(super::run::load(inv_path)?);
    match &args.command {
        Sub::Verify(a) if a.host.is_some() => verify_hosts(inv, a),
        Sub::Verify(a) => verify_local(&inv.audit.log, a.anchor.as_ref()),
        Sub::Acknowledge(a) => acknowledge(&inv, &a.reason),
        Sub::Show(a) => show(&inv.audit.log, a.last),
    }
}

fn print_report(prefix: &str, r: &VerifyReport) {
    for line in r.to_string().lines() {
        println!("{prefix}{line}");
    }
}

fn verify_local(path: &Path, given: Option<&Anchor>) -> Result<u8> {
    let r = check_local(path, given)?;
    if !r.exists && r.is_ok() {
        println!("{}: no audit log yet (nothing recorded)", path.display());
        return Ok(0);
    }
    for line in r.lines() {
        println!("{}: {line}", path.display());
    }
    Ok(if r.is_ok() { 0 } else { 2 })
}

/// The most characters of an acknowledgement's reason.
const MAX_REASON: usize = 500;

fn acknowledge(inv: &crate::inventory::Inventory, reason: &str) -> Result<u8> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON {
        bail!("--reason: say why the loss is accepted, in 1 to {MAX_REASON} characters");
    }
    if reason.chars().any(char::is_control) {
        bail!("--reason: must be one line without control characters");
    }
    let log = AuditLog::open(&inv.audit.log)?;
    let mut event = Event::new(ACK_ACTION, Vec::new()).with_reason(reason);
    event.actor = Actor::current(None);
    let Some((entry, issue)) = log.acknowledge(event)? else {
        println!(
            "{}: the log reaches its anchor; nothing to acknowledge",
            log.path().display()
        );
        return Ok(0);
    };
    println!("{}: acknowledged: {issue}", log.path().display());
    println!(
        "{}: recorded as entry {} ({ACK_ACTION}, event {}); anchor {} now at seq {} hash {}",
        log.path().display(),
        entry.seq,
        entry.event.id,
        log.anchor_path().display(),
        entry.seq,
        entry.hash
    );
    report_ack(inv, &entry)
}

/// Sends the acknowledgement to management like every other event (behind
/// anything still queued), with its `details.audit` anchor.
fn report_ack(inv: &crate::inventory::Inventory, entry: &crate::audit::Entry) -> Result<u8> {
    let n = match crate::events::notifier(inv) {
        Ok(Some(n)) => n,
        Ok(None) => {
            crate::warn::say(crate::warn::Code::NoWebhook, "no [report] webhook in the inventory: the acknowledgement is in the audit log only");
            return Ok(0);
        }
        Err(e) => {
            eprintln!("harden: !!! acknowledgement NOT REPORTED to management: {e} !!!");
            return Ok(1);
        }
    };
    let mut wire = entry.event.clone();
    if let Some(d) = wire.details.as_object_mut() {
        d.insert(
            "audit".into(),
            serde_json::json!({"seq": entry.seq, "hash": entry.hash}),
        );
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let msg = rt.block_on(async {
        if n.flush_outbox().await.still_queued > 0 {
            let body = serde_json::to_vec(&wire).map_err(|e| e.to_string())?;
            let file = n.outbox().put(&wire, &body).map_err(|e| e.to_string())?;
            return Ok(format!(
                "NOT REPORTED to management yet: queued in {} behind earlier events",
                file.display()
            ));
        }
        match n.send(&wire).await {
            d @ crate::notify::Delivery::Lost { .. } => Err(d.to_string()),
            d => Ok(d.to_string()),
        }
    });
    match msg {
        Ok(m) => {
            eprintln!("report: {ACK_ACTION} {m}");
            Ok(0)
        }
        Err(e) => {
            eprintln!("harden: !!! {ACK_ACTION} {e} !!!");
            Ok(1)
        }
    }
}

fn verify_hosts(inv: Arc<crate::inventory::Inventory>, a: &VerifyArgs) -> Result<u8> {
    let hosts = super::select::by_flag(&inv, "--host", a.host.as_deref())?;
    let ctx = RunContext::new(&inv, Duration::from_secs(a.command_timeout))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let results = rt.block_on(async {
        let sem = Arc::new(tokio::sync::Semaphore::new(usize::from(a.jobs)));
        let mut tasks = Vec::new();
        for &i in &hosts {
            let (inv2, client, sem2) = (inv.clone(), ctx.client.clone(), sem.clone());
            let limit = inv.hosts[i].conn.connect_timeout
                + client.command_timeout
                + Duration::from_secs(10);
            tasks.push(tokio::spawn(async move {
                let _permit = sem2.acquire_owned().await;
                let host = &inv2.hosts[i];
                let work = async {
                    let conn = Conn::connect(host, &client, "audit")
                        .await
                        .map_err(|e| e.to_string())?;
                    let r = hostcopy::read(&conn, &host.name).await;
                    conn.close().await;
                    r
                };
                tokio::time::timeout(limit, work).await.unwrap_or_else(|_| {
                    Err(format!(
                        "{}: no answer within {}s",
                        host.name,
                        limit.as_secs()
                    ))
                })
            }));
        }
        let mut out = Vec::new();
        for (t, &i) in tasks.into_iter().zip(&hosts) {
            out.push((
                i,
                t.await
                    .unwrap_or_else(|e| Err(format!("internal error: {e}"))),
            ));
        }
        out
    });
    let local = read_locked(&inv.audit.log)?;
    let (mut problems, mut errors) = (false, false);
    if let Some(given) = &a.anchor {
        let r = check_local(&inv.audit.log, Some(given))?;
        for (_, issue) in r.issues.iter().filter(|(s, _)| *s == AnchorSource::Given) {
            problems = true;
            println!("{}: --anchor: {issue}", inv.audit.log.display());
        }
    }
    for (i, r) in results {
        let name = &inv.hosts[i].name;
        let copy = match r {
            Ok(None) => {
                println!("{name}: no audit copy at {HOST_LOG} (nothing recorded on this host)");
                None
            }
            Ok(Some(bytes)) => {
                let rep = verify_bytes(&bytes);
                problems |= !rep.is_ok();
                print_report(&format!("{name}: {HOST_LOG}: "), &rep);
                Some(bytes)
            }
            Err(e) => {
                errors = true;
                eprintln!("harden: {e}");
                continue;
            }
        };
        let x = crosscheck(local.as_deref(), name, copy.as_deref());
        problems |= !x.is_ok();
        for line in x.lines() {
            println!("{name}: {line}");
        }
    }
    Ok(if errors {
        1
    } else if problems {
        2
    } else {
        0
    })
}

fn show(path: &Path, last: usize) -> Result<u8> {
    if !path.exists() {
        println!("{}: no audit log yet (nothing recorded)", path.display());
        return Ok(0);
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let lines: Vec<&str> = text.lines().collect();
    let skip = lines.len().saturating_sub(last);
    for (n, line) in lines.iter().enumerate().skip(skip) {
        match serde_json::from_str::<Value>(line) {
            Ok(v) => println!("{}", entry_line(&v)),
            Err(_) => println!("line {}: not an audit entry", n + 1),
        }
    }
    Ok(0)
}

fn entry_line(v: &Value) -> String {
    let s = |x: &Value| x.as_str().unwrap_or("-").to_string();
    let hosts: Vec<String> = v["hosts"].as_array().into_iter().flatten().map(s).collect();
    let mut who = s(&v["actor"]["local_user"]);
    if let Some(k) = v["actor"]["key_id"].as_str() {
        who.push_str(&format!(" (key {k})"));
    }
    let mut line = format!(
        "{:>4}  {}  {}  {}  {}",
        v["seq"].as_u64().unwrap_or(0),
        s(&v["ts"]),
        who,
        s(&v["action"]),
        hosts.join(",")
    );
    if let Some(w) = v["details"]["window"].as_str() {
        line.push_str(&format!("  {w}"));
    }
    if let Some(r) = v["reason"].as_str() {
        line.push_str(&format!("  \"{r}\""));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    #[test]
    fn flags() {
        let c = Cli::try_parse_from(["harden", "audit", "verify", "--host", "otc-*"]).unwrap();
        let Command::Audit(a) = c.command else {
            panic!("not audit")
        };
        assert!(matches!(a.command, Sub::Verify(ref v) if v.host.as_deref() == Some("otc-*")));
        assert!(Cli::try_parse_from(["harden", "audit", "show", "--last", "5"]).is_ok());
        assert!(Cli::try_parse_from(["harden", "audit"]).is_err());
    }

    #[test]
    fn show_line() {
        let v = serde_json::json!({"seq": 3, "ts": "2026-01-01T10:00:00Z",
            "actor": {"local_user": "alice", "key_id": "alice@laptop"},
            "action": "maintenance-open", "hosts": ["db", "app"], "reason": "OPS-1",
            "details": {"window": "w0123abcd"}});
        assert_eq!(
            entry_line(&v),
            "   3  2026-01-01T10:00:00Z  alice (key alice@laptop)  maintenance-open  db,app  w0123abcd  \"OPS-1\""
        );
    }
}
