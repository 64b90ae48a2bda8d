//! Tests for the generated ssh_config: hostile paths are refused, odd but
//! safe ones are quoted, and the real `ssh -G` reads back what was meant.

use super::*;
use crate::testkit;
use std::path::PathBuf;
use std::time::Duration;

fn host(dir: &Path) -> Host {
    let inv = testkit::inventory()
        .host("app", "10.213.0.12", "app")
        .load_at(&dir.join("t.toml"));
    let mut h = inv.hosts[0].clone();
    h.conn.known_hosts = dir.join("known_hosts");
    std::fs::write(&h.conn.known_hosts, "").expect("known_hosts");
    h
}

fn client(dir: &Path) -> ClientConfig {
    ClientConfig {
        dir: dir.to_path_buf(),
        run_identity: Vec::new(),
        ca_known_hosts: None,
        command_timeout: Duration::from_secs(5),
    }
}

#[test]
fn a_path_with_a_line_break_cannot_add_a_proxy_command() {
    let d = tempfile::tempdir().expect("tempdir");
    let mut h = host(d.path());
    let evil = d.path().join("id\"\nProxyCommand touch /tmp/x");
    h.conn.identity = Some(evil.clone());
    let e = render(&h, &client(d.path())).expect_err("must refuse");
    assert!(e.to_string().contains("control character"), "{e}");
    // Same for the known_hosts path and the run's own key, and for a bare quote.
    let mut h2 = host(d.path());
    h2.conn.known_hosts = evil.clone();
    assert!(render(&h2, &client(d.path()))
        .expect_err("known_hosts")
        .to_string()
        .contains("control character"));
    let q = d.path().join("id\" ProxyCommand=x");
    std::fs::write(&q, "").expect("write");
    let mut h3 = host(d.path());
    h3.conn.identity = Some(q.clone());
    assert!(render(&h3, &client(d.path()))
        .expect_err("quote")
        .to_string()
        .contains("`\"`"));
    let mut c = client(d.path());
    c.run_identity = vec![(q, PathBuf::from("/x"))];
    assert!(render(&host(d.path()), &c).is_err());
}

#[test]
fn expansions_and_relative_paths_are_refused() {
    let d = tempfile::tempdir().expect("tempdir");
    for bad in [
        "~/id",
        "id",
        "/a/${HOME}/id",
        "/a\\b",
        "/a\u{2028}b",
        "/a\tb",
    ] {
        let e = path_word("app", "identity", Path::new(bad));
        assert!(e.is_err(), "{bad} accepted");
    }
    let _ = d;
}

#[test]
fn user_is_validated() {
    for bad in [
        "x\"$(id)\"",
        "",
        "-oProxyCommand=x",
        "a b",
        "a\nb",
        "root%u",
        &"a".repeat(33),
    ] {
        assert!(user_word("app", bad).is_err(), "{bad:?} accepted");
    }
    for good in ["root", "deploy", "svc_harden", "a.b-c"] {
        assert_eq!(user_word("app", good).expect("ok"), good);
    }
}

#[test]
fn percent_is_escaped_and_spaces_are_quoted() {
    assert_eq!(
        path_word("app", "identity", Path::new("/k/100% sure/id")).expect("ok"),
        "\"/k/100%% sure/id\""
    );
}

/// `ssh -G` prints the effective client config without connecting.
fn ssh_g(conf: &Path) -> String {
    let out = std::process::Command::new("ssh")
        .args(["-G", "-F"])
        .arg(conf)
        .arg("10.213.0.12")
        .output()
        .expect("ssh -G (openssh-client installed)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn ssh_reads_back_the_intended_values() {
    let d = tempfile::tempdir().expect("tempdir");
    let odd = d.path().join("my keys 100%");
    std::fs::create_dir(&odd).expect("mkdir");
    let id = odd.join("id 'x'");
    std::fs::write(&id, "").expect("write");
    let mut h = host(d.path());
    h.conn.identity = Some(id.clone());
    let kh = odd.join("known hosts");
    std::fs::write(&kh, "").expect("write");
    h.conn.known_hosts = kh.clone();
    let mut c = client(d.path());
    c.run_identity = vec![(odd.join("run key"), odd.join("run key-cert.pub"))];
    let conf = d.path().join("ssh_config");
    std::fs::write(&conf, render(&h, &c).expect("render")).expect("write");
    let g = ssh_g(&conf);
    let lines: Vec<&str> = g.lines().collect();
    let has = |l: String| assert!(lines.contains(&l.as_str()), "missing `{l}` in\n{g}");
    // `ssh -G` prints identity and certificate files before %-expansion
    // (ssh expands them when it loads them) and known_hosts files after:
    // one word each, spaces and quotes kept, `%%` read back as `%`.
    let raw = |p: PathBuf| p.display().to_string().replace('%', "%%");
    has(format!("identityfile {}", raw(id.clone())));
    has(format!("identityfile {}", raw(odd.join("run key"))));
    has(format!(
        "certificatefile {}",
        raw(odd.join("run key-cert.pub"))
    ));
    has(format!("userknownhostsfile {}", kh.display()));
    has("user root".into());
    assert!(!g.contains("proxycommand"), "{g}");
}
