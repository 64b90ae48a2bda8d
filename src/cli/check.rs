//! `harden check`: validate the inventory and render every host offline.

use std::path::Path;

use anyhow::Result;

use crate::controls::HostCtx;
use crate::engine::check::controls_for;
use crate::engine::facts::Facts;

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Treat warnings as errors.
    #[arg(long)]
    pub strict: bool,
}

/// Runs `check`.
pub fn run(inv_path: &Path, args: &Args) -> Result<u8> {
    let inv = super::run::load(inv_path)?;
    let ca = super::offline_ca(&inv)?;
    for w in &inv.warnings {
        eprintln!("{w}");
    }
    let mut errors = 0;
    for host in &inv.hosts {
        let ctx = HostCtx {
            inv: &inv,
            host,
            ca: ca.as_ref(),
        };
        for c in controls_for(&ctx) {
            if let Err(e) = c.desired(&ctx, &Facts::assumed()) {
                eprintln!(
                    "{}: error[render]: {}: {}: {e}",
                    inv.source.path.display(),
                    host.name,
                    c.id()
                );
                errors += 1;
            }
        }
    }
    // A configured CA that does not exist yet was warned about by offline_ca.
    let warnings = inv.warnings.len() + usize::from(inv.ca.is_some() && ca.is_none());
    if errors > 0 || (args.strict && warnings > 0) {
        eprintln!(
            "inventory {} is not usable: {errors} render error(s), {} warning(s)",
            inv.source.path.display(),
            warnings
        );
        return Ok(1);
    }
    println!(
        "inventory {} is valid: {} hosts, {} warning(s)",
        inv.source.path.display(),
        inv.hosts.len(),
        warnings
    );
    Ok(0)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    #[test]
    fn parses() {
        let c = crate::cli::Cli::try_parse_from(["harden", "check", "--strict"]).unwrap();
        assert!(matches!(
            c.command,
            crate::cli::Command::Check(super::Args { strict: true })
        ));
    }
}
