//! `harden audit verify|show`: check and read the audit log.
//!
//! `verify` checks the local log (`[audit] log`), or with `--host` the
//! copies on the hosts, read over SSH byte-exact under the host lock, with
//! the same check (`crate::audit::verify_bytes`): every edited, deleted,
//! reordered or cut line is named. Exit 0 when intact, 2 when a problem was
//! found, 1 when a log could not be read. `show` prints the local log's
//! last entries for people.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Subcommand;
use serde_json::Value;

use crate::audit::{verify_bytes, verify_file, VerifyReport};
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
    /// Check a log's hash chain; names edited, deleted or reordered lines.
    Verify(VerifyArgs),
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
        Sub::Verify(_) => verify_local(&inv.audit.log),
        Sub::Show(a) => show(&inv.audit.log, a.last),
    }
}

fn print_report(prefix: &str, r: &VerifyReport) {
    for line in r.to_string().lines() {
        println!("{prefix}{line}");
    }
}

fn verify_local(path: &Path) -> Result<u8> {
    if !path.exists() {
        println!("{}: no audit log yet (nothing recorded)", path.display());
        return Ok(0);
    }
    let r = verify_file(path)?;
    print_report(&format!("{}: ", path.display()), &r);
    Ok(if r.is_ok() { 0 } else { 2 })
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
    let (mut problems, mut errors) = (false, false);
    for (i, r) in results {
        let name = &inv.hosts[i].name;
        match r {
            Ok(None) => {
                println!("{name}: no audit copy at {HOST_LOG} (nothing recorded on this host)")
            }
            Ok(Some(bytes)) => {
                let rep = verify_bytes(&bytes);
                problems |= !rep.is_ok();
                print_report(&format!("{name}: {HOST_LOG}: "), &rep);
            }
            Err(e) => {
                errors = true;
                eprintln!("harden: {e}");
            }
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
