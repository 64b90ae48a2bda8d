//! The exit-code contract of the real binary, no lab needed: usage errors
//! exit 1 (never 2, which means drift), help and version exit 0 on stdout.
//! Plus the host-selection errors that must come before any connection.

use crate::util::{harden_local, Run};

/// A usage error: exit 1, the message on stderr, nothing on stdout.
#[track_caller]
fn usage_error(args: &[&str], needle: &str) -> Run {
    let r = harden_local(args);
    r.code(1);
    assert!(r.stdout.is_empty(), "usage error on stdout: {}", r.stdout);
    assert!(
        r.stderr.contains(needle),
        "stderr lacks `{needle}`: {}",
        r.stderr
    );
    r
}

/// Help or version the user asked for: exit 0, on stdout, stderr empty.
#[track_caller]
fn asked(args: &[&str], needle: &str) {
    let r = harden_local(args);
    r.code(0);
    assert!(
        r.stdout.contains(needle),
        "stdout lacks `{needle}`: {}",
        r.stdout
    );
    assert!(r.stderr.is_empty(), "stderr: {}", r.stderr);
}

#[test]
fn unknown_flag_exits_1() {
    usage_error(&["drift", "--bogus"], "unexpected argument '--bogus'");
}

#[test]
fn unknown_subcommand_exits_1() {
    usage_error(&["frobnicate"], "unrecognized subcommand 'frobnicate'");
}

#[test]
fn missing_required_argument_exits_1() {
    usage_error(
        &["maintenance", "open", "--host", "db", "--for", "1h"],
        "--reason <REASON>",
    );
}

#[test]
fn bad_value_exits_1() {
    usage_error(&["drift", "--jobs", "0"], "--jobs");
}

#[test]
fn no_subcommand_exits_1_with_help_on_stderr() {
    usage_error(&[], "Usage: harden");
    usage_error(&["maintenance"], "Usage: harden maintenance");
}

#[test]
fn help_exits_0_on_stdout() {
    asked(&["--help"], "Exit codes");
    asked(&["-h"], "Usage: harden");
    asked(&["help"], "Usage: harden");
}

#[test]
fn subcommand_help_exits_0_on_stdout() {
    asked(&["drift", "--help"], "Usage: harden drift");
    asked(&["help", "drift"], "Usage: harden drift");
}

#[test]
fn version_exits_0_on_stdout() {
    asked(&["--version"], env!("CARGO_PKG_VERSION"));
}

/// An inventory of two loopback hosts, each on a port that a listener of
/// the test holds: a connection harden opened would land in its backlog.
/// The errors below must come before any, so `no_connection` finds none.
struct Offline {
    dir: tempfile::TempDir,
    inv: String,
    listeners: Vec<std::net::TcpListener>,
}

impl Offline {
    fn new() -> Offline {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut text = String::from("[defaults]\nconnect_timeout = 1\ncontroller_sources = [\"127.0.0.1\"]\nmanagement_sources = [\"198.51.100.0/28\"]\nknown_hosts = \"known_hosts\"\n");
        let mut listeners = Vec::new();
        for (n, name) in ["db", "app"].iter().enumerate() {
            let addr = format!("127.0.0.{}", n + 1);
            let l = std::net::TcpListener::bind((addr.as_str(), 0)).expect("bind loopback");
            let port = l.local_addr().expect("local addr").port();
            l.set_nonblocking(true).expect("nonblocking");
            listeners.push(l);
            text.push_str(&format!("\n[[hosts]]\nname = \"{name}\"\naddress = \"{addr}\"\nssh_port = {port}\nprovider = \"telekom\"\nenvironment = \"production\"\nroles = [\"data\"]\ndisks = []\n"));
        }
        let p = dir.path().join("inv.toml");
        std::fs::write(&p, text).expect("write inventory");
        std::fs::write(dir.path().join("known_hosts"), "").expect("write known_hosts");
        let inv = p.to_str().expect("utf-8 temp path").to_string();
        Offline {
            dir,
            inv,
            listeners,
        }
    }

    fn harden(&self, args: &[&str]) -> Run {
        let mut all = vec!["-i", self.inv.as_str()];
        all.extend_from_slice(args);
        let r = harden_local(&all);
        self.no_connection(&r);
        r
    }

    #[track_caller]
    fn no_connection(&self, r: &Run) {
        for l in &self.listeners {
            match l.accept() {
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                other => panic!("harden connected before refusing: {other:?}\n{}", r.stderr),
            }
        }
        assert!(self.dir.path().exists());
    }
}

#[test]
fn empty_or_unknown_host_pattern_fails_before_connecting() {
    let o = Offline::new();
    let open = ["maintenance", "open", "--for", "1h", "--reason", "OPS-1"];
    for (args, pattern) in [
        (vec!["maintenance", "close", "--host", ""], "`--host ''`"),
        (vec!["maintenance", "list", "--host", ""], "`--host ''`"),
        (
            vec!["maintenance", "close", "--host", "nope"],
            "`--host 'nope'`",
        ),
        (
            vec!["maintenance", "close", "--host", "db,"],
            "`--host 'db,'`: ''",
        ),
        (vec!["audit", "verify", "--host", ""], "`--host ''`"),
        (vec!["audit", "verify", "--host", "nope"], "`--host 'nope'`"),
        (vec!["drift", "--limit", ""], "`--limit ''`"),
        (vec!["plan", "--limit", "nope"], "`--limit 'nope'`"),
        ([&open[..], &["--host", ""]].concat(), "`--host ''`"),
    ] {
        let r = o.harden(&args);
        r.code(1)
            .says(&format!(
                "{pattern} matches no host of {}; hosts are: db, app",
                o.inv
            ))
            .never_says("not opened on any host");
    }
}

#[test]
fn maintenance_port_other_than_management_fails_before_connecting() {
    let o = Offline::new();
    let r = o.harden(&[
        "maintenance",
        "open",
        "--host",
        "db",
        "--for",
        "1h",
        "--reason",
        "OPS-1",
        "--port",
        "5432",
    ]);
    r.code(1)
        .says("--port 5432 is not the management port of db (its ssh_port is")
        .says("`allow`")
        .never_says("not opened on any host");
    let r = o.harden(&[
        "maintenance",
        "open",
        "--host",
        "*",
        "--for",
        "1h",
        "--reason",
        "OPS-1",
        "--port",
        "0",
    ]);
    r.code(1).says("0 is not in 1..=65535");
}
