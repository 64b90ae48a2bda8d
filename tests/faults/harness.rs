//! The harness of the fault-injection tests: harden in the background,
//! paused at a named point (`src/events/pause.rs`), and the checks every
//! fault ends with (nothing lost, nobody locked out, convergence).

use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use harden::events::reconcile::incomplete;

use crate::util::{harden_bin, report_toml, Receiver, Run, TestLab, TOKEN};

pub const DB: &str = "otc-db-1";
pub use harden::events::hostcopy::HOST_LOG;

pub use crate::util::wait_until;

/// A harden run started in the background.
pub struct Bg {
    child: Option<Child>,
    prefix: PathBuf,
}

impl Bg {
    /// Starts `harden args` in the controller namespace, pausing at `points`.
    pub fn start(t: &TestLab, name: &str, args: &[&str], points: &[&str]) -> Bg {
        let prefix = t.lab.dir.join(format!("pause-{name}"));
        let mut c = harden_cmd(t, name, args);
        c.env("HARDEN_TEST_PAUSE_AT", points.join(","))
            .env("HARDEN_TEST_PAUSE_FILE", &prefix)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let child = c.spawn().expect("spawn harden");
        Bg {
            child: Some(child),
            prefix,
        }
    }

    pub fn file(&self, point: &str) -> PathBuf {
        PathBuf::from(format!("{}.{point}", self.prefix.display()))
    }

    /// Waits until the run is paused at `point`.
    pub fn paused_at(&self, point: &str) {
        let f = self.file(point);
        wait_until(
            &format!("pause at {point}"),
            Duration::from_secs(120),
            || f.exists(),
        );
    }

    pub fn go(&self, point: &str) {
        std::fs::write(format!("{}.go", self.file(point).display()), "").expect("go");
    }

    pub fn signal(&self, sig: i32) {
        if let Some(c) = &self.child {
            // SAFETY: kill(2) on our own child, not yet reaped.
            unsafe { libc::kill(c.id() as i32, sig) };
        }
    }

    /// Waits for the run to end (bounded) and returns what it printed.
    pub fn wait(mut self, limit: Duration) -> Run {
        let mut c = self.child.take().expect("child");
        let t = Instant::now();
        while c.try_wait().expect("try_wait").is_none() {
            if t.elapsed() > limit {
                harden::lab::kill_pid(c.id());
                let _ = c.wait();
                panic!("harden did not end within {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let out = c.wait_with_output().expect("output");
        Run {
            what: "background harden".into(),
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Drop for Bg {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            harden::lab::kill_pid(c.id());
            let _ = c.wait();
        }
    }
}

/// Two hosts with a webhook receiver on `port`.
pub fn lab(port: u16) -> (TestLab, Receiver) {
    let t = TestLab::pair(&report_toml(port));
    let rx = Receiver::start(&t, port, 0);
    (t, rx)
}

/// Makes the db host's sshd (a guarded control) drift.
pub fn tamper(t: &TestLab) {
    t.on(DB, "echo '# tampered' >> /etc/ssh/sshd_config");
}

pub fn entries(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Counts and asserts: no incomplete intent, every local entry delivered
/// and in the copy of every host it names. Returns (entries, lost).
#[track_caller]
pub fn all_recorded(t: &TestLab, rx: &Receiver) -> (usize, usize) {
    let text = std::fs::read_to_string(t.audit_log()).expect("local audit log");
    let left = incomplete(&text);
    let local = entries(&text);
    let delivered: Vec<String> = rx
        .delivered()
        .iter()
        .filter_map(|b| b["id"].as_str().map(str::to_string))
        .collect();
    let mut lost = Vec::new();
    for host in [DB, "otc-app-1"] {
        let copy = t.on(host, &format!("cat {HOST_LOG} 2>/dev/null || true"));
        for e in local.iter().filter(|e| {
            e["hosts"]
                .as_array()
                .is_some_and(|h| h.iter().any(|x| x == host))
        }) {
            let id = e["id"].as_str().unwrap_or_default();
            let failed_nowhere = e["action"] != "maintenance-open-failed";
            if failed_nowhere && !copy.contains(id) {
                lost.push(format!("{} {id} not in {host}'s copy", e["action"]));
            }
        }
    }
    for e in &local {
        let id = e["id"].as_str().unwrap_or_default();
        if !delivered.iter().any(|d| d == id) {
            lost.push(format!("{} {id} not delivered", e["action"]));
        }
    }
    assert!(left.is_empty(), "incomplete intents: {left:?}");
    assert!(lost.is_empty(), "events lost: {lost:?}");
    assert!(t.outbox().is_empty(), "outbox not empty: {:?}", t.outbox());
    (local.len(), lost.len())
}

/// Runs harden in the foreground with the runtime directory of the
/// background run `name`, so it finds (and sweeps) what a dead run left.
pub fn harden_rt(t: &TestLab, name: &str, args: &[&str]) -> Run {
    crate::util::run(harden_cmd(t, name, args))
}

/// `harden args` in the controller namespace with the runtime directory
/// of run `name` (shared by a background run and the runs after it).
fn harden_cmd(t: &TestLab, name: &str, args: &[&str]) -> std::process::Command {
    let rt = t.lab.dir.join(format!("rt-{name}"));
    std::fs::create_dir_all(&rt).expect("runtime dir");
    let mut c = t.lab.cmd_in(&t.lab.controller_ns(), harden_bin());
    c.arg("-i")
        .arg(&t.inv)
        .args(args)
        .env_remove("HARDEN_INVENTORY")
        .env("HARDEN_WEBHOOK_TOKEN", TOKEN)
        .env("HARDEN_RUNTIME_DIR", &rt);
    c
}

/// harden still gets in (drift connects), and the next apply converges.
#[track_caller]
pub fn converges(t: &TestLab, name: &str) {
    let d = harden_rt(t, name, &["drift"]);
    assert!(d.code == 0 || d.code == 2, "locked out?\n{}", d.stderr);
    harden_rt(t, name, &["apply", "--yes", "--rollback-after", "3"]).code(0);
    harden_rt(t, name, &["drift"]).code(0);
}

pub fn rt_empty(t: &TestLab, name: &str) -> bool {
    std::fs::read_dir(t.lab.dir.join(format!("rt-{name}")))
        .map(|rd| rd.count() == 0)
        .unwrap_or(true)
}

/// ssh processes left in the controller namespace (masters).
pub fn ssh_left(t: &TestLab) -> Vec<u32> {
    t.controller_pids()
        .into_iter()
        .filter(|p| {
            std::fs::read_to_string(format!("/proc/{p}/comm")).is_ok_and(|c| c.trim() == "ssh")
        })
        .collect()
}
