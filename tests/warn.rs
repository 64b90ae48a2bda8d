//! Runtime warnings through the real binary: one line
//! `harden: warning[CODE]: …`, said once per run however many hosts and
//! events trigger it (`harden::warn`).

use crate::util::TestLab;

/// The lab estate has no `[report]` webhook: an apply on its three hosts
/// records a `firewall-change` and an `apply` event, each copied to every
/// host, and each would say "no webhook".
#[test]
fn an_apply_on_three_hosts_says_no_webhook_once() {
    let t = TestLab::estate();
    let r = t.harden(&["apply", "--yes", "--no-progress"]);
    r.code(0).says("Apply complete: 3 of 3 hosts changed");
    let recorded = r.stderr.matches(" recorded as entry ").count();
    assert!(
        recorded >= 3,
        "intent, firewall-change, apply:\n{}",
        r.stderr
    );
    for host in ["otc-db-1", "otc-app-1", "hz-gw-1"] {
        assert!(
            r.stderr
                .lines()
                .any(|l| l.starts_with("audit: apply ") && l.contains(host)),
            "the apply event concerns {host}:\n{}",
            r.stderr
        );
    }
    let lines: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("harden: warning["))
        .collect();
    assert_eq!(
        lines,
        ["harden: warning[warn-no-webhook]: no [report] webhook in the inventory: this run's events are in the audit log only"],
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("harden: warning:"),
        "an unconverted warning:\n{}",
        r.stderr
    );
    // The inventory's own diagnostics (their renderer, not the registry)
    // are printed once too, not once per host.
    let pass = r.stderr.matches("warning[pol-pass-undeclared]").count();
    assert_eq!(pass, 1, "{}", r.stderr);
}
