//! Command-line interface: clap definitions and dispatch.
//!
//! Each subcommand lives in its own file with its arguments and a few
//! parsing tests. Arguments are parsed here without any I/O; the inventory
//! is loaded once in [`run`], and only `plan`, `drift`, `apply`,
//! `maintenance` and `audit verify --host` open connections.

pub mod audit;
pub mod ca;
pub mod check;
pub mod completions;
pub mod disk;
pub mod maintenance;
pub mod man;
pub mod passwd;
pub mod progress;
pub mod render;
pub mod report;
pub mod run;
pub mod select;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// `--version`: the package version and the git commit it was built
/// from (build.rs: `git rev-parse --short HEAD`, else `HARDEN_COMMIT`,
/// else "unknown").
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("HARDEN_COMMIT"),
    ")"
);

/// Exit codes, shown in `--help`.
pub const EXIT_CODES: &str = "Exit codes (every subcommand):
  0  everything is in sync, or was applied and verified; also --help, -h,
     `help` and --version (printed to stdout)
  1  harden could not do its job: a usage error (unknown flag or subcommand,
     missing or bad argument, no subcommand), bad inventory, unreachable host,
     failed or rolled-back change, internal error
  2  harden did its job and found something: drift (drift), changes to make (plan),
     a broken hash chain (audit verify); never a usage error";

/// The exit code for a command line clap did not turn into a [`Cli`]:
/// 0 when the user asked for help or the version (clap prints it to
/// stdout), 1 for every usage error (clap prints it to stderr). Clap's own
/// default, 2, is harden's "drift" code: a CI job would report a typo'd flag
/// as drift. A missing subcommand (`harden`, `harden maintenance`) prints
/// the help too, but to stderr, as a usage error.
pub fn usage_exit_code(kind: clap::error::ErrorKind) -> u8 {
    use clap::error::ErrorKind as K;
    match kind {
        K::DisplayHelp | K::DisplayVersion => 0,
        _ => 1,
    }
}

/// harden makes a company's security measures (GDPR Art. 32 TOM) true on
/// its servers and proves, every night, that they still are.
#[derive(Debug, Parser)]
#[command(name = "harden", version = VERSION, after_help = EXIT_CODES)]
pub struct Cli {
    /// Inventory file (TOML); relative paths inside it are relative to it.
    #[arg(
        short = 'i',
        long,
        env = "HARDEN_INVENTORY",
        default_value = "inventory.toml",
        global = true
    )]
    pub inventory: PathBuf,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the inventory and render every host offline (no network).
    Check(check::Args),
    /// Write every host's rendered files under a directory (no network).
    Render(render::Args),
    /// Show the changes apply would make, as unified diffs (read-only).
    Plan(run::CommonArgs),
    /// Report drift from the inventory (read-only; exit 2 on drift).
    Drift(run::CommonArgs),
    /// Make hosts match the inventory: validate, activate, verify.
    Apply(run::ApplyArgs),
    /// The SSH certificate authority: init, sign-user, revoke, rotate, ….
    Ca {
        /// What to do.
        #[command(subcommand)]
        cmd: ca::Cmd,
    },
    /// Open, close and list maintenance windows on the management port.
    Maintenance(maintenance::Args),
    /// Verify or show the tamper-evident audit log.
    Audit(audit::Args),
    /// Set up a new LUKS2 data volume on a declared, provably empty device.
    Disk(disk::Args),
    /// Generate random passwords of the length a host class needs.
    Passwd(passwd::Args),
    /// The evidence report per TOM measure (html, md, json; exit 2 on drift).
    Report(report::Args),
    /// Write shell completions (bash, zsh, fish) to stdout.
    Completions(completions::Args),
    /// Write the manual page harden(1), in roff, to stdout.
    Man,
}

/// The CA's public parts for offline commands. A CA that is configured but
/// not created yet is a warning there (rendering skips the certificate
/// files), not an error: `check` runs in CI before anyone holds the keys.
pub fn offline_ca(
    inv: &crate::inventory::Inventory,
) -> anyhow::Result<Option<crate::ca::CaRuntime>> {
    match crate::ca::CaRuntime::load(inv) {
        Ok(ca) => Ok(ca),
        Err(crate::ca::Error::Missing { path }) => {
            crate::warn::say(crate::warn::Code::CaMissing, format!(
                "{}: [ca] is configured but no CA exists in {} yet: run `harden ca init` before `apply`; certificate files are not rendered",
                inv.source.path.display(),
                path.display()
            ));
            Ok(None)
        }
        Err(e) => Err(anyhow::anyhow!("{e}")),
    }
}

/// Runs the parsed command and returns the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Check(a) => check::run(&cli.inventory, &a),
        Command::Render(a) => render::run(&cli.inventory, &a),
        Command::Plan(a) => run::run(&cli.inventory, crate::engine::run::Mode::Plan, &a, None),
        Command::Drift(a) => run::run(&cli.inventory, crate::engine::run::Mode::Drift, &a, None),
        Command::Ca { cmd } => ca::run(&cli.inventory, &cmd),
        Command::Apply(a) => run::run(
            &cli.inventory,
            crate::engine::run::Mode::Apply,
            &a.common,
            Some(&a),
        ),
        Command::Maintenance(a) => maintenance::run(&cli.inventory, &a),
        Command::Audit(a) => audit::run(&cli.inventory, &a),
        Command::Disk(a) => disk::run(&cli.inventory, &a),
        Command::Passwd(a) => passwd::run(&cli.inventory, &a),
        Command::Report(a) => report::run(&cli.inventory, &a),
        Command::Completions(a) => completions::run(&a),
        Command::Man => man::run(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inventory_flag_and_env() {
        let c = Cli::try_parse_from(["harden", "-i", "x.toml", "check"]).unwrap();
        assert_eq!(c.inventory, PathBuf::from("x.toml"));
        let c = Cli::try_parse_from(["harden", "drift", "--inventory", "y.toml"]).unwrap();
        assert_eq!(c.inventory, PathBuf::from("y.toml"));
        assert!(Cli::try_parse_from(["harden", "frobnicate"]).is_err());
    }

    /// Every way a command line can fail to parse: 0 exactly when clap
    /// prints to stdout (help or version the user asked for), else 1.
    #[test]
    fn usage_errors_exit_1_help_and_version_0() {
        let cases: [(&[&str], u8); 12] = [
            (&["harden", "--help"], 0),
            (&["harden", "-h"], 0),
            (&["harden", "help"], 0),
            (&["harden", "help", "drift"], 0),
            (&["harden", "drift", "--help"], 0),
            (&["harden", "--version"], 0),
            (&["harden", "-V"], 0),
            (&["harden"], 1),
            (&["harden", "maintenance"], 1),
            (&["harden", "--bogus", "drift"], 1),
            (&["harden", "frobnicate"], 1),
            (&["harden", "maintenance", "open", "--host", "db"], 1),
        ];
        for (args, want) in cases {
            let e = Cli::try_parse_from(args).expect_err("must not parse");
            let code = usage_exit_code(e.kind());
            assert_eq!(code, want, "{args:?}: {:?}", e.kind());
            assert_eq!(
                code == 0,
                !e.use_stderr(),
                "{args:?}: stream and code agree"
            );
            assert_ne!(code, 2, "{args:?}: 2 means drift");
        }
    }
}
