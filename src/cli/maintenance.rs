//! `harden maintenance open|close|list`: maintenance windows.
//!
//! `open` checks the whole request offline first (reason, duration cap,
//! sources inside every host's management_sources), so a bad request
//! changes nothing anywhere; then it opens the window on every selected
//! host in parallel and records one `maintenance-open` event for the hosts
//! where it opened (audit log, host copies, webhook). `close` does the same
//! in reverse. `list` reads the sets live from the hosts; `--history` adds
//! the windows of the last days and the logins through each, read from the
//! hosts. See `crate::maintenance` for how a window works. This file holds
//! the flags; `open.rs`, `close.rs` and `list.rs` the three commands.

mod close;
mod edge;
mod list;
mod open;
mod port;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Subcommand, ValueEnum};

use crate::engine::context::RunContext;
use crate::inventory::{Cidr, Inventory};
use crate::maintenance::duration;
use crate::maintenance::fleet::HostResult;

/// `maintenance` and its subcommands.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: Sub,
}

/// Subcommands of `maintenance`.
#[derive(Debug, Subcommand)]
pub enum Sub {
    /// Open the management port to management_sources for a limited time.
    Open(OpenArgs),
    /// Close windows before they expire.
    Close(CloseArgs),
    /// Show open windows, read live from the hosts.
    List(ListArgs),
}

/// Connection flags shared by the subcommands.
#[derive(Debug, Clone, clap::Args)]
pub struct Conns {
    /// Hosts handled in parallel.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: u16,
    /// Upper bound, in seconds, for one remote command.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(5..=3600))]
    pub command_timeout: u64,
}

fn parse_duration(s: &str) -> Result<u64, String> {
    duration::parse(s)
}

fn parse_cidr(s: &str) -> Result<Cidr, String> {
    Cidr::parse(s)
}

/// Flags of `maintenance open`.
#[derive(Debug, clap::Args)]
pub struct OpenArgs {
    /// Hosts: comma-separated names or globs (`otc-*`).
    #[arg(long, value_name = "PATTERN")]
    pub host: String,
    /// How long: 90m, 2h, 45s, 1h30m ([maintenance] max_minutes caps it).
    #[arg(long = "for", value_name = "DURATION", value_parser = parse_duration)]
    pub duration: u64,
    /// Why (required): kept in the audit log and sent to management.
    #[arg(long)]
    pub reason: String,
    /// Open only to this prefix, inside management_sources (repeatable).
    ///
    /// Default: all of the host's management_sources.
    #[arg(long, value_name = "CIDR", value_parser = parse_cidr)]
    pub from: Vec<Cidr>,
    /// Port to open: the hosts' management port (ssh_port), the default.
    ///
    /// Any other port is refused; it belongs in the host's `allow` rules.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub port: Option<u16>,
    /// Connection flags.
    #[command(flatten)]
    pub conns: Conns,
}

/// Flags of `maintenance close`.
#[derive(Debug, clap::Args)]
pub struct CloseArgs {
    /// Hosts: comma-separated names or globs (`otc-*`).
    #[arg(long, value_name = "PATTERN")]
    pub host: String,
    /// Close only this window (default: everything in the maintenance sets).
    #[arg(long, value_name = "WINDOW")]
    pub id: Option<String>,
    /// Why it is closed (optional; kept in the audit log).
    #[arg(long)]
    pub reason: Option<String>,
    /// Connection flags.
    #[command(flatten)]
    pub conns: Conns,
}

/// Output formats of `maintenance list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Aligned text.
    Text,
    /// JSON.
    Json,
}

/// Flags of `maintenance list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Hosts: comma-separated names or globs (default: all).
    #[arg(long, value_name = "PATTERN")]
    pub host: Option<String>,
    /// Also show past windows and the logins through each.
    #[arg(long)]
    pub history: bool,
    /// How far back --history looks.
    #[arg(long, value_name = "DURATION", default_value = "7d", value_parser = parse_duration)]
    pub since: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// Connection flags.
    #[command(flatten)]
    pub conns: Conns,
}

/// Runs `maintenance …`; returns the exit code.
pub fn run(inv_path: &std::path::Path, args: &Args) -> Result<u8> {
    let inv = Arc::new(super::run::load(inv_path)?);
    for w in &inv.warnings {
        eprintln!("{w}");
    }
    match &args.command {
        Sub::Open(a) => open::open(inv, a),
        Sub::Close(a) => close::close(inv, a),
        Sub::List(a) => list::list(inv, a),
    }
}

/// The hosts `open` works on: selected by `--host`, each with `--port` (if
/// given) as its management port. Offline, so a bad request fails before
/// any connection is opened or anything is changed anywhere.
fn hosts_to_open(inv: &Inventory, a: &OpenArgs) -> Result<Vec<usize>> {
    let hosts = crate::cli::select::by_flag(inv, "--host", Some(&a.host))?;
    port::check(inv, &hosts, a.port)?;
    Ok(hosts)
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn context(inv: &Inventory, c: &Conns) -> Result<RunContext> {
    RunContext::new(inv, Duration::from_secs(c.command_timeout))
}

fn name(inv: &Inventory, r: &HostResult) -> String {
    inv.hosts[r.index].name.clone()
}

#[cfg(test)]
mod tests {
    use crate::cli::{Cli, Command};
    use clap::Parser;

    use super::Sub;

    #[test]
    fn open_flags() {
        let c = Cli::try_parse_from([
            "harden",
            "maintenance",
            "open",
            "--host",
            "otc-*",
            "--for",
            "1h30m",
            "--reason",
            "OPS-1",
            "--from",
            "198.51.100.5",
            "--from",
            "198.51.100.6/32",
            "--port",
            "2222",
        ])
        .unwrap();
        let Command::Maintenance(m) = c.command else {
            panic!("not maintenance")
        };
        let Sub::Open(o) = m.command else {
            panic!("not open")
        };
        assert_eq!(o.duration, 5400);
        assert_eq!(o.from.len(), 2);
        assert_eq!(o.port, Some(2222));
        for missing in [
            vec![
                "harden",
                "maintenance",
                "open",
                "--host",
                "a",
                "--for",
                "1h",
            ],
            vec![
                "harden",
                "maintenance",
                "open",
                "--host",
                "a",
                "--reason",
                "r",
            ],
            vec![
                "harden",
                "maintenance",
                "open",
                "--for",
                "1h",
                "--reason",
                "r",
            ],
        ] {
            assert!(Cli::try_parse_from(&missing).is_err(), "{missing:?}");
        }
        let bad = Cli::try_parse_from([
            "harden",
            "maintenance",
            "open",
            "--host",
            "a",
            "--for",
            "90",
            "--reason",
            "r",
        ])
        .unwrap_err()
        .to_string();
        assert!(bad.contains("has no unit"), "{bad}");
        assert!(Cli::try_parse_from([
            "harden",
            "maintenance",
            "open",
            "--host",
            "a",
            "--for",
            "1h",
            "--reason",
            "r",
            "--from",
            "198.51.100.1/28",
        ])
        .is_err());
    }

    #[test]
    fn port_zero_is_refused_at_parse_time() {
        let open = |port: &str| {
            let base = "harden maintenance open --host a --for 1h --reason r --port";
            Cli::try_parse_from(base.split(' ').chain([port]))
        };
        let e = open("0").expect_err("port 0").to_string();
        assert!(
            e.contains("--port") && e.contains("0 is not in 1..=65535"),
            "{e}"
        );
        assert!(open("65536").is_err());
        assert!(open("1").is_ok());
        assert!(open("65535").is_ok());
    }

    #[test]
    fn close_and_list_flags() {
        let c = Cli::try_parse_from([
            "harden",
            "maintenance",
            "close",
            "--host",
            "db",
            "--id",
            "w0123abcd",
        ])
        .unwrap();
        let Command::Maintenance(m) = c.command else {
            panic!("not maintenance")
        };
        assert!(matches!(m.command, Sub::Close(ref a) if a.id.as_deref() == Some("w0123abcd")));
        let c = Cli::try_parse_from([
            "harden",
            "maintenance",
            "list",
            "--history",
            "--since",
            "2d",
            "--format",
            "json",
        ])
        .unwrap();
        let Command::Maintenance(m) = c.command else {
            panic!("not maintenance")
        };
        let Sub::List(l) = m.command else {
            panic!("not list")
        };
        assert!(l.history);
        assert_eq!(l.since, 172_800);
        assert!(l.host.is_none());
    }
}
