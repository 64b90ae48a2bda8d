//! Maintenance windows on lab hosts: real TCP connects from the management
//! namespace (198.51.100.5), a window the kernel closes while no harden
//! process runs, close, re-apply, history, and what management's webhook
//! receives — including while it is down.

use std::time::{Duration, Instant};

use harden::lab::{Reach, MGMT};

use crate::util::{report_toml, Receiver, TestLab, PAIR, TOKEN};

const DB: &str = "10.213.0.11";

fn extra(port: u16) -> String {
    format!("{}\n[maintenance]\nmax_minutes = 60\n", report_toml(port))
}

/// Two hosts with a webhook on `port`, applied.
fn applied(port: u16) -> TestLab {
    let t = TestLab::pair(&extra(port));
    t.harden_tok(&["apply", "--yes"]).code(0);
    t
}

#[test]
fn window_opens_and_the_kernel_closes_it_with_harden_not_running() {
    let t = applied(8091);
    let mgmt = t.lab.mgmt_ns();
    assert_eq!(t.reach(&mgmt, DB, 22), Reach::Dropped, "closed before");
    // No element can be added before this instant, so the kernel cannot
    // close the window before `before + 4 s`.
    let before = Instant::now();
    let r = t.open_window("otc-db-1", "4s", "expiry test");
    r.code(0)
        .says("otc-db-1: opened w")
        .says("198.51.100.0/28 . 22");
    assert_eq!(
        t.reach(&mgmt, DB, 22),
        Reach::Connected,
        "open to management"
    );
    assert_eq!(
        t.reach(&t.lab.outside_ns(), DB, 22),
        Reach::Dropped,
        "not to strangers"
    );
    assert_eq!(
        t.reach(&mgmt, "10.213.0.12", 22),
        Reach::Dropped,
        "not on other hosts"
    );
    // No harden process is left to close it: the kernel must.
    assert!(
        t.controller_pids().is_empty(),
        "harden still running: {:?}",
        t.controller_pids()
    );
    // The kernel's timer closes it: wait for that condition (bounded), and
    // check it did not close early.
    crate::util::wait_until(
        "the kernel to close the window",
        Duration::from_secs(20),
        || t.reach(&mgmt, DB, 22) == Reach::Dropped,
    );
    assert!(
        before.elapsed() >= Duration::from_secs(4),
        "closed after {:?}, before the window's 4 s were up",
        before.elapsed()
    );
    assert!(t.controller_pids().is_empty());
    t.harden_tok(&["maintenance", "list"])
        .code(0)
        .says("No window open on otc-db-1, otc-app-1.");
}

#[test]
fn close_before_expiry_and_unknown_ids() {
    let t = applied(8092);
    let mgmt = t.lab.mgmt_ns();
    t.open_window("otc-*", "10m", "OPS-2")
        .code(0)
        .says("open on 2 of 2 host(s)");
    assert_eq!(t.reach(&mgmt, DB, 22), Reach::Connected);
    let list = t.harden_tok(&["maintenance", "list", "--format", "json"]);
    list.code(0);
    let j = list.json();
    let el = &j["hosts"][0]["elements"][0];
    let id = el["window"].as_str().expect("window id").to_string();
    let left = el["remaining_secs"].as_u64().expect("remaining");
    assert!((590..=600).contains(&left), "remaining {left}");
    assert_eq!(el["reason"], "OPS-2");
    t.harden_tok(&["maintenance", "close", "--host", "otc-db-1", "--id", &id])
        .code(0)
        .says(&format!("otc-db-1: closed {id}"));
    assert_eq!(t.reach(&mgmt, DB, 22), Reach::Dropped, "closed early");
    assert_eq!(
        t.reach(&mgmt, "10.213.0.12", 22),
        Reach::Connected,
        "the other host keeps its window"
    );
    t.harden_tok(&["maintenance", "close", "--host", "otc-db-1", "--id", &id])
        .code(1)
        .says("is not open on the selected hosts");
    t.harden_tok(&["maintenance", "close", "--host", "otc-*"])
        .code(0)
        .says("otc-app-1: closed")
        .says("otc-db-1: no window open");
    assert_eq!(t.reach(&mgmt, "10.213.0.12", 22), Reach::Dropped);
}

#[test]
fn refused_requests_change_nothing() {
    let t = TestLab::pair(&extra(8093));
    let open = |extra: &[&str]| {
        let mut a = vec!["maintenance", "open", "--host", "otc-db-1"];
        a.extend_from_slice(extra);
        t.harden_tok(&a)
    };
    open(&["--for", "10m", "--reason", "x"])
        .code(1)
        .says("run harden apply first");
    t.harden_tok(&["apply", "--yes"]).code(0);
    open(&["--for", "61m", "--reason", "x"])
        .code(1)
        .says("max_minutes = 60");
    open(&["--for", "10m", "--reason", "  "])
        .code(1)
        .says("a reason is required");
    open(&["--for", "10m", "--reason", "x", "--from", "198.51.100.0/24"])
        .code(1)
        .says("outside otc-db-1's management_sources");
    open(&["--for", "10m", "--reason", "x", "--from", "203.0.113.5"])
        .code(1)
        .says("outside");
    assert!(
        !t.on("otc-db-1", "nft list set inet harden mgmt_v4")
            .contains("elements"),
        "nothing was opened"
    );
    // Refused offline: nothing recorded. Refused by the host (not applied
    // yet): its intent and a `maintenance-open-failed` completion, never a
    // `maintenance-open`.
    let log = std::fs::read_to_string(t.audit_log()).unwrap_or_default();
    assert!(
        !log.contains("\"maintenance-open\""),
        "nothing was opened: {log}"
    );
    assert_eq!(
        log.matches("\"maintenance-open-intent\"").count(),
        log.matches("\"maintenance-open-failed\"").count(),
        "every intent is completed: {log}"
    );
    // A narrower source inside management_sources is fine.
    open(&["--for", "10m", "--reason", "x", "--from", MGMT])
        .code(0)
        .says("198.51.100.5 . 22");
    assert_eq!(
        t.reach(&t.lab.mgmt_ns(), DB, 22),
        Reach::Connected,
        "opened to the management laptop only"
    );
}

#[test]
fn apply_during_a_window_keeps_it_and_drift_lists_it() {
    let t = applied(8094);
    t.open_window("otc-db-1", "30m", "OPS-3 keep").code(0);
    // A firewall change on that host: the rules are reloaded.
    let changed = format!("{PAIR}{}", extra(8094)).replace(
        "allow = [ { port = 5432, from = [\"otc-app-1\"] } ]",
        "allow = [ { port = 5432, from = [\"otc-app-1\"] }, { port = 9100, from = [\"10.213.0.2\"] } ]",
    );
    let inv = t.inventory("changed.toml", &changed);
    let r = t.harden_with(&inv, &["apply", "--yes", "--format", "json"]);
    r.code(0);
    assert_eq!(
        r.json()["hosts"][0]["status"],
        "changed",
        "the firewall was rewritten"
    );
    assert_eq!(
        t.reach(&t.lab.mgmt_ns(), DB, 22),
        Reach::Connected,
        "the window survived the re-apply"
    );
    t.harden_with(&inv, &["drift", "--limit", "otc-db-1", "--verbose"])
        .code(0)
        .says("maintenance window open, closes in")
        .says("OPS-3 keep");
    t.harden_tok(&["maintenance", "list"])
        .code(0)
        .says("OPS-3 keep")
        .says("No window open on otc-app-1.");
}

#[test]
fn history_shows_who_logged_in_through_each_window() {
    let t = applied(8095);
    let mgmt = t.lab.mgmt_ns();
    assert!(!t.ssh_from(&mgmt, DB), "no login outside a window");
    let r = t.open_window("otc-db-1", "10m", "OPS-4 who");
    r.code(0);
    assert!(t.ssh_from(&mgmt, DB), "login through the window");
    t.harden_tok(&["maintenance", "close", "--host", "otc-db-1"])
        .code(0);
    let h = t.harden_tok(&[
        "maintenance",
        "list",
        "--history",
        "--host",
        "otc-db-1",
        "--format",
        "json",
    ]);
    h.code(0);
    let j = h.json();
    let w = &j["hosts"][0]["windows"][0];
    assert_eq!(w["reason"], "OPS-4 who", "{j}");
    assert_eq!(w["open_now"], false);
    assert!(w["closed_at"].is_string(), "closed early: {j}");
    let logins = w["logins"].as_array().expect("logins");
    assert_eq!(logins.len(), 1, "{j}");
    assert_eq!(logins[0]["addr"], MGMT);
    assert_eq!(logins[0]["user"], "root");
    assert!(logins[0]["key"]
        .as_str()
        .unwrap_or_default()
        .starts_with("ED25519 SHA256:"));
    assert_eq!(
        j["hosts"][0]["logins_outside_windows"],
        serde_json::json!([]),
        "harden's own logins are not listed"
    );
    assert!(
        j["hosts"][0]["counters"]["v4_packets"]
            .as_u64()
            .unwrap_or(0)
            >= 1
    );
    t.harden_tok(&["maintenance", "list", "--history", "--host", "otc-db-1"])
        .code(0)
        .says("closed early")
        .says(&format!("root from {MGMT} port"));
}

#[test]
fn webhook_receives_each_event_with_the_right_fields() {
    let t = TestLab::pair(&extra(8096));
    let rx = Receiver::start(&t, 8096, 0);
    t.harden_tok(&["apply", "--yes"])
        .code(0)
        .says("report: firewall-change reported to management");
    t.open_window("otc-db-1,otc-app-1", "20m", "OPS-5: patch openssl")
        .code(0);
    t.harden_tok(&[
        "maintenance",
        "close",
        "--host",
        "otc-app-1",
        "--reason",
        "done",
    ])
    .code(0);
    // A no-op apply changes nothing and reports nothing.
    t.harden_tok(&["apply", "--yes"]).code(0);
    let req = rx.requests();
    let actions: Vec<&str> = req
        .iter()
        .map(|r| r["body"]["action"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        actions,
        [
            "apply-intent",
            "firewall-change",
            "apply",
            "maintenance-open-intent",
            "maintenance-open",
            "maintenance-close"
        ]
    );
    let log: Vec<serde_json::Value> = std::fs::read_to_string(t.audit_log())
        .expect("audit log")
        .lines()
        .map(|l| serde_json::from_str(l).expect("entry"))
        .collect();
    for (i, r) in req.iter().enumerate() {
        let b = &r["body"];
        assert_eq!(r["method"], "POST");
        assert_eq!(r["headers"]["authorization"], format!("Bearer {TOKEN}"));
        assert_eq!(r["headers"]["content-type"], "application/json");
        assert_eq!(r["headers"]["idempotency-key"], b["id"]);
        assert!(b["ts"].as_str().unwrap_or_default().ends_with('Z'));
        assert!(!b["actor"]["local_user"]
            .as_str()
            .unwrap_or_default()
            .is_empty());
        // The anchor for the local chain: this entry's seq and hash.
        assert_eq!(b["id"], log[i]["id"]);
        assert_eq!(b["details"]["audit"]["seq"], log[i]["seq"]);
        assert_eq!(b["details"]["audit"]["hash"], log[i]["hash"]);
    }
    // Each completion refers to the intent recorded before the change.
    assert_eq!(req[1]["body"]["details"]["intent"], req[0]["body"]["id"]);
    assert_eq!(req[2]["body"]["details"]["intent"], req[0]["body"]["id"]);
    assert_eq!(req[4]["body"]["details"]["intent"], req[3]["body"]["id"]);
    let fw = &req[1]["body"];
    assert_eq!(fw["hosts"], serde_json::json!(["otc-db-1", "otc-app-1"]));
    assert_eq!(fw["details"]["hosts"][0]["outcome"], "changed");
    let open = &req[4]["body"];
    assert_eq!(open["hosts"], serde_json::json!(["otc-db-1", "otc-app-1"]));
    assert_eq!(open["reason"], "OPS-5: patch openssl");
    assert_eq!(open["details"]["duration_secs"], 1200);
    assert_eq!(
        open["details"]["elements"]["otc-db-1"],
        serde_json::json!({"sources": ["198.51.100.0/28"], "port": 22})
    );
    let id = open["details"]["window"].as_str().expect("window");
    assert!(id.starts_with('w') && id.len() == 9, "{id}");
    assert!(open["details"]["closes_at"].is_string());
    let close = &req[5]["body"];
    assert_eq!(close["hosts"], serde_json::json!(["otc-app-1"]));
    assert_eq!(close["reason"], "done");
    assert_eq!(close["details"]["closed"][0]["window"], id);
    assert_eq!(
        close["details"]["closed"][0]["element"],
        "198.51.100.0/28 . 22"
    );
}

#[test]
fn webhook_down_events_wait_in_the_outbox_and_the_next_run_delivers_them() {
    let t = applied(8097);
    assert!(
        t.outbox().len() >= 2,
        "apply's events are queued: no receiver"
    );
    let r = t.open_window("otc-db-1", "10m", "OPS-6 outbox");
    r.code(0)
        .says("harden: !!! maintenance-open NOT REPORTED to management")
        .says("queued in");
    assert_eq!(
        t.outbox().len(),
        5,
        "apply: intent and two events; open: intent and event"
    );
    // The receiver comes back but fails the first attempt: still queued.
    let mut rx = Receiver::start(&t, 8097, 1);
    t.harden_tok(&["maintenance", "list"])
        .code(0)
        .says("still NOT REPORTED");
    assert_eq!(t.outbox().len(), 5);
    rx.stop();
    let rx = Receiver::start(&t, 8097, 0);
    t.harden_tok(&["drift"])
        .code(0)
        .says("delivered 5 queued event(s)");
    assert!(t.outbox().is_empty(), "{:?}", t.outbox());
    let got: Vec<String> = rx
        .delivered()
        .iter()
        .map(|b| b["action"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        got,
        [
            "apply-intent",
            "firewall-change",
            "apply",
            "maintenance-open-intent",
            "maintenance-open"
        ],
        "in order"
    );
    assert_eq!(rx.delivered()[4]["reason"], "OPS-6 outbox");
}
