//! The read-only CI drift credential (`harden ca sign-drift`,
//! `harden drift --credential`) against the real lab: it sees what full
//! access sees, and it can do nothing else.

use std::path::PathBuf;

use crate::util::TestLab;

const INV: &str = r#"{defaults}
[ca]
dir = "ca"

[[users]]
name = "alice"
role = "management"
public_keys = ["ALICE"]

[[hosts]]
name = "otc-db-1"
address = "10.213.0.11"
provider = "telekom"
environment = "production"
roles = ["data"]
disks = []

[[hosts]]
name = "otc-app-1"
address = "10.213.0.12"
provider = "telekom"
environment = "production"
roles = ["app"]
"#;

/// A CA lab, applied with full access, and a drift credential in `cred`.
fn lab() -> (TestLab, PathBuf, u64) {
    let t = TestLab::new(&["otc-db-1", "otc-app-1"], "{defaults}");
    let (_alice, alice_pub) = t.keypair("alice");
    t.inventory("inventory.toml", &INV.replace("ALICE", &alice_pub));
    t.harden(&["ca", "init"]).code(0);
    t.harden(&["apply", "--yes"]).code(0);
    let cred = t.lab.dir.join("drift-cred");
    let r = t.harden(&["ca", "sign-drift", "--out", &cred.display().to_string()]);
    r.code(0).says("signed the drift credential");
    let serial = r
        .stderr
        .split("serial ")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .and_then(|s| s.parse().ok())
        .expect("serial in sign-drift output");
    (t, cred, serial)
}

/// (host, control, check, item, status) of every finding.
fn findings(report: &serde_json::Value) -> Vec<(String, String, String, String, String)> {
    let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let mut v: Vec<_> = report["hosts"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|h| h["findings"].as_array().into_iter().flatten())
        .map(|f| {
            (
                s(&f["host"]),
                s(&f["control"]),
                s(&f["check"]),
                s(&f["item"]),
                s(&f["status"]),
            )
        })
        .collect();
    v.sort();
    v
}

fn drift(t: &TestLab, cred: Option<&PathBuf>, want: i32) -> serde_json::Value {
    let c;
    let mut args = vec!["drift", "--format", "json"];
    if let Some(p) = cred {
        c = p.display().to_string();
        args.extend(["--credential", c.as_str()]);
    }
    let r = t.harden(&args);
    r.code(want);
    r.json()
}

#[test]
fn drift_with_the_ci_credential_sees_what_full_access_sees() {
    let (t, cred, _) = lab();
    let full = drift(&t, None, 0);
    let ro = drift(&t, Some(&cred), 0);
    let (f, r) = (findings(&full), findings(&ro));
    assert!(!f.is_empty(), "full access found no findings at all");
    assert_eq!(f, r, "the credential sees something else than full access");

    t.on(
        "otc-app-1",
        "echo '# edited by hand' >> /etc/harden/firewall.nft",
    );
    let full = drift(&t, None, 2);
    let ro = drift(&t, Some(&cred), 2);
    let (f, r) = (findings(&full), findings(&ro));
    assert_eq!(f, r, "after drift, the credential sees something else");
    assert!(
        f.iter().any(|x| x.0 == "otc-app-1" && x.4 == "drift"),
        "the hand edit is not reported: {f:?}"
    );
    assert!(
        !f.iter().any(|x| x.0 == "otc-db-1" && x.4 == "drift"),
        "the untouched host drifts: {f:?}"
    );
}
