//! Tests of the apply script: quoting, temp-file cleanup, key-level
//! writes refused when the file changed since it was read.

use super::*;
use sha2::Digest;

const HOSTILE: &str = "/etc/x$(touch /tmp/pwned)`id`\"q\"'s' ;y";

fn hostile_script() -> String {
    let f = ManagedFile::root(HOSTILE, "x", 0o600, "t").validated_by("true {}");
    let q = Quarantine {
        path: format!("{HOSTILE}.d"),
        tom: "t",
    };
    apply(&Apply {
        run: "r1",
        control: "c",
        files: vec![&f],
        quarantine: vec![&q],
        activate: Vec::new(),
        guard_secs: Some(5),
    })
}

/// Runs only the "changed since read" guard of the apply script for `f`.
fn guard_exit(f: &ManagedFile) -> Option<i32> {
    let s = apply(&Apply {
        run: "r",
        control: "c",
        files: vec![f],
        quarantine: vec![],
        activate: vec![],
        guard_secs: None,
    });
    let check: String = s
        .lines()
        .filter(|l| l.contains("changed since harden read it"))
        .collect();
    assert!(!check.is_empty(), "no guard line in:\n{s}");
    std::process::Command::new("sh")
        .args(["-c", &check])
        .output()
        .expect("sh")
        .status
        .code()
}

#[test]
fn a_keyed_file_changed_since_read_is_not_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("login.defs");
    std::fs::write(&path, "A 1\n").expect("write");
    let mut f = ManagedFile::root(&path.display().to_string(), "A 2\n", 0o644, "t");
    // The plan read "A 0", the host has "A 1" now: refused.
    f.unchanged_since = Some(format!("{:x}", sha2::Sha256::digest(b"A 0\n")));
    assert_eq!(guard_exit(&f), Some(1));
    f.unchanged_since = Some(format!("{:x}", sha2::Sha256::digest(b"A 1\n")));
    assert_eq!(guard_exit(&f), Some(0));
    // Read as absent, but created since: refused.
    f.unchanged_since = Some(crate::contract::plan_keys::ABSENT.into());
    assert_eq!(guard_exit(&f), Some(1));
}

#[test]
fn every_path_in_the_script_is_quoted_messages_included() {
    let s = hostile_script();
    let mut rest = s.clone();
    for quoted in [
        sh_quote(&tmp_path(&format!("{STATE_DIR}/originals{HOSTILE}"))),
        sh_quote(&format!("{STATE_DIR}/originals{HOSTILE}")),
        sh_quote(&tmp_path(HOSTILE)),
        sh_quote(
            &format!("{HOSTILE}.d")
                .trim_start_matches('/')
                .replace('/', "_"),
        ),
        sh_quote(&format!("{HOSTILE}.d")),
        sh_quote(HOSTILE),
    ] {
        assert!(rest.contains(&quoted), "{quoted} not used:\n{s}");
        rest = rest.replace(&quoted, "P");
    }
    for raw in ["$(touch", "`id`", "\"q\""] {
        assert!(!rest.contains(raw), "`{raw}` unquoted in:\n{s}");
    }
    let out = std::process::Command::new("sh")
        .args(["-n", "-c", &s])
        .output()
        .expect("sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_failed_write_removes_its_temp_file() {
    let s = hostile_script();
    let tmp = sh_quote(&tmp_path(HOSTILE));
    let otmp = sh_quote(&tmp_path(&format!("{STATE_DIR}/originals{HOSTILE}")));
    // Each line that writes a temp file removes it on its failure branch.
    for line in s.lines() {
        for t in [&tmp, &otmp] {
            if line.contains(&format!("{t} && mv -f {t}")) {
                assert!(line.contains(&format!("|| {{ rm -f {t};")), "{line}");
            }
        }
    }
    let writes = s.matches(&format!("{tmp} && mv -f {tmp}")).count();
    // swap, restore (inline), restore (rollback copy).
    assert_eq!(writes, 3, "{s}");
    assert!(s.contains(&format!("{otmp} && mv -f {otmp}")), "{s}");
}
