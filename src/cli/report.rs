//! `harden report`: the evidence report, per TOM measure and host.
//!
//! Without `--from` it runs a fresh drift (the same path as `harden
//! drift`, [`super::run::execute`]); with `--from` it reads a saved
//! `harden drift --format json` file, which must have been made from the
//! inventory given now (same SHA-256). Exit codes: 0 every checked measure
//! holds, 2 a measure drifts, 1 an error or a host that could not be
//! checked (the report is still written).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::report::evidence::{self, saved::Run};
use crate::report::model;

/// Report formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum EvidenceFormat {
    /// One self-contained HTML file (A4 print).
    Html,
    /// Markdown.
    Md,
    /// The documented JSON schema (docs/report.md).
    Json,
}

/// Flags of `report`. The run flags are `drift`'s own
/// ([`super::run::Targets`], [`super::run::Reading`]), with the help of
/// `--limit` and `--credential` saying they serve the fresh run only.
#[derive(Debug, Clone, clap::Args)]
#[command(mut_args(fresh_run_help))]
pub struct Args {
    /// Report format.
    #[arg(long, value_enum, default_value_t = EvidenceFormat::Html)]
    pub format: EvidenceFormat,
    /// Read a saved `harden drift --format json` file instead of running.
    #[arg(long, conflicts_with = "limit")]
    pub from: Option<PathBuf>,
    /// Write the report to this file instead of stdout.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Which hosts (fresh run only).
    #[command(flatten)]
    pub targets: super::run::Targets,
    /// How they are read (fresh run only).
    #[command(flatten)]
    pub reading: super::run::Reading,
}

/// The help of `--limit` and `--credential` in `report`: they serve the
/// fresh run only (changed in place, so the flags keep their order).
fn fresh_run_help(a: clap::Arg) -> clap::Arg {
    match a.get_id().as_str() {
        "limit" => a.help("Only these hosts: comma-separated names or globs (fresh run only)"),
        "credential" => a.help(
            "Read-only drift credential directory (`harden ca sign-drift`) for the fresh run \
             (ignored with `--from`): no CA passphrase needed",
        ),
        _ => a,
    }
}

/// Runs `report`; returns the exit code.
pub fn run(inv_path: &Path, a: &Args) -> Result<u8> {
    let (run, inv, trouble, source) = match &a.from {
        None => {
            let common = super::run::CommonArgs {
                targets: a.targets.clone(),
                format: crate::report::Format::Json,
                output: None,
                verbose: false,
                reading: a.reading.clone(),
            };
            let done =
                super::run::execute(inv_path, crate::engine::run::Mode::Drift, &common, None)?;
            let run = Run::from_report(&done.report).map_err(|e| anyhow::anyhow!("{e}"))?;
            (run, done.inv, done.trouble, "fresh")
        }
        Some(p) => {
            let run = Run::read(p)?;
            let inv = std::sync::Arc::new(super::run::load(inv_path)?);
            let have = model::sha256_hex(&inv.source.text);
            if run.inventory_sha256.is_empty() {
                crate::warn::say(
                    crate::warn::Code::ReportUnanchored,
                    format!(
                        "{}: inventory_sha256 not recorded (an older harden); the report cannot prove which inventory was checked",
                        p.display()
                    ),
                );
            } else if run.inventory_sha256 != have {
                anyhow::bail!(
                    "{}: inventory_sha256: the drift run checked another inventory ({}) than {} ({have})",
                    p.display(),
                    run.inventory_sha256,
                    inv_path.display()
                );
            }
            (run, inv, false, "saved")
        }
    };
    let ca = super::offline_ca(&inv)?;
    let ev = evidence::build(&run, &inv, ca.as_ref(), source).map_err(|e| match &a.from {
        Some(p) => anyhow::anyhow!("{}: {e}", p.display()),
        None => anyhow::anyhow!("{e}"),
    })?;
    let svg = match a.format {
        EvidenceFormat::Html => crate::report::reach::svg(&inv).unwrap_or_else(|e| {
            crate::warn::say(
                crate::warn::Code::ReportNoPicture,
                format!("no reachability picture: {e}"),
            );
            String::new()
        }),
        _ => String::new(),
    };
    let write = |w: &mut dyn std::io::Write| match a.format {
        EvidenceFormat::Json => evidence::write_json(&ev, w),
        EvidenceFormat::Md => evidence::md::write(&ev, w),
        EvidenceFormat::Html => evidence::html::write(&ev, &svg, w),
    };
    match &a.output {
        Some(p) => {
            let mut f = std::fs::File::create(p)
                .with_context(|| format!("creating report file {}", p.display()))?;
            write(&mut f).with_context(|| format!("writing {}", p.display()))?;
            let s = &ev.summary;
            eprintln!(
                "{} measures: {} hold, {} drift, {} not checked, {} not applicable; {} outside harden",
                s.measures, s.holding, s.drifting, s.not_checked, s.not_applicable, s.outside
            );
        }
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            write(&mut lock).context("writing the report")?;
        }
    }
    Ok(if trouble { 1 } else { ev.exit_code() })
}

#[cfg(test)]
mod tests {
    use crate::cli::{Cli, Command};
    use clap::Parser;

    #[test]
    fn report_flags() {
        let c = Cli::try_parse_from(["harden", "report", "--format", "md", "--from", "d.json"])
            .unwrap();
        let Command::Report(a) = c.command else {
            panic!("not report")
        };
        assert_eq!(a.format, super::EvidenceFormat::Md);
        assert_eq!(a.from.as_deref(), Some(std::path::Path::new("d.json")));
        let c = Cli::try_parse_from(["harden", "report"]).unwrap();
        let Command::Report(a) = c.command else {
            panic!("not report")
        };
        assert_eq!(a.format, super::EvidenceFormat::Html);
        assert!(Cli::try_parse_from(["harden", "report", "--format", "text"]).is_err());
        assert!(
            Cli::try_parse_from(["harden", "report", "--from", "d.json", "--limit", "x"]).is_err(),
            "--limit only for a fresh run"
        );
    }

    #[test]
    fn the_shared_run_flags_keep_report_s_own_help_and_order() {
        use clap::CommandFactory;
        let cmd = Cli::command();
        let sub = cmd.find_subcommand("report").expect("report");
        let help = |id: &str| {
            sub.get_arguments()
                .find(|a| a.get_id() == id)
                .and_then(|a| a.get_help().map(|h| h.to_string()))
                .unwrap_or_default()
        };
        assert!(
            help("limit").ends_with("(fresh run only)"),
            "{}",
            help("limit")
        );
        assert!(help("credential").contains("ignored with `--from`"));
        let drift = cmd.find_subcommand("drift").expect("drift");
        let order = |c: &clap::Command| -> Vec<String> {
            c.get_arguments().map(|a| a.get_id().to_string()).collect()
        };
        assert_eq!(
            order(sub),
            [
                "format",
                "from",
                "output",
                "limit",
                "jobs",
                "no_progress",
                "command_timeout",
                "credential"
            ]
        );
        assert_eq!(
            order(drift),
            [
                "limit",
                "jobs",
                "format",
                "output",
                "verbose",
                "no_progress",
                "command_timeout",
                "credential"
            ]
        );
    }
}
