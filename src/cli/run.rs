//! `plan`, `drift` and `apply`: one code path, three modes.
//!
//! All three connect, gather facts and check every host (phase one);
//! `apply` then asks for confirmation (or `--yes`) and carries out the
//! changes (phase two). The report is written once, in the chosen format,
//! to stdout or `--output`; progress goes to stderr. Every mode first
//! delivers events earlier runs queued; `apply` then records what it
//! changed as `firewall-change` and `apply` events (`crate::events`);
//! those records are written by `run/intent.rs`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::engine::provider_all;
use crate::engine::run::{self, Mode, Options};
use crate::inventory::{self, Inventory};
use crate::report::plan_counts::{HostPlan, PlanSummary};
use crate::report::{self, model, Format};

mod intent;
mod provider;

use intent::{record_apply, record_intent, refuse};

/// Which hosts a run reads and how many at once: `plan`, `drift`,
/// `apply` and a fresh `report`.
#[derive(Debug, Clone, clap::Args)]
pub struct Targets {
    /// Only these hosts: comma-separated names or globs (`otc-*`).
    #[arg(long)]
    pub limit: Option<String>,
    /// Hosts handled in parallel.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: u16,
}

/// How a run reads its hosts: `plan`, `drift`, `apply` and a fresh
/// `report`.
#[derive(Debug, Clone, clap::Args)]
pub struct Reading {
    /// Plain progress lines even on a terminal.
    #[arg(long)]
    pub no_progress: bool,
    /// Upper bound, in seconds, for one remote command.
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(5..=3600))]
    pub command_timeout: u64,
    /// Read-only drift credential directory (`harden ca sign-drift`):
    /// drift only, no CA passphrase needed (docs/ci.md).
    #[arg(long, env = "HARDEN_DRIFT_CREDENTIAL")]
    pub credential: Option<PathBuf>,
}

/// Flags shared by `plan`, `drift` and `apply`.
#[derive(Debug, Clone, clap::Args)]
pub struct CommonArgs {
    /// Which hosts.
    #[command(flatten)]
    pub targets: Targets,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to this file instead of stdout.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// List in-sync checks too.
    #[arg(short, long)]
    pub verbose: bool,
    /// How they are read.
    #[command(flatten)]
    pub reading: Reading,
}

/// Flags of `apply`.
#[derive(Debug, Clone, clap::Args)]
pub struct ApplyArgs {
    /// Shared flags.
    #[command(flatten)]
    pub common: CommonArgs,
    /// Apply without asking (required when stdin is not a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Seconds after which a firewall or sshd change that no fresh
    /// connection confirmed is rolled back by the host itself.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(3..=600))]
    pub rollback_after: u64,
    /// Skip the lock-out pre-checks (e.g. harden's own address missing
    /// from controller_sources). The rollback guard still protects you.
    #[arg(long)]
    pub no_preflight: bool,
    /// Seconds to wait for a host another apply holds (its whole-host
    /// lock); then that host fails, naming the holder. 0: refuse at once.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub lock_wait: u64,
}

/// Loads the inventory, printing warnings.
pub fn load(path: &Path) -> Result<Inventory> {
    let inv = inventory::load(path, crate::controls::sections::sections())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(inv)
}

fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    crate::timefmt::rfc3339(secs)
}

/// A finished run: its report, before any writer has seen it.
pub struct Executed {
    /// The report every format is written from.
    pub report: model::Report,
    /// The inventory the run used.
    pub inv: Arc<Inventory>,
    /// Events could not be recorded or delivered (the run exits 1).
    pub trouble: bool,
}

/// Runs one of the three modes; returns the exit code.
pub fn run(
    inv_path: &Path,
    mode: Mode,
    args: &CommonArgs,
    apply: Option<&ApplyArgs>,
) -> Result<u8> {
    let done = execute(inv_path, mode, args, apply)?;
    let report = done.report;
    let verbose = args.verbose;
    match &args.output {
        Some(p) => {
            let mut f = std::fs::File::create(p)
                .with_context(|| format!("creating report file {}", p.display()))?;
            report::write(&report, args.format, verbose, &mut f)
                .with_context(|| format!("writing {}", p.display()))?;
            eprintln!("{}", report::text::summary(&report));
        }
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            report::write(&report, args.format, verbose, &mut lock)
                .context("writing the report")?;
        }
    }
    let code = report.exit_code();
    Ok(if done.trouble { 1 } else { code })
}

/// Runs one of the three modes and returns its report unwritten (the
/// path `plan`, `drift`, `apply` and `report` share).
pub fn execute(
    inv_path: &Path,
    mode: Mode,
    args: &CommonArgs,
    apply: Option<&ApplyArgs>,
) -> Result<Executed> {
    // Before the inventory's CA is unlocked or any host is reached.
    refuse_unattended(mode, apply, std::io::stdin().is_terminal())?;
    let inv = Arc::new(load(inv_path)?);
    for w in &inv.warnings {
        eprintln!("{w}");
    }
    let hosts = super::select::hosts(&inv, args.targets.limit.as_deref())?;
    let timeout = Duration::from_secs(args.reading.command_timeout);
    let ctx = match &args.reading.credential {
        Some(dir) => crate::drift_access::context::read_only(&inv, mode, timeout, dir)?,
        None => crate::engine::context::RunContext::new(&inv, timeout)?,
    };
    // apply records events; every mode delivers what earlier runs queued
    // and completes the intents of runs that died (a read-only run whose
    // local log cannot be opened only warns).
    let reporter = match mode {
        Mode::Apply => Some(crate::events::Reporter::new(&inv, &ctx)?),
        _ => match crate::events::Reporter::new(&inv, &ctx) {
            Ok(r) => Some(r),
            Err(e) => {
                crate::warn::say(
                    crate::warn::Code::EventsUnchecked,
                    format!("events of earlier runs not checked: {e}"),
                );
                None
            }
        },
    };
    let opts = Arc::new(Options {
        jobs: args.targets.jobs as usize,
        rollback_after: Duration::from_secs(apply.map(|a| a.rollback_after).unwrap_or(30)),
        preflight: !apply.is_some_and(|a| a.no_preflight),
        client: ctx.client.clone(),
        run_id: ctx.run_id.clone(),
        ca: ctx.ca.clone(),
        lock_wait: match (mode, apply) {
            (Mode::Apply, Some(a)) => Some(Duration::from_secs(a.lock_wait)),
            _ => None,
        },
        owner: crate::engine::hostlock::owner_line(
            &ctx.run_id,
            &crate::engine::context::local_user(),
        ),
        read_only: args.reading.credential.is_some(),
    });
    let api_timeout = Duration::from_secs(args.reading.command_timeout.clamp(1, 300));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let started = Instant::now();
    let started_at = now_rfc3339();
    let ui = super::progress::Ui::new(
        hosts.iter().map(|&i| inv.hosts[i].name.clone()).collect(),
        args.reading.no_progress,
    );
    let mut plan = None;
    let mut probes = Vec::new();
    let mut reads = Vec::new();
    let mut spans = Vec::new();
    let reports = rt.block_on(async {
        ctx.watch_signals();
        match &reporter {
            Some(r) => r.flush().await,
            None => crate::events::flush_only(&inv).await,
        }
        let phase_one = run::check_all(inv.clone(), &hosts, opts.clone(), ui.clone()).await;
        let provider =
            provider_all::check_apply_all(&inv, &hosts, ctx.ca.as_deref(), api_timeout, false)
                .await;
        let reporter = match (mode, &reporter) {
            (Mode::Apply, Some(r)) => r,
            _ => {
                if mode == Mode::Plan {
                    plan = Some(plan_summary(&inv, &phase_one, &provider));
                }
                let mut out = Vec::new();
                let mut open = Vec::new();
                for r in phase_one {
                    match r {
                        Ok(c) => {
                            let rep = c.report(&inv);
                            probes.extend(c.controls.iter().map(|s| model::ProbeRecord {
                                host: rep.host.clone(),
                                control: s.control.id().to_string(),
                                probes: s.probes.clone(),
                            }));
                            spans.push((rep.host.clone(), c.read_span()));
                            out.push(rep);
                            open.push(c);
                        }
                        Err(rep) => out.push(rep),
                    }
                }
                run::Checked::close_all(open).await;
                reads = provider::reads(&provider);
                provider::merge(&inv, &mut out, provider);
                return Ok(out);
            }
        };
        let provider_pending: Vec<usize> = provider
            .iter()
            .filter(|h| h.needs_apply())
            .map(|h| h.index)
            .collect();
        let host_pending: Vec<usize> = phase_one
            .iter()
            .flatten()
            .filter(|c| c.needs_apply())
            .map(|c| c.index)
            .collect();
        let pending = host_pending
            .iter()
            .chain(
                provider_pending
                    .iter()
                    .filter(|i| !host_pending.contains(i)),
            )
            .count();
        if pending > 0 && !apply.is_some_and(|a| a.yes) {
            let mut hosts: Vec<model::HostReport> = phase_one
                .iter()
                .map(|r| match r {
                    Ok(c) => c.report(&inv),
                    Err(rep) => rep.clone(),
                })
                .collect();
            let plan = plan_summary(&inv, &phase_one, &provider);
            provider::merge(&inv, &mut hosts, provider.clone());
            let preview = model::Report {
                format_version: model::FORMAT_VERSION,
                harden_version: env!("CARGO_PKG_VERSION"),
                command: "plan",
                inventory: inv.source.path.display().to_string(),
                inventory_sha256: String::new(),
                started: started_at.clone(),
                duration_ms: 0,
                hosts,
                plan: Some(plan),
                probes: Vec::new(),
                api_reads: Vec::new(),
                host_times: Vec::new(),
            };
            let confirmed = confirm(&preview, pending) && !run::stopping();
            if !confirmed {
                run::Checked::close_all(phase_one.into_iter().flatten().collect()).await;
                bail!("not applied: confirmation declined (pass --yes to apply without asking)");
            }
            return apply_hosts_then_provider(
                &inv,
                reporter,
                phase_one,
                &opts,
                &ui,
                &ctx,
                &provider_pending,
                provider,
                api_timeout,
            )
            .await;
        }
        apply_hosts_then_provider(
            &inv,
            reporter,
            phase_one,
            &opts,
            &ui,
            &ctx,
            &provider_pending,
            provider,
            api_timeout,
        )
        .await
    });
    ui.finish();
    drop(rt);
    let hosts_reports = reports?;
    // When each host was read: its SSH phase widened by its API reads.
    let host_times = hosts_reports
        .iter()
        .filter_map(|h| {
            let ssh = spans.iter().find(|(n, _)| n == &h.host).and_then(|s| s.1);
            report::reads::host_time(&h.host, ssh, &reads)
        })
        .collect();
    let report = model::Report {
        format_version: model::FORMAT_VERSION,
        harden_version: env!("CARGO_PKG_VERSION"),
        command: match mode {
            Mode::Plan => "plan",
            Mode::Drift => "drift",
            Mode::Apply => "apply",
        },
        inventory: inv.source.path.display().to_string(),
        inventory_sha256: model::sha256_hex(&inv.source.text),
        started: started_at,
        duration_ms: started.elapsed().as_millis() as u64,
        hosts: hosts_reports,
        plan,
        probes,
        host_times,
        api_reads: reads,
    };
    let trouble = reporter.is_some_and(|r| r.trouble());
    Ok(Executed {
        report,
        inv,
        trouble,
    })
}

/// Phase two of apply: the hosts' changes (write-ahead intent first), then
/// the provider changes of `provider_pending` (their own intent first,
/// from phase one's provider plans in `provider`, which also holds the
/// plan-only outcomes of the other hosts).
#[allow(clippy::too_many_arguments)]
async fn apply_hosts_then_provider(
    inv: &Arc<Inventory>,
    reporter: &crate::events::Reporter,
    phase_one: Vec<run::PhaseOne>,
    opts: &Arc<Options>,
    ui: &Arc<super::progress::Ui>,
    ctx: &crate::engine::context::RunContext,
    provider_pending: &[usize],
    provider: Vec<provider_all::HostOutcomes>,
    api_timeout: Duration,
) -> Result<Vec<model::HostReport>> {
    crate::events::pause::at("phase-one").await;
    let planned = crate::events::apply::planned(inv, &phase_one);
    let mut reports = if planned.is_empty() || run::stopping() {
        close_unchanged(inv, phase_one).await
    } else {
        // Write-ahead: the intent is on record before any host changes.
        let intent = match record_intent(reporter, inv, &planned, &ctx.run_id).await {
            Ok(i) => i,
            Err(e) => {
                run::Checked::close_all(phase_one.into_iter().flatten().collect()).await;
                bail!("not applied: {e}");
            }
        };
        let phase_one = refuse(inv, phase_one, &intent.refused).await;
        crate::events::pause::at("intent").await;
        let reports =
            crate::engine::apply::apply_all(inv.clone(), phase_one, opts.clone(), ui.clone()).await;
        crate::events::pause::at("phase-two").await;
        record_apply(reporter, inv, &planned, &reports, &intent.id, &ctx.run_id).await;
        reports
    };
    let (pending, rest): (Vec<_>, Vec<_>) = provider
        .into_iter()
        .partition(|h| provider_pending.contains(&h.index));
    provider::merge(inv, &mut reports, rest);
    if provider_pending.is_empty() {
        return Ok(reports);
    }
    if run::stopping() {
        provider::merge(inv, &mut reports, pending);
        return Ok(reports);
    }
    // A host whose own change was rolled back (or failed after changing
    // something) keeps its provider objects as they are: the two layers
    // stay as they were before this run, and the next apply does both.
    let (pending, held) = provider::hold_back(&reports, inv, pending);
    provider::note_held(inv, &mut reports, &held);
    provider::merge(inv, &mut reports, held);
    if pending.is_empty() {
        return Ok(reports);
    }
    // The plan read in phase one is the intent; the apply reads again
    // before each call it makes.
    let todo: Vec<&provider_all::HostOutcomes> = pending.iter().collect();
    let intent = match provider::record_intent(reporter, inv, &todo, &ctx.run_id).await {
        Ok(id) => id,
        Err(e) => {
            for r in reports
                .iter_mut()
                .filter(|r| todo.iter().any(|h| inv.hosts[h.index].name == r.host))
            {
                r.status = model::HostStatus::Failed;
                r.error = Some(format!("not changed at the provider: {e}"));
            }
            provider::merge(inv, &mut reports, pending);
            return Ok(reports);
        }
    };
    let targets: Vec<usize> = todo.iter().map(|h| h.index).collect();
    let done =
        provider_all::check_apply_all(inv, &targets, ctx.ca.as_deref(), api_timeout, true).await;
    provider::record_done(reporter, inv, &done, &intent, &ctx.run_id).await;
    provider::merge(inv, &mut reports, done);
    Ok(reports)
}

/// `plan`'s counts of the hosts phase one checked.
fn plan_summary(
    inv: &Inventory,
    phase_one: &[run::PhaseOne],
    provider: &[provider_all::HostOutcomes],
) -> PlanSummary {
    let mut hosts: Vec<HostPlan> = phase_one
        .iter()
        .flatten()
        .map(|c| HostPlan::of(&inv.hosts[c.index].name, c.controls.iter().map(|s| &s.plan)))
        .collect();
    provider::add_to_plan(inv, &mut hosts, provider);
    PlanSummary::new(hosts)
}

/// The read-only reports of phase one, connections closed.
async fn close_unchanged(inv: &Inventory, phase_one: Vec<run::PhaseOne>) -> Vec<model::HostReport> {
    let mut out = Vec::new();
    let mut open = Vec::new();
    for r in phase_one {
        match r {
            Ok(c) => {
                let mut rep = c.report(inv);
                if c.needs_apply() {
                    rep.status = model::HostStatus::Failed;
                    rep.error = Some(format!("not applied: {}", run::INTERRUPTED));
                }
                out.push(rep);
                open.push(c);
            }
            Err(rep) => out.push(rep),
        }
    }
    run::Checked::close_all(open).await;
    out
}

/// The one message of an `apply` that cannot ask: no `--yes` and stdin
/// is not a terminal. Checked first, so nothing is connected or unlocked.
pub const UNATTENDED: &str =
    "refusing to apply without --yes: stdin is not a terminal, so harden cannot ask for confirmation (nothing was connected or changed)";

/// Refuses an `apply` that could only end at the confirmation prompt.
pub fn refuse_unattended(mode: Mode, apply: Option<&ApplyArgs>, stdin_tty: bool) -> Result<()> {
    if mode == Mode::Apply && !apply.is_some_and(|a| a.yes) && !stdin_tty {
        bail!(UNATTENDED);
    }
    Ok(())
}

fn confirm(preview: &model::Report, pending: usize) -> bool {
    let mut err = std::io::stderr();
    let _ = report::text::write(preview, false, &mut err);
    eprint!("\nApply these changes to {pending} host(s)? Only 'yes' is accepted: ");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).is_ok() && answer.trim() == "yes"
}

#[cfg(test)]
mod tests {
    use crate::cli::{Cli, Command};
    use clap::Parser;

    #[test]
    fn apply_flags() {
        let c = Cli::try_parse_from([
            "harden",
            "apply",
            "--yes",
            "--limit",
            "otc-*",
            "--jobs",
            "4",
            "--rollback-after",
            "5",
        ])
        .unwrap();
        let Command::Apply(a) = c.command else {
            panic!("not apply")
        };
        assert!(a.yes);
        assert_eq!(a.common.targets.limit.as_deref(), Some("otc-*"));
        assert_eq!((a.common.targets.jobs, a.rollback_after), (4, 5));
        assert!(Cli::try_parse_from(["harden", "apply", "--rollback-after", "1"]).is_err());
        assert!(Cli::try_parse_from(["harden", "drift", "--jobs", "0"]).is_err());
    }

    #[test]
    fn apply_off_a_terminal_needs_yes() {
        use super::{refuse_unattended, Mode};
        let parse = |args: &[&str]| match Cli::try_parse_from(args).unwrap().command {
            Command::Apply(a) => a,
            _ => panic!("not apply"),
        };
        let no = parse(&["harden", "apply"]);
        let yes = parse(&["harden", "apply", "--yes"]);
        assert!(refuse_unattended(Mode::Apply, Some(&no), false).is_err());
        assert!(refuse_unattended(Mode::Apply, Some(&no), true).is_ok());
        assert!(refuse_unattended(Mode::Apply, Some(&yes), false).is_ok());
        assert!(refuse_unattended(Mode::Drift, None, false).is_ok());
    }

    #[test]
    fn drift_formats() {
        for f in ["text", "json", "junit", "html"] {
            assert!(
                Cli::try_parse_from(["harden", "drift", "--format", f]).is_ok(),
                "{f}"
            );
        }
        assert!(Cli::try_parse_from(["harden", "drift", "--format", "yaml"]).is_err());
    }
}
