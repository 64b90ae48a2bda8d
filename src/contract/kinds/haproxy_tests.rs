use super::*;
use crate::contract::kinds::fixture;
use crate::contract::kinds::live::{out, run, scratch};

const VV: &str = fixture!("haproxy/vv.out");
const VV_INFO: &str = fixture!("haproxy/vv-info.out");
const VV_GONE: &str = fixture!("haproxy/vv-socket-gone.out");

fn stats() -> HaproxyState {
    HaproxyState::with_stats("/run/haproxy/admin.sock").expect("path")
}

fn malformed(k: &HaproxyState, s: &str) -> bool {
    matches!(k.parse(&out(0, s, "")), Err(KindError::Malformed { .. }))
}

#[test]
fn debian12_haproxy_vv() {
    let v = HaproxyState::build_only()
        .parse(&out(0, VV, ""))
        .expect("parses");
    let b = v.build.expect("installed");
    assert_eq!(b.version, "2.6.12-1+deb12u4");
    assert_eq!(b.release_date.as_deref(), Some("2026/10/17"));
    assert_eq!(
        b.openssl_built.as_deref(),
        Some("OpenSSL 3.0.22 25 Aug 2026")
    );
    assert_eq!(
        b.openssl_running.as_deref(),
        Some("OpenSSL 3.0.19 27 Jan 2026")
    );
    assert_eq!(b.tls_versions, ["TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"]);
    assert!(b
        .status
        .as_deref()
        .unwrap_or("")
        .starts_with("long-term supported"));
    assert_eq!(v.stats, Stats::NotAsked);
}

#[test]
fn debian12_show_info_and_a_dead_socket() {
    let v = stats().parse(&out(0, VV_INFO, "")).expect("parses");
    let Stats::Info(i) = v.stats else {
        panic!("no show info: {:?}", v.stats)
    };
    assert_eq!(
        (i.pid, i.nbthread, i.curr_conns, i.stopping),
        (30005, 2, 0, false)
    );
    assert_eq!(i.version, "2.6.12-1+deb12u4");
    assert_eq!(i.fields.get("Maxconn").map(String::as_str), Some("9986"));
    assert_eq!(
        i.fields.get("Unstoppable Jobs").map(String::as_str),
        Some("0")
    );
    let gone = stats().parse(&out(0, VV_GONE, "")).expect("parses");
    assert_eq!(gone.stats, Stats::Unreachable(3));
    assert!(gone.build.is_some());
    let absent = stats().parse(&out(0, "@@absent\n", "")).expect("parses");
    assert_eq!((absent.build, absent.stats), (None, Stats::NotAsked));
}

#[test]
fn hostile_haproxy_output_is_a_typed_error() {
    let k = stats();
    assert!(malformed(&k, ""), "empty");
    assert!(
        malformed(&k, &VV_INFO[..VV_INFO.len() / 2]),
        "truncated show info"
    );
    assert!(malformed(&k, &VV[..100]), "truncated -vv");
    assert!(malformed(&k, VV), "socket asked, no @@info section");
    assert!(
        malformed(&HaproxyState::build_only(), VV_INFO),
        "@@info not asked for"
    );
    assert!(
        malformed(&k, &format!("{VV_INFO}more\n")),
        "junk after the end"
    );
    let edit = |from: &str, to: &str| {
        assert!(VV_INFO.contains(from), "{from}");
        VV_INFO.replacen(from, to, 1)
    };
    assert!(
        malformed(&k, &edit("Pid: 30005", "Pid: 99999999999")),
        "huge pid"
    );
    assert!(malformed(&k, &edit("Pid: 30005\n", "")), "no pid");
    assert!(
        malformed(&k, &edit("node: vm", "node: v\u{1b}]0;pwn\u{7}")),
        "escape"
    );
    assert!(
        malformed(&k, &edit("Nbthread: 2", "Nbthread: 0")),
        "zero threads"
    );
    assert!(
        malformed(&k, &edit("CurrConns: 0", "CurrConns: 0\nCurrConns: 1")),
        "twice"
    );
    assert!(
        malformed(&k, &edit("@@info-rc 0", "@@info-rc x")),
        "rc text"
    );
    assert!(
        malformed(&k, &edit("HAProxy version 2.6", "HAProxy version x2.6")),
        "version"
    );
    assert!(
        malformed(&k, &edit("HAProxy version", "Nginx version")),
        "not haproxy"
    );
    let long = edit("OpenSSL 3.0.19", &format!("OpenSSL {}", "9".repeat(300)));
    assert!(malformed(&k, &long), "long OpenSSL line");
    let many: String = (0..600).map(|i| format!("K{i}: 1\n")).collect();
    assert!(malformed(&k, &edit("Name: HAProxy\n", &many)), "600 fields");
    let failed = edit("@@vv-rc 0", "@@vv-rc 1");
    assert!(matches!(
        k.parse(&out(0, &failed, "")),
        Err(KindError::Failed { rc: 1, .. })
    ));
    let big = format!("@@vv\n{}", "x".repeat(MAX_BYTES));
    assert!(matches!(
        k.parse(&out(0, &big, "")),
        Err(KindError::TooLarge { .. })
    ));
    assert_eq!(
        k.parse(&out(127, "", "")).expect_err("rc").code(),
        "FACT-EXIT"
    );
    assert!(HaproxyState::with_stats("run/x.sock").is_err());
    assert!(HaproxyState::with_stats("/run/\u{0}x").is_err());
}

/// Starts a haproxy (foreground, unix sockets only: no port) in a scratch
/// dir, reads it with the real script, stops it by its pid.
#[test]
fn live_haproxy_on_this_machine_parses() {
    let d = scratch("haproxy");
    let sock = d.join("stats.sock").to_string_lossy().into_owned();
    let cfg = format!(
        "global\n    stats socket {sock} mode 600 level user\n\
         defaults\n    mode tcp\n    timeout connect 1s\n    timeout client 5s\n    timeout server 5s\n\
         frontend fx\n    bind unix@{}/fe.sock\n    default_backend none\nbackend none\n",
        d.display()
    );
    let cfg_path = d.join("h.cfg");
    std::fs::write(&cfg_path, cfg).expect("config");
    let mut child = std::process::Command::new("haproxy")
        .arg("-db")
        .arg("-f")
        .arg(&cfg_path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("haproxy starts");
    let pid = child.id();
    let k = HaproxyState::with_stats(&sock).expect("path");
    // Wait (bounded) until the socket answers.
    let mut got = None;
    for _ in 0..100 {
        match run(&k) {
            Ok(HaproxyValue {
                stats: Stats::Info(i),
                build,
                ..
            }) => {
                got = Some((i, build));
                break;
            }
            Ok(_) => std::thread::sleep(std::time::Duration::from_millis(50)),
            Err(e) => {
                let _ = child.kill();
                panic!("{e}");
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&d);
    let (info, build) = got.expect("show info answered within 5 s");
    assert_eq!(info.pid, pid);
    assert_eq!(build.map(|b| b.version), Some(info.version));
    let none = run(&HaproxyState::with_stats("/nonexistent/stats.sock").expect("path"));
    assert_eq!(none.expect("parses").stats, Stats::Unreachable(3));
}
