//! Test helper: runs a kind's script on this machine the way the engine
//! runs probes (LC_ALL=C, stdin closed, `$T` a private scratch dir), so the
//! tests can check that the real commands still print what the parsers
//! (and the fixtures) expect.

use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use super::{CmdOutput, Kind, KindError};

/// What a script printed, owned.
pub(crate) struct Ran {
    pub rc: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    pub fn out(&self) -> CmdOutput<'_> {
        CmdOutput {
            rc: self.rc,
            stdout: &self.stdout,
            stderr: &self.stderr,
        }
    }
}

/// A fresh private directory under the system temp dir.
pub(crate) fn scratch(tag: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("harden-kinds-{tag}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir(&d).expect("scratch dir");
    d
}

/// Runs `script` with sh; gives up (killing the shell by its pid) after 60 s.
pub(crate) fn run_script(script: &str) -> Ran {
    let t = scratch("t");
    let child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .env("LC_ALL", "C")
        .env("T", &t)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh runs");
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(o) => o.expect("sh output"),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            panic!("script did not finish in 60 s: {script}");
        }
    };
    let _ = std::fs::remove_dir_all(&t);
    Ran {
        rc: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs a kind's script here and parses what it printed.
pub(crate) fn run<K: Kind>(k: &K) -> Result<K::Value, KindError> {
    let r = run_script(&k.script());
    k.parse(&r.out())
}

/// Shorthand for a hand-made output.
pub(crate) fn out<'a>(rc: i32, stdout: &'a str, stderr: &'a str) -> CmdOutput<'a> {
    CmdOutput { rc, stdout, stderr }
}
