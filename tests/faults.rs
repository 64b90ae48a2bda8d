//! Fault injection on lab hosts: harden killed (SIGKILL, SIGTERM) at named
//! points of an apply and of `maintenance open`, a link cut while a change
//! waits for confirmation, two applies at once, a host whose audit copy
//! cannot be written. After each fault: harden still gets in (no lock-out),
//! the next apply converges (drift exits 0), and every change is in the
//! local audit log, in the host copy and delivered to management.
//!
//! harden stops at a point through its test hook (`HARDEN_TEST_PAUSE_AT`,
//! see `src/events/pause.rs`); the tests wait for the hook's file, never
//! for a fixed time. Each test prints a `faults:` line with its counts.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use harden::events::reconcile::incomplete;
use harden::lab::Reach;

use crate::util::{harden_bin, report_toml, Receiver, Run, TestLab, TOKEN};

const DB: &str = "otc-db-1";
const HOST_LOG: &str = "/var/log/harden/audit.jsonl";

/// Waits (bounded) until `cond` holds.
#[track_caller]
fn wait_until(what: &str, limit: Duration, mut cond: impl FnMut() -> bool) {
    let t = Instant::now();
    while !cond() {
        assert!(t.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A harden run started in the background.
struct Bg {
    child: Option<Child>,
    prefix: PathBuf,
}

impl Bg {
    /// Starts `harden args` in the controller namespace, pausing at `points`.
    fn start(t: &TestLab, name: &str, args: &[&str], points: &[&str]) -> Bg {
        let prefix = t.lab.dir.join(format!("pause-{name}"));
        let rt = t.lab.dir.join(format!("rt-{name}"));
        std::fs::create_dir_all(&rt).expect("runtime dir");
        let mut c = t.lab.cmd_in(&t.lab.controller_ns(), harden_bin());
        c.arg("-i")
            .arg(&t.inv)
            .args(args)
            .env_remove("HARDEN_INVENTORY")
            .env("HARDEN_WEBHOOK_TOKEN", TOKEN)
            .env("HARDEN_RUNTIME_DIR", &rt)
            .env("HARDEN_TEST_PAUSE_AT", points.join(","))
            .env("HARDEN_TEST_PAUSE_FILE", &prefix)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let child = c.spawn().expect("spawn harden");
        Bg {
            child: Some(child),
            prefix,
        }
    }

    fn file(&self, point: &str) -> PathBuf {
        PathBuf::from(format!("{}.{point}", self.prefix.display()))
    }

    /// Waits until the run is paused at `point`.
    fn paused_at(&self, point: &str) {
        let f = self.file(point);
        wait_until(
            &format!("pause at {point}"),
            Duration::from_secs(120),
            || f.exists(),
        );
    }

    fn go(&self, point: &str) {
        std::fs::write(format!("{}.go", self.file(point).display()), "").expect("go");
    }

    fn signal(&self, sig: i32) {
        if let Some(c) = &self.child {
            // SAFETY: kill(2) on our own child, not yet reaped.
            unsafe { libc::kill(c.id() as i32, sig) };
        }
    }

    /// Waits for the run to end (bounded) and returns what it printed.
    fn wait(mut self, limit: Duration) -> Run {
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
fn lab(port: u16) -> (TestLab, Receiver) {
    let t = TestLab::pair(&report_toml(port));
    let rx = Receiver::start(&t, port, 0);
    (t, rx)
}

/// Makes the db host's sshd (a guarded control) drift.
fn tamper(t: &TestLab) {
    t.on(DB, "echo '# tampered' >> /etc/ssh/sshd_config");
}

fn entries(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Counts and asserts: no incomplete intent, every local entry delivered
/// and in the copy of every host it names. Returns (entries, lost).
#[track_caller]
fn all_recorded(t: &TestLab, rx: &Receiver) -> (usize, usize) {
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
fn harden_rt(t: &TestLab, name: &str, args: &[&str]) -> Run {
    let rt = t.lab.dir.join(format!("rt-{name}"));
    std::fs::create_dir_all(&rt).expect("runtime dir");
    let mut c = t.lab.cmd_in(&t.lab.controller_ns(), harden_bin());
    c.arg("-i")
        .arg(&t.inv)
        .args(args)
        .env_remove("HARDEN_INVENTORY")
        .env("HARDEN_WEBHOOK_TOKEN", TOKEN)
        .env("HARDEN_RUNTIME_DIR", &rt);
    crate::util::run(c)
}

/// harden still gets in (drift connects), and the next apply converges.
#[track_caller]
fn converges(t: &TestLab, name: &str) {
    let d = harden_rt(t, name, &["drift"]);
    assert!(d.code == 0 || d.code == 2, "locked out?\n{}", d.stderr);
    harden_rt(t, name, &["apply", "--yes", "--rollback-after", "3"]).code(0);
    harden_rt(t, name, &["drift"]).code(0);
}

fn rt_empty(t: &TestLab, name: &str) -> bool {
    std::fs::read_dir(t.lab.dir.join(format!("rt-{name}")))
        .map(|rd| rd.count() == 0)
        .unwrap_or(true)
}

/// ssh processes left in the controller namespace (masters).
fn ssh_left(t: &TestLab) -> Vec<u32> {
    t.controller_pids()
        .into_iter()
        .filter(|p| {
            std::fs::read_to_string(format!("/proc/{p}/comm")).is_ok_and(|c| c.trim() == "ssh")
        })
        .collect()
}

#[test]
fn sigkill_at_each_point_of_an_apply_loses_no_event_and_locks_nobody_out() {
    let (t, rx) = lab(8121);
    let mut runs = 0;
    for point in ["phase-one", "intent", "activated", "phase-two"] {
        tamper(&t);
        let bg = Bg::start(
            &t,
            point,
            &["apply", "--yes", "--rollback-after", "3"],
            &[point],
        );
        bg.paused_at(point);
        bg.signal(libc::SIGKILL);
        let r = bg.wait(Duration::from_secs(20));
        assert_eq!(r.code, -1, "killed");
        runs += 1;
        if point != "phase-one" {
            // The next run completes the dead run's intent.
            harden_rt(&t, point, &["drift"]).says("has no completion: that run was interrupted");
            runs += 1;
        }
        converges(&t, point);
        runs += 3;
        // Masters exit asynchronously after `ssh -O exit`: bounded wait,
        // far below their ControlPersist.
        wait_until(
            "the dead run's ssh masters to stop",
            Duration::from_secs(15),
            || ssh_left(&t).is_empty(),
        );
        assert!(
            rt_empty(&t, point),
            "the dead run's key directory was removed"
        );
    }
    let interrupted: Vec<serde_json::Value> = rx
        .delivered()
        .into_iter()
        .filter(|b| b["details"]["outcome"] == "interrupted")
        .collect();
    assert_eq!(interrupted.len(), 3, "{interrupted:?}");
    let activated = &interrupted[1]["details"]["found"][DB]["controls"]["sshd"];
    assert!(
        ["rollback-pending", "rolled-back"].contains(&activated.as_str().unwrap_or_default()),
        "what the reconciler found after a kill during confirmation: {activated}"
    );
    let (n, lost) = all_recorded(&t, &rx);
    eprintln!("faults: sigkill apply: runs {runs}, lock-outs 0, events {n}, lost {lost}");
}

#[test]
fn sigterm_lets_the_guarded_step_finish_records_everything_and_cleans_up() {
    let (t, rx) = lab(8122);
    let bg = Bg::start(
        &t,
        "term",
        &["apply", "--yes", "--jobs", "1"],
        &["activated"],
    );
    bg.paused_at("activated");
    bg.signal(libc::SIGTERM);
    bg.go("activated");
    let r = bg.wait(Duration::from_secs(120));
    assert!(r.stderr.contains("SIGTERM: stopping"), "{}", r.stderr);
    assert_eq!(r.code, 1, "interrupted hosts are failures\n{}", r.stderr);
    // The step that was running finished (confirmed), nothing after it ran,
    // and the completion names what was and was not done.
    let text = std::fs::read_to_string(t.audit_log()).expect("log");
    assert!(incomplete(&text).is_empty(), "completed by the run itself");
    assert!(text.contains("interrupted by a signal"), "{text}");
    assert!(rt_empty(&t, "term"), "key directory removed");
    wait_until("ssh masters to close", Duration::from_secs(15), || {
        ssh_left(&t).is_empty()
    });
    converges(&t, "term");
    let (n, lost) = all_recorded(&t, &rx);
    eprintln!("faults: sigterm apply: runs 4, lock-outs 0, events {n}, lost {lost}");
}

#[test]
fn a_link_cut_during_confirmation_rolls_back_and_is_reported() {
    let (t, rx) = lab(8123);
    t.harden_tok(&["apply", "--yes"]).code(0);
    tamper(&t);
    let bg = Bg::start(
        &t,
        "cut",
        &["apply", "--yes", "--limit", DB, "--rollback-after", "4"],
        &["activated"],
    );
    bg.paused_at("activated");
    let port = "v10"; // the db host's port on the lab switch
    let link = |state: &str| {
        let mut c = Command::new("ip");
        c.args(["-n", &t.lab.switch_ns(), "link", "set", port, state]);
        crate::util::run(c).code(0);
    };
    link("down");
    bg.go("activated");
    wait_until("the host's own rollback", Duration::from_secs(60), || {
        t.on(
            DB,
            "ls /var/lib/harden/runs/*/sshd/rolled-back 2>/dev/null || true",
        )
        .contains("rolled-back")
    });
    link("up");
    let r = bg.wait(Duration::from_secs(120));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("ROLLED BACK"), "{}", r.stdout);
    let apply = rx
        .delivered()
        .into_iter()
        .rfind(|b| b["action"] == "apply")
        .expect("apply event");
    assert_eq!(apply["details"]["hosts"][0]["outcome"], "rolled-back");
    converges(&t, "x");
    let (n, lost) = all_recorded(&t, &rx);
    eprintln!("faults: link cut: runs 5, lock-outs 0, events {n}, lost {lost}");
}

#[test]
fn concurrent_applies_are_serialised_per_host() {
    let (t, rx) = lab(8124);
    let a = Bg::start(&t, "a", &["apply", "--yes"], &["activated"]);
    a.paused_at("activated");
    // A holds both hosts' locks: a run that will not wait is refused with
    // the holder named; one that waits runs after A, on A's result.
    let b = t.harden_tok(&["apply", "--yes", "--lock-wait", "0", "--format", "json"]);
    b.code(1).says("is held by run ");
    let c = Bg::start(&t, "c", &["apply", "--yes", "--format", "json"], &[]);
    a.go("activated");
    let ra = a.wait(Duration::from_secs(180));
    assert_eq!(ra.code, 0, "{}", ra.stderr);
    let rc = c.wait(Duration::from_secs(180));
    assert_eq!(rc.code, 0, "{}", rc.stderr);
    let j: serde_json::Value = serde_json::from_str(&rc.stdout).expect("json");
    for h in j["hosts"].as_array().expect("hosts") {
        assert_eq!(h["status"], "in-sync", "C probed after A finished: {h}");
    }
    t.harden_tok(&["drift"]).code(0);
    let (n, lost) = all_recorded(&t, &rx);
    eprintln!("faults: concurrent applies: runs 4, lock-outs 0, events {n}, lost {lost}");
}

#[test]
fn maintenance_open_killed_after_opening_is_reported_by_the_next_run() {
    let (t, rx) = lab(8125);
    t.harden_tok(&["apply", "--yes"]).code(0);
    let mut runs = 1;
    for point in ["maintenance-intent", "maintenance-opened"] {
        let bg = Bg::start(
            &t,
            point,
            &[
                "maintenance",
                "open",
                "--host",
                DB,
                "--for",
                "10m",
                "--reason",
                "OPS-9",
            ],
            &[point],
        );
        bg.paused_at(point);
        bg.signal(libc::SIGKILL);
        bg.wait(Duration::from_secs(20));
        runs += 1;
        t.harden_tok(&["maintenance", "list"])
            .code(0)
            .says("has no completion");
        runs += 1;
    }
    let got: Vec<serde_json::Value> = rx
        .delivered()
        .into_iter()
        .filter(|b| b["action"] == "maintenance-open")
        .collect();
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0]["details"]["outcome"], "interrupted");
    assert_eq!(
        got[0]["details"]["found"][DB]["open"],
        serde_json::json!([])
    );
    let open = &got[1]["details"]["found"][DB]["open"];
    assert_eq!(open[0]["element"], "198.51.100.0/28 . 22", "{open}");
    assert_eq!(
        t.reach(&t.lab.mgmt_ns(), "10.213.0.11", 22),
        Reach::Connected
    );
    assert_eq!(got[1]["reason"], "OPS-9");
    t.harden_tok(&["maintenance", "close", "--host", DB])
        .code(0);
    t.harden_tok(&["drift"]).code(0);
    let (n, lost) = all_recorded(&t, &rx);
    eprintln!(
        "faults: sigkill maintenance open: runs {runs}, lock-outs 0, events {n}, lost {lost}"
    );
}

#[test]
fn a_host_whose_audit_copy_cannot_be_written_is_left_unchanged() {
    let (t, rx) = lab(8126);
    t.harden_tok(&["apply", "--yes"]).code(0);
    tamper(&t);
    t.on(
        DB,
        "mount -t tmpfs -o size=8k tmpfs /var/log/harden && (head -c 65536 /dev/zero > /var/log/harden/fill || true)",
    );
    let r = t.harden_tok(&["apply", "--yes"]);
    r.code(1)
        .says("apply-intent audit copy on otc-db-1 FAILED")
        .says("not changed: the audit copy of this apply's intent could not be written");
    assert!(
        t.on(DB, "tail -n 1 /etc/ssh/sshd_config")
            .contains("# tampered"),
        "nothing changed on a host without its trace"
    );
    t.on(DB, "umount /var/log/harden");
    converges(&t, "x");
    // The refused run's intent and completion name the host but never
    // reached its copy: the copy was full. Everything after did.
    let text = std::fs::read_to_string(t.audit_log()).expect("log");
    assert!(incomplete(&text).is_empty());
    let copy = t.on(DB, &format!("cat {HOST_LOG}"));
    let last_apply = entries(&text)
        .into_iter()
        .rfind(|e| e["action"] == "apply")
        .expect("apply");
    assert!(copy.contains(last_apply["id"].as_str().unwrap_or("?")));
    let delivered = rx.delivered().len();
    assert_eq!(delivered, entries(&text).len(), "every entry reported");
    assert!(Path::new(&t.audit_log()).exists());
    eprintln!("faults: full host disk: runs 4, lock-outs 0, events {delivered}, lost 0 (2 not in the full host copy, by design)");
}
