//! `harden completions bash|zsh|fish`: shell completions generated from
//! the clap definitions, written to stdout (the Debian package installs
//! them under /usr/share/{bash-completion/completions,zsh/vendor-completions,fish/vendor_completions.d}).

use clap::CommandFactory;
use clap_complete::Shell;

/// Flags of `completions`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Sh,
}

/// The shells harden writes completions for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Sh {
    /// bash (bash-completion).
    Bash,
    /// zsh.
    Zsh,
    /// fish.
    Fish,
}

/// The completion script for `sh`.
pub fn script(sh: Sh) -> Vec<u8> {
    let shell = match sh {
        Sh::Bash => Shell::Bash,
        Sh::Zsh => Shell::Zsh,
        Sh::Fish => Shell::Fish,
    };
    let mut cmd = super::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "harden", &mut out);
    out
}

/// Writes the script to stdout.
pub fn run(a: &Args) -> anyhow::Result<u8> {
    use std::io::Write;
    std::io::stdout()
        .write_all(&script(a.shell))
        .map_err(|e| anyhow::anyhow!("writing the completions: {e}"))?;
    Ok(0)
}
