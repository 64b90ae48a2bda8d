//! The `harden` binary: parse arguments, run, map the result to an exit
//! code. Errors are printed once, with their whole context chain.
//!
//! Exit codes (see `harden::cli::EXIT_CODES`): 0 clean, help and version;
//! 1 errors, usage errors included; 2 drift.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match harden::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout, usage errors to stderr; a
            // closed stream cannot be reported anywhere, so it is ignored.
            let _ = e.print();
            return ExitCode::from(harden::cli::usage_exit_code(e.kind()));
        }
    };
    let code = match harden::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("harden: {e:#}");
            1
        }
    };
    harden::warn::finish();
    ExitCode::from(code)
}
