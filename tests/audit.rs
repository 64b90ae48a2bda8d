//! The audit log on lab hosts: every window and firewall change is chained
//! locally and on each affected host, `audit verify` names an edited or
//! deleted line in either, a local log cut at its end (found by the anchor
//! file, the anchor management received and the host copies by event id),
//! and concurrent runs never fork a host's chain.

use crate::util::{report_toml, Receiver, TestLab};

fn lab() -> TestLab {
    let t = TestLab::pair(&report_toml(8099));
    t.harden_tok(&["apply", "--yes"]).code(0);
    t
}

use harden::events::hostcopy::HOST_LOG;

#[test]
fn verify_catches_an_edited_line_locally_and_on_a_host() {
    let t = lab();
    window(&t);
    t.harden_tok(&["audit", "verify"])
        .code(0)
        .says("6 entries")
        .says("chain intact");
    t.harden_tok(&["audit", "show"])
        .code(0)
        .says("maintenance-open  otc-db-1")
        .says("\"OPS-7\"");
    // Local log: change the reason of entry 3.
    let path = t.audit_log();
    let text = std::fs::read_to_string(&path).expect("log");
    assert!(text.contains("OPS-7"));
    std::fs::write(&path, text.replacen("OPS-7", "OPS-8", 1)).expect("write");
    t.harden_tok(&["audit", "verify"])
        .code(2)
        .says("line 4 (seq 4) was edited");
    // Host copies: both hosts have one, otc-db-1 has all six events
    // (apply and maintenance open each record an intent first).
    t.harden_tok(&["audit", "verify", "--host", "*"])
        .code(0)
        .says("otc-db-1: /var/log/harden/audit.jsonl: 6 entries")
        .says("otc-app-1: /var/log/harden/audit.jsonl: 3 entries");
    assert_eq!(
        t.on(
            "otc-db-1",
            &format!("stat -c %a {HOST_LOG} /var/log/harden")
        ),
        "600\n700\n"
    );
    t.on("otc-db-1", &format!("sed -i 's/OPS-7/OPS-9/' {HOST_LOG}"));
    t.on("otc-app-1", &format!("sed -i 1d {HOST_LOG}"));
    let r = t.harden_tok(&["audit", "verify", "--host", "otc-*"]);
    r.code(2)
        .says("otc-db-1: /var/log/harden/audit.jsonl: line 4 (seq 4) was edited")
        .says("otc-app-1: /var/log/harden/audit.jsonl: entry seq 1 missing before line 1");
}

#[test]
fn concurrent_runs_do_not_fork_a_host_chain() {
    let t = lab();
    let spawn = |from: &str| {
        let mut c = t
            .lab
            .cmd_in(&t.lab.controller_ns(), crate::util::harden_bin());
        c.arg("-i").arg(&t.inv).args([
            "maintenance",
            "open",
            "--host",
            "otc-db-1",
            "--for",
            "5m",
            "--reason",
            "race",
            "--from",
            from,
        ]);
        c.stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        c.spawn().expect("spawn harden")
    };
    let sources = [
        "198.51.100.1",
        "198.51.100.2",
        "198.51.100.3",
        "198.51.100.4",
    ];
    let runs: Vec<_> = sources.iter().map(|p| spawn(p)).collect();
    for c in runs {
        let out = c.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let r = t.harden_tok(&["audit", "verify", "--host", "otc-db-1"]);
    r.code(0).says("11 entries").says("chain intact");
    t.harden_tok(&["audit", "verify"])
        .code(0)
        .says("11 entries");
    let set = t.on("otc-db-1", "nft list set inet harden mgmt_v4");
    for s in sources {
        assert!(set.contains(&format!("{s} . 22 ")), "{set}");
    }
}

/// Opens and closes a window on otc-db-1: with the apply, 6 local entries
/// (each apply and each open is preceded by its intent).
fn window(t: &TestLab) {
    t.open_window("otc-db-1", "10m", "OPS-7").code(0);
    t.harden_tok(&["maintenance", "close", "--host", "otc-db-1"])
        .code(0);
}

fn without_last_line(text: &str) -> String {
    let n = text.lines().count();
    text.split_inclusive('\n').take(n - 1).collect()
}

#[test]
fn cut_local_tail_is_found_and_must_be_acknowledged() {
    let t = lab();
    window(&t);
    let path = t.audit_log();
    let anchor = path.with_file_name("audit.jsonl.anchor");
    t.harden_tok(&["audit", "verify"])
        .code(0)
        .says("chain intact")
        .says("reaches its anchor (seq 6 hash");
    t.harden_tok(&["audit", "verify", "--host", "*"])
        .code(0)
        .never_says("not in");
    let text = std::fs::read_to_string(&path).expect("log");
    let last: serde_json::Value =
        serde_json::from_str(text.lines().last().expect("a line")).expect("json");
    let lost_id = last["id"].as_str().expect("id").to_string();

    // The last line cut off: the chain is intact, the anchor is not reached.
    std::fs::write(&path, without_last_line(&text)).expect("write");
    t.harden_tok(&["audit", "verify"])
        .code(2)
        .says("5 entries")
        .says("entry seq 6 was cut off the end");
    // The host copy still has the event the local log lost.
    t.harden_tok(&["audit", "verify", "--host", "*"])
        .code(2)
        .says(&format!(
            "otc-db-1: 1 event(s) of otc-db-1's copy are not in the local log: host seq 6 (event {lost_id})"
        ));
    // Cut and the anchor file rewritten to match (an attacker with write
    // access to both): only the host copies and management's anchor show it.
    let cut = without_last_line(&text);
    let new_last: serde_json::Value =
        serde_json::from_str(cut.lines().last().expect("line")).expect("json");
    std::fs::write(
        &anchor,
        format!(
            "{{\"version\":1,\"seq\":5,\"hash\":\"{}\"}}\n",
            new_last["hash"].as_str().expect("hash")
        ),
    )
    .expect("write anchor");
    t.harden_tok(&["audit", "verify"]).code(0);
    let mgmt = format!("6:{}", last["hash"].as_str().expect("hash"));
    t.harden_tok(&["audit", "verify", "--anchor", &mgmt])
        .code(2)
        .says("--anchor: the log has 5 entries, ending at seq 5")
        .says("entry seq 6 was cut off the end");
    t.harden_tok(&["audit", "verify", "--host", "otc-db-1"])
        .code(2)
        .says(&lost_id);
    std::fs::write(&path, &text).expect("restore");
    std::fs::write(&anchor, "").expect("break the anchor");
    t.harden_tok(&["audit", "verify"])
        .code(2)
        .says("the anchor file cannot be used");
    std::fs::remove_file(&anchor).expect("rm anchor");
    t.harden_tok(&["audit", "verify"])
        .code(2)
        .says("no anchor file");
    t.harden_tok(&["audit", "acknowledge", "--reason", "anchor lost, OPS-11"])
        .code(0)
        .says("acknowledged: the log has 6 entries");

    // Emptied, then deleted, with the anchor in place.
    std::fs::write(&path, "").expect("empty");
    t.harden_tok(&["audit", "verify"])
        .code(2)
        .says("the log is empty, but the anchor records seq 7 hash")
        .says("the log was emptied");
    std::fs::remove_file(&path).expect("rm");
    t.harden_tok(&["audit", "verify"])
        .code(2)
        .says("the log is missing")
        .says("the log was deleted");
    // The next append refuses until the loss is acknowledged.
    let r = t.open_window("otc-db-1", "5m", "x");
    // The intent cannot be written, so nothing is opened at all.
    r.code(1)
        .says("not opened")
        .says("harden audit acknowledge --reason");
    t.harden_tok(&["maintenance", "close", "--host", "otc-db-1"]);
    t.harden_tok(&["audit", "acknowledge", "--reason", ""])
        .code(1);
    t.harden_tok(&[
        "audit",
        "acknowledge",
        "--reason",
        "disk restored from backup, OPS-12",
    ])
    .code(0)
    .says("acknowledged: the log is empty");
    t.harden_tok(&["audit", "acknowledge", "--reason", "again"])
        .code(0)
        .says("nothing to acknowledge");
    window(&t);
    t.harden_tok(&["audit", "verify"])
        .code(0)
        .says("chain intact")
        .says("reaches its anchor");
    t.harden_tok(&["audit", "show"])
        .code(0)
        .says("audit-acknowledge")
        .says("\"disk restored from backup, OPS-12\"");
    let log = std::fs::read_to_string(&path).expect("log");
    let ack: serde_json::Value =
        serde_json::from_str(log.lines().next().expect("line")).expect("json");
    assert_eq!(ack["action"], "audit-acknowledge");
    assert_eq!(ack["details"]["acknowledged"]["missing"]["last"], 7);
}

#[test]
fn anchor_is_what_management_receives_and_host_cut_is_named() {
    let t = lab();
    let rx = Receiver::start(&t, 8099, 0);
    window(&t);
    let anchor: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(t.audit_log().with_file_name("audit.jsonl.anchor"))
            .expect("anchor"),
    )
    .expect("json");
    let got = rx.delivered();
    let newest = got.last().expect("delivered");
    assert_eq!(newest["details"]["audit"]["seq"], anchor["seq"]);
    assert_eq!(newest["details"]["audit"]["hash"], anchor["hash"]);
    assert_eq!(newest["id"], anchor["id"]);
    let mgmt = format!(
        "{}:{}",
        anchor["seq"],
        anchor["hash"].as_str().expect("hash")
    );
    t.harden_tok(&["audit", "verify", "--anchor", &mgmt])
        .code(0);
    // The host copy loses its last entry: the local log names it.
    let local = std::fs::read_to_string(t.audit_log()).expect("log");
    let last: serde_json::Value =
        serde_json::from_str(local.lines().last().expect("line")).expect("json");
    t.on("otc-db-1", &format!("sed -i '$d' {HOST_LOG}"));
    t.harden_tok(&["audit", "verify", "--host", "otc-*"])
        .code(2)
        .says("otc-db-1: /var/log/harden/audit.jsonl: 5 entries")
        .says(&format!(
            "otc-db-1: 1 event(s) of the local log for otc-db-1 are not in its copy: local seq 6 (event {})",
            last["id"].as_str().expect("id")
        ))
        .never_says("otc-app-1: 1 event");
}
