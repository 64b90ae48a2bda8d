//! The `harden` binary: parse arguments, run, map the result to an exit
//! code. Errors are printed once, with their whole context chain.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = harden::cli::Cli::parse();
    match harden::cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("harden: {e:#}");
            ExitCode::from(1)
        }
    }
}
