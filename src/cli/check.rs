//! `harden check`: validate the inventory and render every host offline.
//!
//! Problems found after loading are located like load diagnostics: a CA
//! that cannot be opened at `ca.dir`, a render error at the host (`inv-ca`,
//! `inv-render`), capped like them.

use std::path::Path;

use anyhow::Result;

use crate::engine::check::offline;
use crate::inventory::{Diagnostic, Diags, KeyPath, Severity};

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
    let ca = super::offline_ca(&inv).map_err(|e| {
        let key = KeyPath::root().key("ca");
        let path = if inv.source.span_of(&key.key("dir")).is_some() {
            key.key("dir")
        } else {
            key
        };
        anyhow::anyhow!(
            "{}",
            Diagnostic::at(
                &inv.source,
                &path,
                "inv-ca",
                format!("the CA cannot be used: {e}"),
                "point [ca] dir (relative to the inventory) at the directory `harden ca init` created, or repair it as the message says",
            )
        )
    })?;
    for w in &inv.warnings {
        eprintln!("{w}");
    }
    if inv.warnings_omitted > 0 {
        eprintln!("… and {} more warning(s) not shown", inv.warnings_omitted);
    }
    let mut render = Diags::new();
    for host in &inv.hosts {
        for (c, planned) in offline(&inv, host, ca.as_ref()) {
            if let Err(e) = planned {
                let at = KeyPath::root().key("hosts").index(host.index);
                render.add(Severity::Error, || {
                    Diagnostic::at(
                        &inv.source,
                        &at,
                        "inv-render",
                        format!("host `{}`: control {}: {e}", host.name, c.id()),
                        "the inventory loads but this host's files cannot be rendered: change the host's settings the message names (`harden render --out DIR` shows the files of the other hosts)",
                    )
                });
            }
        }
    }
    eprint!("{render}");
    let errors = render.count(Severity::Error);
    // A configured CA that does not exist yet was warned about by offline_ca.
    let warnings =
        inv.warnings.len() + inv.warnings_omitted + usize::from(inv.ca.is_some() && ca.is_none());
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
