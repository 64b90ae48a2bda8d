//! The passwords control on lab hosts, and `harden passwd generate`.
//!
//! Lab hosts are namespaces on an overlay of this machine's `/` (Debian
//! 12): their /etc/login.defs is the stock one (PASS_MAX_DAYS 99999,
//! ENCRYPT_METHOD SHA512), libpam-pwquality is NOT installed (so
//! /etc/security/pwquality.conf does not exist and common-password has no
//! pam_pwquality line). The test says so instead of pretending: it checks
//! that dpkg reports the package absent, asserts the package and PAM
//! findings are report-only drift that apply leaves alone, and writes a
//! site pwquality.conf with `minlen = 8` (the control edits an existing
//! file even without the package). The 200-day-old password is a real
//! one: `chpasswd` hashes it, `chage -d` backdates its last change.

use std::collections::BTreeMap;

use crate::util::{harden_bin, run, TestLab};

/// Every passwords finding of `host`: (check, item) -> (status, actual, message).
fn passwords(
    report: &serde_json::Value,
    host: &str,
) -> BTreeMap<(String, String), (String, String, String)> {
    let mut m = BTreeMap::new();
    for h in report["hosts"].as_array().into_iter().flatten() {
        for f in h["findings"].as_array().into_iter().flatten() {
            if f["control"] == "passwords" && f["host"] == host {
                let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
                m.insert(
                    (s("check"), s("item")),
                    (s("status"), s("actual"), s("message")),
                );
            }
        }
    }
    m
}

fn status<'a>(
    m: &'a BTreeMap<(String, String), (String, String, String)>,
    check: &str,
    item: &str,
) -> &'a (String, String, String) {
    m.get(&(check.to_string(), item.to_string()))
        .unwrap_or_else(|| panic!("no {check} {item}: {m:#?}"))
}

const APP: &str = "otc-app-1";
const SITE_PWQ: &str = "# site settings, kept\nminlen = 8\ndifok = 3\n";

#[test]
fn weak_settings_and_an_old_password_are_findings_apply_repairs_what_it_owns() {
    let t = TestLab::pair("\n[defaults.passwords]\n");
    // What the lab host really has: no pwquality package.
    assert_eq!(
        t.on(
            APP,
            "dpkg-query -W -f='${Status}' libpam-pwquality 2>/dev/null || echo absent"
        )
        .trim(),
        "absent",
        "lab hosts have no libpam-pwquality; this test is written for that"
    );
    let defs_before = t.on(APP, "cat /etc/login.defs");
    assert!(
        defs_before.contains("PASS_MAX_DAYS\t99999"),
        "a weak login.defs to start with"
    );
    t.on(
        APP,
        &format!(
            "mkdir -p /etc/security && printf '{}' > /etc/security/pwquality.conf",
            SITE_PWQ.replace('\n', "\\n")
        ),
    );
    t.on(
        APP,
        "useradd -M -s /bin/sh pwold && echo 'pwold:Lab-only-passw0rd-x' | chpasswd && chage -d \"$(date -u -d '200 days ago' +%F)\" pwold",
    );

    let r = t.harden(&["drift", "--format", "json"]);
    r.code(2);
    let m = passwords(&r.json(), APP);
    let defs = status(&m, "file-keys", "/etc/login.defs");
    assert_eq!(defs.0, "drift");
    assert!(defs.1.contains("PASS_MAX_DAYS=99999"), "{defs:?}");
    let pwq = status(&m, "file-keys", "/etc/security/pwquality.conf");
    assert_eq!(pwq.0, "drift");
    assert!(pwq.1.contains("minlen=8"), "{pwq:?}");
    assert_eq!(status(&m, "password-max-age", "account pwold").0, "drift");
    let age = status(&m, "password-age", "account pwold");
    assert_eq!(age.0, "drift");
    assert!(age.1.starts_with("last changed 200 days ago"), "{age:?}");
    assert_eq!(status(&m, "package", "libpam-pwquality").0, "drift");
    let pam = status(&m, "pam-pwquality", "/etc/pam.d/common-password");
    assert_eq!(pam.0, "drift");
    assert!(
        pam.1.contains("pam_unix.so"),
        "names the line read: {pam:?}"
    );
    assert!(
        !r.stdout.contains("$y$") && !r.stdout.contains("$6$"),
        "no hash in the report"
    );
    // The data host needs 30 characters; it has no pwquality.conf and no
    // package, so nothing is created there.
    let db = passwords(&r.json(), "otc-db-1");
    assert_eq!(
        status(&db, "file-keys", "/etc/security/pwquality.conf").0,
        "info"
    );

    // Apply: it repairs what it owns; the report-only findings stay, so
    // the host still drifts (exit 2), without an error: apply did all it
    // could.
    let r = t.harden(&["apply", "--yes"]);
    r.code(2);
    assert!(
        !r.stdout.contains("still drifting after apply"),
        "{}",
        r.stdout
    );
    let defs_after = t.on(APP, "cat /etc/login.defs");
    let changed: Vec<(&str, &str)> = defs_before
        .lines()
        .zip(defs_after.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(defs_before.lines().count(), defs_after.lines().count());
    assert_eq!(
        changed,
        vec![
            ("PASS_MAX_DAYS\t99999", "PASS_MAX_DAYS\t90"),
            ("PASS_MIN_DAYS\t0", "PASS_MIN_DAYS\t1"),
            ("ENCRYPT_METHOD SHA512", "ENCRYPT_METHOD YESCRYPT"),
        ],
        "every other line of login.defs byte for byte"
    );
    assert_eq!(
        t.on(APP, "cat /etc/security/pwquality.conf"),
        "# site settings, kept\nminlen = 12\ndifok = 3\n# harden: managed keys\ndcredit = 0\nucredit = 0\nlcredit = 0\nocredit = 0\nenforce_for_root\n"
    );
    assert_eq!(
        t.on(APP, "getent shadow pwold | cut -d: -f5").trim(),
        "90",
        "chage -M 90"
    );

    let r = t.harden(&["drift", "--format", "json"]);
    r.code(2);
    let m = passwords(&r.json(), APP);
    for (check, item) in [
        ("file-keys", "/etc/login.defs"),
        ("file-keys", "/etc/security/pwquality.conf"),
        ("password-max-age", "account pwold"),
    ] {
        assert_eq!(status(&m, check, item).0, "in-sync", "{check} {item}");
    }
    let age = status(&m, "password-age", "account pwold");
    assert_eq!(age.0, "drift", "only the user can change the password");
    assert!(
        age.2.contains("pwold"),
        "the finding names the account: {age:?}"
    );
    let drifting: Vec<&(String, String)> = m
        .iter()
        .filter(|(_, v)| v.0 == "drift")
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        drifting
            .iter()
            .map(|(c, i)| format!("{c} {i}"))
            .collect::<Vec<_>>(),
        [
            "package libpam-pwquality",
            "pam-pwquality /etc/pam.d/common-password",
            "password-age account pwold",
        ],
        "only the report-only findings are left"
    );

    // A second apply changes nothing.
    let sums = "sha256sum /etc/login.defs /etc/security/pwquality.conf; getent shadow pwold | cut -d: -f3-";
    let before = t.on(APP, sums);
    let r = t.harden(&["apply", "--yes", "--format", "json"]);
    r.code(2);
    for h in r.json()["hosts"].as_array().expect("hosts") {
        assert_eq!(h["changes_applied"], 0, "{h}");
    }
    assert_eq!(t.on(APP, sums), before);
}

#[test]
fn passwd_generate_prints_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inv = dir.path().join("inventory.toml");
    std::fs::write(
        &inv,
        "[defaults]\ncontroller_sources = [\"10.213.0.2\"]\nknown_hosts = \"known_hosts\"\n\n[[hosts]]\nname = \"app\"\naddress = \"10.0.0.1\"\nprovider = \"telekom\"\nenvironment = \"test\"\nroles = [\"app\"]\n",
    )
    .expect("inventory");
    let listing = || {
        let mut v: Vec<String> = walk(dir.path());
        v.sort();
        v
    };
    let before = listing();
    let cmd = |args: &[&str]| {
        let mut c = std::process::Command::new(harden_bin());
        c.arg("-i")
            .arg(&inv)
            .args(args)
            .current_dir(dir.path())
            .env("HOME", dir.path())
            .env("TMPDIR", dir.path());
        run(c)
    };
    let r = cmd(&["passwd", "generate", "--host", "app", "--count", "3"]);
    r.code(0);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 3);
    for l in lines {
        let (p, bits) = l.split_once("  ").expect("two spaces");
        assert_eq!((p.len(), bits), (12, "72.8 bits"), "{l}");
    }
    cmd(&["passwd", "generate"]).code(0);
    cmd(&["passwd", "generate", "--host", "nope"])
        .code(1)
        .says("[passwd-unknown-host]");
    cmd(&["passwd", "generate", "--count", "101"]).code(1);
    assert_eq!(
        listing(),
        before,
        "no file, no audit log, no temporary file"
    );
}

fn walk(d: &std::path::Path) -> Vec<String> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(d).expect("dir").flatten() {
        let p = e.path();
        v.push(p.display().to_string());
        if p.is_dir() {
            v.extend(walk(&p));
        }
    }
    v
}
