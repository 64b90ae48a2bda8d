//! Webhook and audit helpers for lab tests: the `[report]` table, the
//! token, harden run with it, the audit log and outbox paths, and a
//! receiver (`harden-lab receive`) in the controller namespace.

use std::path::PathBuf;
use std::time::Duration;

use super::{harden_bin, lab_tool, run, wait_until, Run, TestLab};

/// The `[report]` table for a receiver on the controller's loopback: one
/// attempt per delivery, so a receiver that is down costs no waiting.
pub fn report_toml(port: u16) -> String {
    format!(
        "\n[report]\nwebhook_url = \"http://127.0.0.1:{port}/hook\"\nretries = 0\ntimeout_secs = 5\n"
    )
}

/// The bearer token the tests give harden for the webhook.
pub const TOKEN: &str = "lab-token-123";

impl TestLab {
    /// Runs harden from the controller namespace with the webhook token set.
    pub fn harden_tok(&self, args: &[&str]) -> Run {
        let mut c = self.lab.cmd_in(&self.lab.controller_ns(), harden_bin());
        c.arg("-i")
            .arg(&self.inv)
            .args(args)
            .env_remove("HARDEN_INVENTORY")
            .env("HARDEN_WEBHOOK_TOKEN", TOKEN);
        run(c)
    }

    /// The local audit log (the inventory's default `[audit] log`).
    pub fn audit_log(&self) -> PathBuf {
        self.lab.dir.join(".harden/audit.jsonl")
    }

    /// The outbox's queued files (the default `[report] outbox`).
    pub fn outbox(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(self.lab.dir.join(".harden/outbox"))
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "json"))
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }
}

/// A webhook receiver (`harden-lab receive`) in the controller namespace.
pub struct Receiver {
    child: Option<std::process::Child>,
    /// The file it appends requests to.
    pub out: PathBuf,
}

impl Receiver {
    /// Starts it on 127.0.0.1:`port` of the controller namespace, answering
    /// 500 to the first `fail_first` requests; waits (bounded) until it
    /// listens.
    pub fn start(t: &TestLab, port: u16, fail_first: u32) -> Receiver {
        let out = t.lab.dir.join(format!("received-{port}.jsonl"));
        let _ = std::fs::remove_file(&out);
        let child = t
            .lab
            .cmd_in(&t.lab.controller_ns(), lab_tool())
            .args(["receive", "--port", &port.to_string(), "--out"])
            .arg(&out)
            .args(["--fail-first", &fail_first.to_string()])
            .spawn()
            .unwrap_or_else(|e| panic!("starting the receiver: {e}"));
        wait_until("the receiver to start", Duration::from_secs(5), || {
            out.exists()
        });
        Receiver {
            child: Some(child),
            out,
        }
    }

    /// The requests received so far, oldest first.
    pub fn requests(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad line {l}: {e}")))
            .collect()
    }

    /// The bodies of the requests answered 200.
    pub fn delivered(&self) -> Vec<serde_json::Value> {
        self.requests()
            .into_iter()
            .filter(|r| r["status"] == 200)
            .map(|r| r["body"].clone())
            .collect()
    }

    /// Stops it (a receiver that is down); its pid is killed once, before
    /// it is reaped, so no other process can be hit.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            harden::lab::kill_pid(c.id());
            let _ = c.wait();
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop();
    }
}
