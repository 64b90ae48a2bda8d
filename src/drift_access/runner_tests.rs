use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};

use super::*;
use crate::contract::Probe;

fn run(runner: &str, stdin: &str) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("probe-runner");
    std::fs::write(&path, runner).unwrap();
    let mut c = Command::new("sh")
        .arg(&path)
        .env("SSH_ORIGINAL_COMMAND", "sh -s")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let o = c.wait_with_output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn sets(dir: &std::path::Path) -> (BTreeSet<Probe>, BTreeSet<Probe>) {
    std::fs::write(dir.join("f"), "a b\n@@fake\n").unwrap();
    let one: BTreeSet<Probe> = [
        Probe::File(dir.join("f").display().to_string()),
        Probe::File("/nonexistent/harden".into()),
        Probe::Dir(dir.display().to_string()),
        Probe::cmd("c", "printf 'out'; printf 'err' >&2; exit 4"),
    ]
    .into_iter()
    .collect();
    let two: BTreeSet<Probe> = [Probe::cmd("d", "echo second")].into_iter().collect();
    (one, two)
}

#[test]
fn answers_each_installed_phase_exactly_as_the_script_would() {
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = sets(dir.path());
    let runner = runner::render(&[one.clone(), two.clone()]);
    for set in [&one, &two] {
        let nonce = "0123456789abcdef";
        let (rc, out, err) = run(&runner, &request(set, nonce));
        assert_eq!(rc, 0, "{err}");
        let direct = Command::new("sh")
            .arg("-c")
            .arg(crate::backend::ssh::probe::script(set, nonce))
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out, String::from_utf8_lossy(&direct.stdout));
        let facts = crate::backend::ssh::probe::parse(&out, nonce).unwrap();
        assert!(facts.base.uid.is_some());
    }
    let nonce = "fedcba9876543210";
    let (_, out, _) = run(&runner, &request(&one, nonce));
    let f = crate::backend::ssh::probe::parse(&out, nonce).unwrap();
    assert_eq!(
        f.file(&dir.path().join("f").display().to_string()).text(),
        "a b\n@@fake\n"
    );
    assert_eq!(f.cmd("c").unwrap().rc, 4);
}

#[test]
fn refuses_everything_else() {
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = sets(dir.path());
    let runner = runner::render(std::slice::from_ref(&one));
    let marker = dir.path().join("written");
    let m = marker.display().to_string();
    let digest = frozen(&one).1;
    let cases = [
        format!("touch {m}\n"),
        format!("echo x > {m}; exit 0\n"),
        String::new(),
        format!("{REQUEST_WORD} 1 {digest} 0123456789abcdef; touch {m}\n"),
        format!("{REQUEST_WORD} 1 {digest} $(touch {m})\n"),
        format!("{REQUEST_WORD} 1 {digest} 0123456789ABCDEF\n"),
        format!("{REQUEST_WORD} 2 {digest} 0123456789abcdef\n"),
        format!("{REQUEST_WORD} 1 {digest}\n"),
        format!("{REQUEST_WORD} 1 {} 0123456789abcdef\n", "a".repeat(64)),
        request(&two, "0123456789abcdef"),
    ];
    for stdin in &cases {
        let (rc, out, err) = run(&runner, stdin);
        assert_eq!(rc, EXIT_REFUSED, "{stdin:?}: {out} {err}");
        assert!(err.starts_with(REFUSED), "{stdin:?}: {err}");
        assert!(!out.contains("@@"), "{stdin:?} answered: {out}");
        assert!(!marker.exists(), "{stdin:?} wrote a file");
    }
    let (_, _, err) = run(&runner, &request(&two, "0123456789abcdef"));
    assert!(err.contains("probe set not installed"), "{err}");
    assert!(explain(3, &err).contains("run `harden apply`"));
}

#[test]
fn runner_is_valid_sh() {
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = sets(dir.path());
    let p = dir.path().join("r");
    std::fs::write(&p, runner::render(&[one, two])).unwrap();
    assert!(Command::new("sh")
        .arg("-n")
        .arg(&p)
        .status()
        .unwrap()
        .success());
}

#[test]
fn credential_checks_principal_and_expiry() {
    let dir = tempfile::tempdir().unwrap();
    assert!(credential::load(dir.path(), 0)
        .unwrap_err()
        .0
        .contains("cannot read"));
}
