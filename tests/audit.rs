//! The audit log on lab hosts: every window and firewall change is chained
//! locally and on each affected host, `audit verify` names an edited or
//! deleted line in either, and concurrent runs never fork a host's chain.

use crate::util::{report_toml, TestLab};

fn lab() -> TestLab {
    let t = TestLab::pair(&report_toml(8099));
    t.harden_tok(&["apply", "--yes"]).code(0);
    t
}

const HOST_LOG: &str = "/var/log/harden/audit.jsonl";

#[test]
fn verify_catches_an_edited_line_locally_and_on_a_host() {
    let t = lab();
    t.harden_tok(&[
        "maintenance",
        "open",
        "--host",
        "otc-db-1",
        "--for",
        "10m",
        "--reason",
        "OPS-7",
    ])
    .code(0);
    t.harden_tok(&["maintenance", "close", "--host", "otc-db-1"])
        .code(0);
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
    let spawn = |port: &str| {
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
            "--port",
            port,
        ]);
        c.stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        c.spawn().expect("spawn harden")
    };
    let runs: Vec<_> = ["22", "2222", "8022", "9022"]
        .iter()
        .map(|p| spawn(p))
        .collect();
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
    for p in ["22", "2222", "8022", "9022"] {
        assert!(set.contains(&format!("198.51.100.0/28 . {p} ")), "{set}");
    }
}
