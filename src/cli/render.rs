//! `harden render --out DIR`: every host's files, offline.
//!
//! Files land under `DIR/<host>/<absolute path>`, so the tree can be
//! reviewed or diffed in a merge request. OpenSSH-dependent choices use the
//! assumed version (noted in the file); `plan` uses the host's real one.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::engine::check::offline;

/// Arguments of `render`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directory to write into (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Only these hosts (comma-separated names or globs).
    #[arg(long)]
    pub limit: Option<String>,
}

/// Runs `render`.
pub fn run(inv_path: &Path, args: &Args) -> Result<u8> {
    let inv = super::run::load(inv_path)?;
    let ca = super::offline_ca(&inv)?;
    let mut n = 0;
    for i in super::select::hosts(&inv, args.limit.as_deref())? {
        let host = &inv.hosts[i];
        for (c, planned) in offline(&inv, host, ca.as_ref()) {
            let d = planned.with_context(|| format!("{}: rendering {}", host.name, c.id()))?;
            for f in d.files() {
                let dst = args
                    .out
                    .join(&host.name)
                    .join(f.path.trim_start_matches('/'));
                if let Some(p) = dst.parent() {
                    std::fs::create_dir_all(p)
                        .with_context(|| format!("creating {}", p.display()))?;
                }
                std::fs::write(&dst, &f.content)
                    .with_context(|| format!("writing {}", dst.display()))?;
                n += 1;
            }
        }
    }
    println!("wrote {n} files under {}", args.out.display());
    Ok(0)
}
