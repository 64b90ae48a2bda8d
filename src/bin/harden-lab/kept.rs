//! `harden-lab exec ID -- CMD…` and `harden-lab shell ID`: a command (or a
//! shell) in a kept lab's controller namespace, with the environment the
//! demo ran harden with: `HARDEN_INVENTORY` at the lab's inventory, the
//! recorded variables (the demo's CA passphrase) and this tool's directory
//! first on `PATH`, so `harden` is the binary built beside it.
//!
//! The provider fakes run only while the demo runs; the kept inventory has
//! no provider accounts, so every command works without them.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

fn tool_dir() -> Option<PathBuf> {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(PathBuf::from))
}

/// `ip netns exec <controller> program` with the lab's environment.
fn in_lab(id: &str, program: &str) -> Result<Command, String> {
    let (dir, st) = harden::lab::kept(id).map_err(|e| e.to_string())?;
    let mut c = Command::new("ip");
    c.args(["netns", "exec", &st.controller_ns, program]);
    if let Some(inv) = &st.inventory {
        c.env("HARDEN_INVENTORY", inv);
    }
    for (k, v) in &st.env {
        c.env(k, v);
    }
    let mut path =
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()).collect::<Vec<_>>();
    if let Some(d) = tool_dir() {
        path.insert(0, d);
    }
    if let Ok(p) = std::env::join_paths(path) {
        c.env("PATH", p);
    }
    c.env("HARDEN_LAB", id).current_dir(dir);
    Ok(c)
}

fn status(mut c: Command) -> ExitCode {
    match c.status() {
        Ok(s) => ExitCode::from(s.code().and_then(|c| u8::try_from(c).ok()).unwrap_or(1)),
        Err(e) => {
            eprintln!("harden-lab: {e}");
            ExitCode::from(1)
        }
    }
}

/// Runs `argv` in the lab; its exit code is ours.
pub fn exec(id: &str, argv: &[String]) -> ExitCode {
    let Some((program, args)) = argv.split_first() else {
        eprintln!("harden-lab exec: no command (harden-lab exec ID -- harden drift)");
        return ExitCode::from(1);
    };
    match in_lab(id, program) {
        Ok(mut c) => {
            c.args(args);
            status(c)
        }
        Err(e) => {
            eprintln!("harden-lab: {e}");
            ExitCode::from(1)
        }
    }
}

/// An interactive bash in the lab (reads commands from stdin when it is
/// not a terminal).
pub fn shell(id: &str) -> ExitCode {
    match in_lab(id, "bash") {
        Ok(mut c) => {
            c.args(["--noprofile", "--norc"])
                .env("PS1", format!("[lab {id}] \\w# "));
            status(c)
        }
        Err(e) => {
            eprintln!("harden-lab: {e}");
            ExitCode::from(1)
        }
    }
}

/// What `demo --keep` prints: the exact commands to continue.
pub fn next_steps(id: &str) -> String {
    let me = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "harden-lab".into());
    format!(
        "lab kept: {id}\n\
         The provider fakes stopped with the demo; the kept inventory has no provider accounts.\n\
         Continue with (as root):\n  \
         {me} exec {id} -- harden drift\n  \
         {me} exec {id} -- harden plan\n  \
         {me} shell {id}        # a shell in the controller namespace, harden on PATH\n  \
         {me} down {id}\n"
    )
}
