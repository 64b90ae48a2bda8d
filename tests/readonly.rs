//! The read-only CI drift credential (`harden ca sign-drift`,
//! `harden drift --credential`) against the real lab: it sees what full
//! access sees, and it can do nothing else.

use std::path::PathBuf;

use crate::util::{ca_lab, Run, TestLab};

mod rotation;
mod sudo;

/// A CA lab (alice, management) applied with full access, and a drift
/// credential in `drift-cred` with its serial.
fn lab() -> (TestLab, PathBuf, u64) {
    let (t, _) = ca_lab(&[("alice", "management")], "", |_| {});
    let (cred, serial) = sign(&t, "drift-cred", &[]);
    (t, cred, serial)
}

/// `harden ca sign-drift --out LAB/name extra…`: the credential directory
/// and its serial.
fn sign(t: &TestLab, name: &str, extra: &[&str]) -> (PathBuf, u64) {
    let cred = t.lab.dir.join(name);
    let out = cred.display().to_string();
    let mut args = vec!["ca", "sign-drift", "--out", out.as_str()];
    args.extend(extra);
    let r = t.harden(&args);
    r.code(0).says("signed the drift credential");
    let serial = r
        .stderr
        .split("serial ")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .and_then(|s| s.parse().ok())
        .expect("serial in sign-drift output");
    (cred, serial)
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
    // It really logged in with the drift certificate, not full access.
    for host in ["otc-db-1", "otc-app-1"] {
        assert!(
            t.on(host, "cat /var/log/auth.log")
                .contains("ID harden-drift/"),
            "{host}: no login with the drift certificate"
        );
    }

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
    // The evidence report runs on the same credential and names the host.
    let c = cred.display().to_string();
    let rep = t.harden(&["report", "--format", "json", "--credential", &c]);
    rep.code(2);
    assert!(rep.stdout.contains("otc-app-1"), "{}", rep.stdout);
}

/// Runs `cmd` on `addr` as root with the drift key and certificate.
fn ssh_cred(t: &TestLab, cred: &std::path::Path, addr: &str, cmd: &str, opts: &[&str]) -> Run {
    let key = cred.join(harden::drift_access::credential::KEY);
    t.ssh_opts(&t.lab.controller_ns(), &key, "root", addr, cmd, opts)
}

#[test]
fn the_ci_credential_cannot_write_run_a_shell_or_sign() {
    let (t, cred, _) = lab();
    let addr = "10.213.0.12";
    let marker = "/tmp/drift-cred-marker";
    let attempts: [(&str, &[&str]); 6] = [
        ("sh -c 'touch /tmp/drift-cred-marker'", &[]),
        ("cat /etc/shadow", &[]),
        ("harden-drift-probe 0000000000000000", &[]),
        (
            "harden-drift-probe ../../../bin/sh -c 'touch /tmp/drift-cred-marker'",
            &[],
        ),
        ("touch /tmp/drift-cred-marker", &["RequestTTY=force"]),
        ("", &["RequestTTY=force"]),
    ];
    for (cmd, opts) in attempts {
        let r = ssh_cred(&t, &cred, addr, cmd, opts);
        assert_ne!(
            r.code, 0,
            "{cmd:?} {opts:?} was not refused: {} {}",
            r.stdout, r.stderr
        );
        assert!(
            !r.stdout.contains("root:"),
            "{cmd:?} leaked /etc/shadow: {}",
            r.stdout
        );
        let out = format!("{}{}", r.stdout, r.stderr);
        assert!(
            out.contains(harden::drift_access::REFUSED)
                || out.contains("PTY allocation request failed"),
            "{cmd:?} {opts:?}: no refusal seen: {out}"
        );
    }
    let seen = t.on(
        "otc-app-1",
        &format!("test -e {marker} && echo present || echo absent"),
    );
    assert_eq!(seen.trim(), "absent", "the credential wrote a file");

    let c = cred.display().to_string();
    t.harden(&["apply", "--yes", "--credential", &c])
        .code(1)
        .never_says("Apply complete");
    t.harden(&["plan", "--credential", &c]).code(1);
    t.harden(&[
        "maintenance",
        "open",
        "--host",
        "otc-app-1",
        "--for",
        "10m",
        "--reason",
        "OPS-1 test",
        "--credential",
        &c,
    ])
    .code(1);
    // Signing needs the CA passphrase, which the credential does not carry.
    let mut cmd = t
        .lab
        .cmd_in(&t.lab.controller_ns(), crate::util::harden_bin());
    cmd.arg("-i")
        .arg(&t.inv)
        .args(["ca", "sign-user", "alice", "--key"])
        .arg(t.lab.dir.join("alice.pub"))
        .env_remove("HARDEN_CA_PASSPHRASE")
        .env(harden::drift_access::credential::ENV, &cred)
        .stdin(std::process::Stdio::null());
    let r = crate::util::run(cmd);
    r.code(1)
        .says("the CA passphrase is needed")
        .never_says("serial");
}

/// CI has the credential (through the environment) and no CA passphrase.
fn drift_ci(t: &TestLab, cred: &std::path::Path) -> Run {
    let mut cmd = t
        .lab
        .cmd_in(&t.lab.controller_ns(), crate::util::harden_bin());
    cmd.arg("-i")
        .arg(&t.inv)
        .args(["drift", "--format", "json"])
        .env_remove("HARDEN_CA_PASSPHRASE")
        .env(harden::drift_access::credential::ENV, cred)
        .stdin(std::process::Stdio::null());
    crate::util::run(cmd)
}

/// (host, error) of every failed host in a run's JSON report; a failed
/// host must have read nothing.
fn host_errors(r: &Run) -> Vec<(String, String)> {
    let report = r.json();
    let hosts = report["hosts"].as_array().cloned().unwrap_or_default();
    hosts
        .iter()
        .filter(|h| h["status"] == "failed")
        .map(|h| {
            assert!(
                h["findings"].as_array().is_some_and(|f| f.is_empty()),
                "{h}"
            );
            let s = |k: &str| h[k].as_str().unwrap_or_default().to_string();
            (s("host"), s("error"))
        })
        .collect()
}

#[test]
fn a_revoked_ci_credential_is_refused() {
    let (t, cred, serial) = lab();
    let r = drift_ci(&t, &cred);
    r.code(0);
    assert_eq!(findings(&r.json()), findings(&drift(&t, None, 0)));
    let state = t.lab.dir.join("ca/state.json");
    let before = std::fs::read(&state).expect("CA state");
    t.harden(&[
        "ca",
        "revoke",
        "--serial",
        &serial.to_string(),
        "--reason",
        "OPS-2 rotated",
    ])
    .code(0);
    t.harden(&["apply", "--yes"]).code(0);
    // The local revocation list already says so: one line, no connection.
    let r = drift_ci(&t, &cred);
    r.code(1)
        .says(&format!("its serial {serial} is revoked"))
        .says("harden ca sign-drift")
        .never_says("authentication failures");
    // One error line (besides the inventory's policy warnings) names it all.
    let said: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("harden:"))
        .collect();
    assert_eq!(said.len(), 1, "{}", r.stderr);
    assert!(
        said[0].contains("revoked") && said[0].contains("sign-drift"),
        "{}",
        said[0]
    );
    assert!(r.stdout.trim().is_empty(), "a host was read: {}", r.stdout);

    // A controller whose CA copy is behind (the revocation not pulled
    // yet): the hosts refuse the certificate, and the error says why.
    std::fs::write(&state, before).expect("restore the old CA state");
    let r = drift_ci(&t, &cred);
    r.code(1).never_says("\"status\":\"ok\"");
    let errors = host_errors(&r);
    assert_eq!(errors.len(), 2, "{}", r.stdout);
    for (_, e) in &errors {
        assert!(e.contains("cannot connect"), "{e}");
        assert!(e.contains("the host refused the drift credential"), "{e}");
        assert!(e.contains("revocation list"), "{e}");
    }
    // The hosts refused the certificate: sshd logs the revoked key.
    assert!(
        t.on("otc-app-1", "cat /var/log/auth.log")
            .contains("revoked"),
        "sshd did not log a revoked key"
    );
}
