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

mod harness;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use harden::events::reconcile::incomplete;
use harden::lab::Reach;

use harness::{
    all_recorded, converges, entries, harden_rt, lab, rt_empty, ssh_left, tamper, wait_until, Bg,
    DB, HOST_LOG,
};

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
    // C is blocked on both hosts' locks (the kernel lists blocked flock
    // waiters in /proc/locks with `->`) before A goes on.
    for host in [DB, "otc-app-1"] {
        let ino = t.on(host, "stat -c %i /run/lock/harden.run.lock");
        let needle = format!(":{} ", ino.trim());
        wait_until(
            "C waiting for the host lock",
            Duration::from_secs(60),
            || {
                std::fs::read_to_string("/proc/locks")
                    .unwrap_or_default()
                    .lines()
                    .any(|l| l.contains("-> FLOCK") && l.contains(&needle))
            },
        );
    }
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

#[test]
fn a_killed_apply_frees_the_host_lock_at_once_while_its_ssh_masters_linger() {
    // The lock's holder is a channel on the run's multiplexed connection,
    // whose ssh master outlives a killed harden (ControlPersist 60 s): the
    // master must close that channel when harden's end of it is gone.
    let (t, _rx) = lab(8127);
    let bg = Bg::start(&t, "lock", &["apply", "--yes"], &["phase-one"]);
    bg.paused_at("phase-one");
    let state = |h: &str| {
        t.on(
            h,
            "flock -n /run/lock/harden.run.lock true && echo free || echo held",
        )
    };
    for h in [DB, "otc-app-1"] {
        assert_eq!(state(h).trim(), "held", "{h}: the run holds the lock");
    }
    bg.signal(libc::SIGKILL);
    assert_eq!(bg.wait(Duration::from_secs(20)).code, -1, "killed");
    let killed = std::time::Instant::now();
    wait_until("both host locks free", Duration::from_secs(5), || {
        [DB, "otc-app-1"].iter().all(|h| state(h).trim() == "free")
    });
    let took = killed.elapsed();
    let masters = ssh_left(&t);
    assert!(
        !masters.is_empty(),
        "the dead run's ssh masters still run, so the channel (not a master's exit) freed the lock"
    );
    eprintln!(
        "faults: sigkill lock: freed {} ms after the kill, {} ssh masters still running",
        took.as_millis(),
        masters.len()
    );
    converges(&t, "lock");
}
