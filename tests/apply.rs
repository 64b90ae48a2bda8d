//! apply → drift on lab hosts: clean after apply, idempotent, tamper is
//! named exactly and repaired, hosts fail independently, host keys are
//! verified strictly.

use crate::util::{drifting, TestLab, ESTATE};

fn sshd_reloads(t: &TestLab, host: &str) -> usize {
    t.on(host, "grep -c 'Received SIGHUP' /var/log/auth.log || true")
        .trim()
        .parse()
        .unwrap_or(0)
}

#[test]
fn apply_then_drift_is_clean_and_second_apply_changes_nothing() {
    let t = TestLab::estate();
    t.harden(&["drift"]).code(2).says("Drift on 3 of 3 hosts");
    t.harden(&["apply", "--yes"])
        .code(0)
        .says("Apply complete: 3 of 3 hosts changed");
    let r = t.harden(&["drift", "--format", "json"]);
    r.code(0);
    let j = r.json();
    assert_eq!(j["format_version"], 1);
    assert!(drifting(&j).is_empty(), "{:?}", drifting(&j));
    for h in j["hosts"].as_array().expect("hosts") {
        assert_eq!(h["status"], "in-sync", "{h}");
    }
    let reloads: Vec<usize> = ["otc-db-1", "otc-app-1", "hz-gw-1"]
        .iter()
        .map(|h| sshd_reloads(&t, h))
        .collect();
    assert!(
        reloads.iter().all(|&n| n == 1),
        "first apply reloads sshd once per host: {reloads:?}"
    );
    let runs_before = t.on("otc-db-1", "ls /var/lib/harden/runs | wc -l");
    let r = t.harden(&["apply", "--yes", "--format", "json"]);
    r.code(0);
    let j = r.json();
    for h in j["hosts"].as_array().expect("hosts") {
        assert_eq!(h["status"], "in-sync", "{h}");
        assert_eq!(h["changes_applied"], 0);
    }
    let again: Vec<usize> = ["otc-db-1", "otc-app-1", "hz-gw-1"]
        .iter()
        .map(|h| sshd_reloads(&t, h))
        .collect();
    assert_eq!(reloads, again, "a no-op apply must not reload sshd");
    assert_eq!(
        runs_before,
        t.on("otc-db-1", "ls /var/lib/harden/runs | wc -l"),
        "a no-op apply must not stage anything"
    );
}

#[test]
fn tamper_is_reported_exactly_and_repaired() {
    let t = TestLab::estate();
    t.harden(&["apply", "--yes"]).code(0);
    // One tamper per host.
    t.on(
        "otc-db-1",
        "echo '# edited by hand' >> /etc/harden/firewall.nft",
    );
    t.on(
        "otc-app-1",
        "nft add rule inet harden input tcp dport 8080 accept",
    );
    t.on(
        "hz-gw-1",
        "printf 'PasswordAuthentication yes\\n' > /etc/ssh/sshd_config.d/50-cloud-init.conf",
    );
    let r = t.harden(&["drift", "--format", "json"]);
    r.code(2);
    assert_eq!(
        drifting(&r.json()),
        vec![
            (
                "hz-gw-1".into(),
                "sshd-dropin".into(),
                "/etc/ssh/sshd_config.d/50-cloud-init.conf".into()
            ),
            (
                "otc-app-1".into(),
                "nft-table".into(),
                "table inet harden".into()
            ),
            (
                "otc-db-1".into(),
                "file".into(),
                "/etc/harden/firewall.nft".into()
            ),
        ]
    );
    let text = t.harden(&["drift"]);
    text.code(2)
        .says("-tcp dport 8080 accept")
        .says("PasswordAuthentication yes")
        .says("TOM-1.2-critical-login");
    t.harden(&["apply", "--yes"])
        .code(0)
        .says("Apply complete: 3 of 3 hosts changed")
        .says("50-cloud-init.conf: now moved to /var/lib/harden/quarantine/");
    t.harden(&["drift"]).code(0).says("No drift");
    // The drop-in was moved aside, not deleted.
    let kept = t.on(
        "hz-gw-1",
        "cat /var/lib/harden/quarantine/*/etc_ssh_sshd_config.d_50-cloud-init.conf",
    );
    assert_eq!(kept, "PasswordAuthentication yes\n");
    assert_eq!(
        t.on("hz-gw-1", "ls /etc/ssh/sshd_config.d | wc -l").trim(),
        "0"
    );
    // The original sshd_config is kept for good.
    assert!(t
        .on(
            "otc-db-1",
            "cat /var/lib/harden/originals/etc/ssh/sshd_config"
        )
        .contains("Include /etc/ssh/sshd_config.d/*.conf"));
}

#[test]
fn an_unreachable_host_fails_alone() {
    let extra = "\n[[hosts]]\nname = \"otc-ghost\"\naddress = \"10.213.0.99\"\nprovider = \"telekom\"\nenvironment = \"production\"\ntenant = \"clinic-a\"\nroles = [\"app\"]\nconnect_timeout = 2\n";
    let t = TestLab::new(
        &["otc-db-1", "otc-app-1", "hz-gw-1"],
        &format!("{ESTATE}{extra}"),
    );
    let r = t.harden(&["apply", "--yes", "--format", "json"]);
    r.code(1);
    let j = r.json();
    let status: Vec<(String, String)> = j["hosts"]
        .as_array()
        .expect("hosts")
        .iter()
        .map(|h| {
            (
                h["host"].as_str().unwrap_or_default().into(),
                h["status"].as_str().unwrap_or_default().into(),
            )
        })
        .collect();
    assert_eq!(
        status,
        vec![
            ("otc-db-1".into(), "changed".into()),
            ("otc-app-1".into(), "changed".into()),
            ("hz-gw-1".into(), "changed".into()),
            ("otc-ghost".into(), "failed".into()),
        ]
    );
    t.harden(&["drift", "--limit", "otc-db-1,hz-*"])
        .code(0)
        .says("2 hosts match");
}

#[test]
fn unknown_host_key_is_never_trusted() {
    let t = TestLab::new(&["otc-db-1"], "{defaults}\n[[hosts]]\nname = \"otc-db-1\"\naddress = \"10.213.0.11\"\nprovider = \"telekom\"\nenvironment = \"production\"\nroles = [\"app\"]\n");
    std::fs::write(t.lab.known_hosts(), "10.213.0.11 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n").expect("write");
    t.harden(&["drift"])
        .code(1)
        .says("Host key verification failed");
    std::fs::write(t.lab.known_hosts(), "").expect("write");
    t.harden(&["drift"])
        .code(1)
        .says("Host key verification failed");
    // Nothing was added to known_hosts (no trust on first use).
    assert_eq!(
        std::fs::read_to_string(t.lab.known_hosts()).expect("read"),
        ""
    );
}

/// The same drifting host reported in every format: the same hosts, the
/// same findings (control, check, item, status) and the same counts. `drift`
/// changes nothing, so the four runs see the same host.
#[test]
fn report_formats_agree() {
    use crate::formats::{from_html, from_json, from_junit, symbol, text_lines};
    let t = TestLab::new(&["otc-db-1"], "{defaults}\n[[hosts]]\nname = \"otc-db-1\"\naddress = \"10.213.0.11\"\nprovider = \"telekom\"\nenvironment = \"production\"\nroles = [\"app\"]\n");
    let out = t.lab.dir.join("report.json");
    t.harden(&[
        "drift",
        "--format",
        "json",
        "--output",
        out.to_str().unwrap_or_default(),
    ])
    .code(2)
    .says("Drift on 1 of 1 hosts");
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("report")).expect("json");
    assert_eq!(j["command"], "drift");
    let items = from_json(&j);
    let count = |s: &str| items.iter().filter(|i| i.status == s).count();
    let (drift, in_sync) = (count("drift"), count("in-sync"));
    assert!(drift > 0 && in_sync > 0, "{items:?}");
    assert_eq!(count("changed"), 0, "drift changes nothing");
    assert!(items.iter().all(|i| i.host == "otc-db-1"), "{items:?}");

    let junit = t.harden(&["drift", "--format", "junit"]);
    junit.code(2).says("<testsuite name=\"otc-db-1\"");
    assert_eq!(from_junit(&junit.stdout), items, "JUnit and JSON disagree");
    let suites = junit.stdout.matches("<testsuite ").count();
    assert_eq!(suites, 1, "one suite per host");
    assert!(
        junit
            .stdout
            .contains(&format!("tests=\"{}\" failures=\"{drift}\"", items.len())),
        "{}",
        junit.stdout
    );

    let html = t.harden(&["drift", "--format", "html"]);
    html.code(2)
        .says("<h2>By measure</h2>")
        .says("TOM-1.2-ports");
    assert_eq!(from_html(&html.stdout), items, "HTML and JSON disagree");

    let text = t.harden(&["drift", "--verbose"]);
    text.code(2).says(&format!(
        "Drift on 1 of 1 hosts: {drift} checks drifting, 0 hosts failed, {in_sync} checks in sync."
    ));
    let mut lines = text_lines(&text.stdout);
    assert_eq!(lines.len(), items.len(), "{}", text.stdout);
    for i in &items {
        let at = lines.iter().position(|(h, c, sym, rest)| {
            *h == i.host
                && *c == i.control
                && *sym == symbol(&i.status)
                && rest
                    .strip_prefix(i.item.as_str())
                    .is_some_and(|r| r.is_empty() || r.starts_with([':', ' ']))
        });
        let at = at.unwrap_or_else(|| panic!("text does not show {i:?}:\n{}", text.stdout));
        lines.remove(at);
    }
}

#[test]
fn apply_without_yes_off_a_terminal_changes_nothing() {
    let t = TestLab::new(&["otc-db-1"], "{defaults}\n[[hosts]]\nname = \"otc-db-1\"\naddress = \"10.213.0.11\"\nprovider = \"telekom\"\nenvironment = \"production\"\nroles = [\"app\"]\n");
    t.harden(&["apply"])
        .code(1)
        .says("refusing to apply without --yes");
    assert!(
        !t.on("otc-db-1", "nft list tables").contains("harden"),
        "nothing applied"
    );
    t.harden(&["apply", "--limit", "nope-*", "--yes"])
        .code(1)
        .says("`--limit 'nope-*'` matches no host")
        .says("hosts are: otc-db-1");
}

#[test]
fn a_partly_failed_apply_counts_the_host_as_changed_and_names_it_once() {
    let t = crate::util::TestLab::pair("");
    // A `sshd -t` that refuses (the running sshd is untouched): the
    // firewall (first) changes, then sshd's validation stops the host.
    let refuse = "mkdir -p /usr/local/sbin && printf '%s\\n' '#!/bin/sh' 'if [ \"$1\" = -t ]; then echo refused by the test >&2; exit 1; fi' 'exec /usr/sbin/sshd \"$@\"' > /usr/local/sbin/sshd && chmod 755 /usr/local/sbin/sshd";
    t.on("otc-db-1", refuse);
    let r = t.harden(&["apply", "--yes", "--limit", "otc-db-1"]);
    r.code(1)
        .says("Apply complete: 1 of 1 hosts changed")
        .says("1 failed [1 changed, then failed]")
        .says("validation failed")
        .never_says("otc-db-1: otc-db-1:");
    // Again: the firewall is in sync now, so nothing changes this time.
    let r = t.harden(&["apply", "--yes", "--limit", "otc-db-1", "--format", "json"]);
    r.code(1);
    let h = &r.json()["hosts"][0];
    assert_eq!(h["status"], "failed", "{h}");
    assert_eq!(h["changed"], false, "{h}");
    let e = h["error"].as_str().unwrap_or_default();
    assert!(
        e.starts_with("sshd: validation failed"),
        "one prefix, in `host`: {h}"
    );
    t.on("otc-db-1", "rm /usr/local/sbin/sshd");
    t.harden(&["apply", "--yes", "--limit", "otc-db-1"]).code(0);
    t.harden(&["drift", "--limit", "otc-db-1"]).code(0);
}
