//! The example banner control on lab hosts: apply writes /etc/issue.net
//! only on the host whose inventory has a `banner` table, a second apply
//! changes nothing, a tampered file is drift named `banner` and repaired.

use crate::util::{drifting, TestLab};

/// The banner goes to otc-app-1 (the last host of the pair); otc-db-1 has
/// no banner table.
const BANNER: &str =
    "banner = { text = \"Authorised access only. Activity is logged.\", owner_notice = \"Operated by Example GmbH\" }\n";
const WANT: &str = "Authorised access only. Activity is logged.\nOperated by Example GmbH\n";

/// Drifting `(control, item)` of one host in a JSON report.
fn drift_of(report: &serde_json::Value, host: &str) -> Vec<(String, String)> {
    let mut v = Vec::new();
    for h in report["hosts"].as_array().into_iter().flatten() {
        for f in h["findings"].as_array().into_iter().flatten() {
            if f["status"] == "drift" && f["host"] == host {
                v.push((
                    f["control"].as_str().unwrap_or_default().to_string(),
                    f["item"].as_str().unwrap_or_default().to_string(),
                ));
            }
        }
    }
    v
}

#[test]
fn banner_is_applied_idempotent_and_repaired_where_configured_only() {
    let t = TestLab::pair(BANNER);
    // Both hosts start without a managed /etc/issue.net (a distribution
    // default may exist; the untouched host must keep it as it was).
    t.on("otc-app-1", "rm -f /etc/issue.net");
    t.on("otc-db-1", "rm -f /etc/issue.net");
    let r = t.harden(&["drift", "--format", "json"]);
    r.code(2);
    assert!(
        drift_of(&r.json(), "otc-app-1").contains(&("banner".into(), "/etc/issue.net".into())),
        "{:?}",
        drifting(&r.json())
    );
    assert!(
        !drift_of(&r.json(), "otc-db-1")
            .iter()
            .any(|(c, _)| c == "banner"),
        "a host without a banner table has no banner finding"
    );

    t.harden(&["apply", "--yes"]).code(0);
    assert_eq!(t.on("otc-app-1", "cat /etc/issue.net"), WANT);
    assert_eq!(
        t.on("otc-app-1", "stat -c '%a %U:%G' /etc/issue.net")
            .trim(),
        "644 root:root"
    );
    assert_eq!(
        t.on(
            "otc-db-1",
            "test -e /etc/issue.net && echo present || echo absent"
        )
        .trim(),
        "absent",
        "the host without a banner table is untouched"
    );
    t.harden(&["drift"]).code(0).says("No drift");

    // A second apply changes nothing.
    let r = t.harden(&["apply", "--yes", "--format", "json"]);
    r.code(0);
    for h in r.json()["hosts"].as_array().expect("hosts") {
        assert_eq!(h["status"], "in-sync", "{h}");
        assert_eq!(h["changes_applied"], 0, "{h}");
    }

    // Tamper: content and mode.
    t.on(
        "otc-app-1",
        "echo 'Welcome, everyone!' > /etc/issue.net && chmod 0666 /etc/issue.net",
    );
    let r = t.harden(&["drift", "--format", "json"]);
    r.code(2);
    assert_eq!(
        drifting(&r.json()),
        vec![(
            "otc-app-1".to_string(),
            "file".to_string(),
            "/etc/issue.net".to_string()
        )]
    );
    assert_eq!(
        drift_of(&r.json(), "otc-app-1"),
        vec![("banner".to_string(), "/etc/issue.net".to_string())]
    );
    t.harden(&["drift"])
        .code(2)
        .says("banner")
        .says("+Operated by Example GmbH")
        .says("mode 0666");
    t.harden(&["apply", "--yes"]).code(0);
    assert_eq!(t.on("otc-app-1", "cat /etc/issue.net"), WANT);
    assert_eq!(
        t.on("otc-app-1", "stat -c '%a' /etc/issue.net").trim(),
        "644"
    );
    t.harden(&["drift"]).code(0).says("No drift");
    assert_eq!(
        t.on(
            "otc-db-1",
            "test -e /etc/issue.net && echo present || echo absent"
        )
        .trim(),
        "absent"
    );
}
