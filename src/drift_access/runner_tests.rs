use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};

use super::*;
use crate::contract::Probe;

fn run(runner: &str, stdin: &str) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("probe-runner");
    std::fs::write(&path, runner).unwrap();
    let mut c = Command::new("sh");
    c.arg(&path).env("SSH_ORIGINAL_COMMAND", "sh -s");
    feed(c, stdin)
}

/// Runs `c` with `stdin` on its standard input: (exit, stdout, stderr).
fn feed(mut c: Command, stdin: &str) -> (i32, String, String) {
    let mut c = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A runner that refuses before reading may close its stdin first.
    let _ = c.stdin.take().unwrap().write_all(stdin.as_bytes());
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

/// Runs `runner` as `nobody` (uid 65534) with `args`, the way sshd starts
/// the forced command of a non-root ssh_user, with `path` as its PATH.
fn run_as_nobody(runner: &str, path: Option<&str>, args: &[&str]) -> (i32, String, String) {
    use std::os::unix::fs::PermissionsExt;
    // SAFETY: geteuid has no preconditions.
    assert_eq!(
        unsafe { libc::geteuid() },
        0,
        "this test drops to nobody: run it as root"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let text = match path {
        Some(p) => {
            let real = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
            assert!(runner.contains(real));
            runner.replace(real, &format!("PATH={p}"))
        }
        None => runner.to_string(),
    };
    let file = dir.path().join("probe-runner");
    std::fs::write(&file, text).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut c = Command::new("setpriv");
    c.args([
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--",
        "sh",
    ])
    .arg(&file)
    .args(args)
    .env("SSH_CONNECTION", "10.213.0.2 40000 10.213.0.12 22");
    feed(c, "the request line\n")
}

/// A PATH directory (readable by nobody) holding `id` and, when given, a
/// fake `sudo` with body `sudo`.
fn fake_path(sudo: Option<&str>) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::symlink("/usr/bin/id", dir.path().join("id")).unwrap();
    if let Some(body) = sudo {
        let p = dir.path().join("sudo");
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    dir
}

#[test]
fn a_non_root_runner_becomes_root_through_sudo_or_refuses_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let (one, _) = sets(dir.path());
    let runner = runner::render(std::slice::from_ref(&one));

    // sudo is not installed.
    let p = fake_path(None);
    let (rc, out, err) = run_as_nobody(&runner, Some(&p.path().display().to_string()), &[]);
    assert_eq!(rc, EXIT_REFUSED, "{out} {err}");
    assert!(
        err.starts_with(REFUSED) && err.contains("sudo is not installed"),
        "{err}"
    );
    assert!(err.contains("runs as nobody, not root"), "{err}");

    // sudo would ask for a password (or does not allow the runner).
    let p = fake_path(Some("echo 'sudo: a password is required' >&2; exit 1"));
    let (rc, _, err) = run_as_nobody(&runner, Some(&p.path().display().to_string()), &[]);
    assert_eq!(rc, EXIT_REFUSED, "{err}");
    assert!(
        err.contains("sudo asks for a password") && err.contains("NOPASSWD"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    // Passwordless sudo: the runner re-executes itself through it, with
    // the client's address, and the request line is still unread.
    let p = fake_path(Some(
        r#"[ "$2" = -l ] && exit 0; printf 'sudo %s|' "$*"; read -r l; printf '%s\n' "$l""#,
    ));
    let (rc, out, err) = run_as_nobody(&runner, Some(&p.path().display().to_string()), &[]);
    assert_eq!(rc, 0, "{err}");
    assert_eq!(
        out,
        format!("sudo -n -- {RUNNER} sudo 10.213.0.2|the request line\n")
    );

    // Still not root after sudo: refused, no loop.
    let (rc, _, err) = run_as_nobody(&runner, None, &["sudo", "10.213.0.2"]);
    assert_eq!(rc, EXIT_REFUSED, "{err}");
    assert!(err.contains("still not root after sudo"), "{err}");

    // The real sudo refuses nobody: a clear refusal, not sudo's prompt.
    let (rc, _, err) = run_as_nobody(&runner, None, &[]);
    assert_eq!(rc, EXIT_REFUSED, "{err}");
    assert!(err.starts_with(REFUSED) && err.contains("sudo"), "{err}");
}
