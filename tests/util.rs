//! Test helpers: a lab per test and a builder for running the real binary.
//!
//! `TestLab::new` brings up namespace hosts (see `harden::lab`), writes the
//! inventory and tears everything down on drop, even when the test panics.
//! `Run` holds one command's result; its assertions print stdout and stderr
//! as framed blocks so a failing CI log shows what harden said.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use harden::lab::{Lab, Reach};

mod ca_lab;
mod tls;
mod webhook;
pub use ca_lab::{ca_inventory, ca_lab};
pub use webhook::{report_toml, Receiver, TOKEN};

/// The CA passphrase every lab test uses.
pub const CA_PASSPHRASE: &str = "lab passphrase, not a secret";

/// Waits until `cond` holds, polling every 50 ms; panics naming `what`
/// once `limit` has passed. Tests wait on conditions, never on sleeps.
#[track_caller]
pub fn wait_until(what: &str, limit: Duration, mut cond: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Path of the harden binary under test.
pub fn harden_bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_harden"))
}

/// Path of the lab tool.
pub fn lab_tool() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_harden-lab"))
}

/// Lab tests need root (namespaces, mounts); say so plainly.
pub fn require_root() {
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    assert_eq!(
        uid, 0,
        "lab tests need root (network and mount namespaces); run them as root, as .ci/run does"
    );
}

/// The result of one command.
pub struct Run {
    /// What ran.
    pub what: String,
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    fn frame(&self) -> String {
        format!(
            "command: {}\nexit: {}\n----- stdout -----\n{}\n----- stderr -----\n{}\n------------------",
            self.what, self.code, self.stdout, self.stderr
        )
    }

    /// Asserts the exit code.
    #[track_caller]
    pub fn code(&self, want: i32) -> &Self {
        assert_eq!(self.code, want, "unexpected exit code\n{}", self.frame());
        self
    }

    /// Asserts stdout or stderr contains `needle`.
    #[track_caller]
    pub fn says(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle) || self.stderr.contains(needle),
            "output lacks `{needle}`\n{}",
            self.frame()
        );
        self
    }

    /// Asserts neither stream contains `needle`.
    #[track_caller]
    pub fn never_says(&self, needle: &str) -> &Self {
        assert!(
            !self.stdout.contains(needle) && !self.stderr.contains(needle),
            "output unexpectedly contains `{needle}`\n{}",
            self.frame()
        );
        self
    }

    /// Parses stdout as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON: {e}\n{}", self.frame()))
    }
}

/// Runs a command and captures it.
pub fn run(mut cmd: Command) -> Run {
    let what = format!("{cmd:?}");
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    Run {
        what,
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `harden` locally (no namespace) with `args`.
pub fn harden_local(args: &[&str]) -> Run {
    let mut c = Command::new(harden_bin());
    c.args(args).env_remove("HARDEN_INVENTORY");
    run(c)
}

/// A lab plus its inventory.
pub struct TestLab {
    /// The lab.
    pub lab: Lab,
    /// The inventory file.
    pub inv: PathBuf,
}

/// Standard three-host estate used by most tests (`{defaults}` is replaced).
pub use harden::lab::ESTATE;

/// Two hosts, for tests that need a second host only to show it is left
/// alone (fewer hosts keep the lab tests quick on small CI machines).
pub const PAIR: &str = r#"{defaults}
[[hosts]]
name = "otc-db-1"
address = "10.213.0.11"
extra_addresses = ["fd00:213::11"]
provider = "telekom"
environment = "production"
tenant = "clinic-a"
roles = ["data"]
disks = []
allow = [ { port = 5432, from = ["otc-app-1"] } ]

[[hosts]]
name = "otc-app-1"
address = "10.213.0.12"
extra_addresses = ["fd00:213::12"]
provider = "telekom"
environment = "production"
tenant = "clinic-a"
roles = ["app"]
allow = [ { port = 8443, from = ["otc-db-1"] } ]
"#;

impl TestLab {
    /// The two-host estate ([`PAIR`]) plus `extra` inventory text.
    pub fn pair(extra: &str) -> TestLab {
        Self::new(&["otc-db-1", "otc-app-1"], &format!("{PAIR}{extra}"))
    }

    /// Brings up `hosts` and writes `inventory` (with `{defaults}` filled in).
    pub fn new(hosts: &[&str], inventory: &str) -> TestLab {
        require_root();
        let lab = Lab::up(hosts).unwrap_or_else(|e| panic!("{e}"));
        let inv = lab.write_inventory(
            "inventory.toml",
            &inventory.replace("{defaults}", &lab.defaults_toml()),
        );
        TestLab { lab, inv }
    }

    /// The three-host estate.
    pub fn estate() -> TestLab {
        Self::new(&["otc-db-1", "otc-app-1", "hz-gw-1"], ESTATE)
    }

    /// Writes another inventory next to the first and returns its path.
    pub fn inventory(&self, name: &str, text: &str) -> PathBuf {
        self.lab
            .write_inventory(name, &text.replace("{defaults}", &self.lab.defaults_toml()))
    }

    /// Runs harden from the controller namespace with the main inventory.
    pub fn harden(&self, args: &[&str]) -> Run {
        self.harden_with(&self.inv, args)
    }

    /// Runs harden from the controller namespace with inventory `inv`.
    pub fn harden_with(&self, inv: &Path, args: &[&str]) -> Run {
        let mut c = self.lab.cmd_in(&self.lab.controller_ns(), harden_bin());
        c.arg("-i")
            .arg(inv)
            .args(args)
            .env_remove("HARDEN_INVENTORY")
            .env("HARDEN_CA_PASSPHRASE", CA_PASSPHRASE);
        run(c)
    }

    /// The estate with `otc-db-1`'s controller source moved to an address
    /// harden does not have, so an apply cuts harden off (written beside
    /// `estate`, which must hold the estate's `otc-db-1` entry).
    pub fn cut_off_inventory(&self, estate: &str) -> PathBuf {
        let text = estate.replace(
            "[[hosts]]\nname = \"otc-db-1\"",
            "[[hosts]]\ncontroller_sources = [\"10.213.0.99\"]\nname = \"otc-db-1\"",
        );
        assert_ne!(text, estate, "the estate has otc-db-1's entry");
        self.inventory("bad.toml", &text)
    }

    /// `apply` of `otc-db-1` alone, without the preflight, with a 5 s
    /// rollback timer, as JSON: the run a cut-off inventory rolls back.
    pub fn apply_rolling_back(&self, inv: &Path) -> Run {
        self.harden_with(
            inv,
            &[
                "apply",
                "--yes",
                "--limit",
                "otc-db-1",
                "--no-preflight",
                "--rollback-after",
                "5",
                "--format",
                "json",
            ],
        )
    }

    /// Runs the real `ssh` client from namespace `ns` as `user@addr` with
    /// key `key` (and its `-cert.pub`, if present), running `cmd`.
    pub fn ssh(&self, ns: &str, key: &Path, user: &str, addr: &str, cmd: &str) -> Run {
        self.ssh_opts(ns, key, user, addr, cmd, &[])
    }

    /// Like [`TestLab::ssh`] with extra `-o` options.
    pub fn ssh_opts(
        &self,
        ns: &str,
        key: &Path,
        user: &str,
        addr: &str,
        cmd: &str,
        opts: &[&str],
    ) -> Run {
        let mut c = self.lab.cmd_in(ns, "ssh");
        for o in opts {
            c.args(["-o", o]);
        }
        c.args([
            "-F",
            "/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=4",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
        ])
        .arg(format!(
            "UserKnownHostsFile={}",
            self.lab.known_hosts().display()
        ))
        .arg("-i")
        .arg(key)
        .arg(format!("{user}@{addr}"))
        .arg(cmd);
        run(c)
    }

    /// Creates an ed25519 key pair in the lab directory; returns the
    /// private key path and the public key line.
    pub fn keypair(&self, name: &str) -> (PathBuf, String) {
        let p = self.lab.dir.join(name);
        let mut c = Command::new("ssh-keygen");
        c.args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
            .arg(&p);
        run(c).code(0);
        let public =
            std::fs::read_to_string(p.with_extension("pub")).unwrap_or_else(|e| panic!("{e}"));
        (p, public.trim().to_string())
    }

    /// Runs a shell command inside a host and returns stdout (panics on failure).
    pub fn on(&self, host: &str, script: &str) -> String {
        self.lab
            .host(host)
            .sh_ok(script)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// TCP reachability from namespace `ns`.
    pub fn reach(&self, ns: &str, addr: &str, port: u16) -> Reach {
        self.lab
            .tcp_probe(lab_tool(), ns, addr, port, Duration::from_millis(1200))
    }

    /// The network namespace of a host.
    pub fn ns_of(&self, host: &str) -> String {
        self.lab.host(host).ns.clone()
    }

    /// Starts a listener inside `host`.
    pub fn listen(&self, host: &str, port: u16) {
        self.lab
            .listen(lab_tool(), host, port)
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

/// Drift findings `(host, check, item)` of a JSON report.
pub fn drifting(report: &serde_json::Value) -> Vec<(String, String, String)> {
    let mut v = Vec::new();
    for h in report["hosts"].as_array().into_iter().flatten() {
        for f in h["findings"].as_array().into_iter().flatten() {
            if f["status"] == "drift" {
                v.push((
                    f["host"].as_str().unwrap_or_default().to_string(),
                    f["check"].as_str().unwrap_or_default().to_string(),
                    f["item"].as_str().unwrap_or_default().to_string(),
                ));
            }
        }
    }
    v.sort();
    v
}

impl TestLab {
    /// Logs in over SSH from namespace `ns` as root with the lab key;
    /// true when the login worked.
    pub fn ssh_from(&self, ns: &str, addr: &str) -> bool {
        let mut c = self.lab.cmd_in(ns, "ssh");
        c.args(["-F", "/dev/null", "-i"])
            .arg(self.lab.key())
            .arg("-o")
            .arg(format!(
                "UserKnownHostsFile={}",
                self.lab.known_hosts().display()
            ))
            .args([
                "-o",
                "BatchMode=yes",
                "-o",
                "ConnectTimeout=3",
                &format!("root@{addr}"),
                "true",
            ]);
        run(c).code == 0
    }

    /// `harden maintenance open` (with the webhook token) on `hosts` for
    /// `duration` with `reason`.
    pub fn open_window(&self, hosts: &str, duration: &str, reason: &str) -> Run {
        self.harden_tok(&[
            "maintenance",
            "open",
            "--host",
            hosts,
            "--for",
            duration,
            "--reason",
            reason,
        ])
    }

    /// Processes left in the controller namespace (harden runs there).
    pub fn controller_pids(&self) -> Vec<u32> {
        harden::lab::net::pids(&self.lab.controller_ns())
    }
}
