//! `show stat` and `show proc` as a real HAProxy 2.6 printed them (a good
//! reload, a refused one, a stopped process), and hostile variants.

use super::*;
use crate::contract::kinds::fixture;
use crate::contract::kinds::live::out;

const RUNNING: &str = fixture!("haproxy/running.out");
const FAILED: &str = fixture!("haproxy/running-reload-failed.out");
const STOPPED: &str = fixture!("haproxy/running-stopped.out");

fn k() -> HaproxyState {
    HaproxyState::running("/run/haproxy/admin.sock", "/run/haproxy-master.sock").expect("paths")
}

fn malformed(s: &str) -> bool {
    matches!(k().parse(&out(0, s, "")), Err(KindError::Malformed { .. }))
}

#[test]
fn debian12_show_stat_and_show_proc() {
    let v = k().parse(&out(0, RUNNING, "")).expect("parses");
    let Stats::Info(i) = &v.stats else {
        panic!("{:?}", v.stats)
    };
    assert_eq!(
        i.fields.get("description").map(String::as_str),
        Some("harden:3f1c0d6a8e2b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d")
    );
    let servers = v.servers.expect("show stat");
    let row = |p: &str, s: &str| {
        servers
            .iter()
            .find(|r| r.proxy == p && r.server == s)
            .map(|r| (r.status.as_str(), r.check_status.as_str()))
    };
    assert_eq!(servers.len(), 3, "server rows only: {servers:?}");
    assert_eq!(row("be-portal", "otc-app-1"), Some(("UP", "L6OK")));
    assert_eq!(row("be-portal", "otc-app-2"), Some(("DOWN", "L4CON")));
    assert_eq!(row("be-shop", "otc-app-1"), Some(("UP", "L6OK")));
    let Master::Procs(p) = v.master else {
        panic!("{:?}", v.master)
    };
    assert_eq!((p.master_pid, p.reloads, p.failed), (25664, 1, Some(0)));
    assert_eq!(p.workers, [(25682, 0)]);
    let Master::Procs(f) = k().parse(&out(0, FAILED, "")).expect("parses").master else {
        panic!("no show proc")
    };
    assert_eq!(
        (f.reloads, f.failed, f.workers.clone()),
        (2, Some(1), vec![(25682, 1)])
    );
    let gone = k().parse(&out(0, STOPPED, "")).expect("parses");
    assert_eq!(
        (gone.stats, gone.servers, gone.master),
        (Stats::Unreachable(3), None, Master::Unreachable(3))
    );
}

#[test]
fn hostile_stat_and_proc_output_is_a_typed_error() {
    let edit = |from: &str, to: &str| {
        assert!(RUNNING.contains(from), "{from}");
        RUNNING.replacen(from, to, 1)
    };
    assert!(!malformed(RUNNING));
    assert!(malformed(&RUNNING[..RUNNING.len() - 20]), "truncated");
    assert!(malformed(&edit("# pxname,", "pxname,")), "no header");
    assert!(
        malformed(&edit("# pxname,svname,", "# px,sv,")),
        "no pxname column"
    );
    assert!(
        malformed(&edit("be-portal,otc-app-2,", "be-portal,otc\u{1b}[2J,")),
        "escape"
    );
    assert!(
        malformed(&edit("be-shop,otc-app-1,", "be-shop,otc-app-1\nx,")),
        "short row"
    );
    assert!(
        malformed(&edit(
            "master          1 [failed: 0]",
            "master          x [failed: 0]"
        )),
        "reloads"
    );
    assert!(malformed(&edit("[failed: 0]", "[failed: -1]")), "failed");
    assert!(
        malformed(&edit("25664           master", "0 master")),
        "pid 0"
    );
    assert!(
        malformed(&edit("25664           master", "25664 boss")),
        "no master row"
    );
    assert!(
        malformed(&edit("25682           worker", "x worker")),
        "worker pid"
    );
    let many: String = (0..5000).map(|i| format!("be,s{i},0\n")).collect();
    assert!(
        malformed(&edit("be-shop,BACKEND", &format!("{many}be-shop,BACKEND"))),
        "rows"
    );
    assert!(
        malformed(&edit("@@proc-rc 0\n", "@@proc-rc 0\njunk\n")),
        "junk after"
    );
    assert!(malformed(&edit("@@stat\n", "")), "no stat section");
    assert!(HaproxyState::running("/run/a.sock", "rel.sock").is_err());
}

/// The kind's own script against a real master-worker HAProxy (unix
/// sockets; its one server is loopback port 9, so it goes DOWN).
#[test]
fn live_master_worker_haproxy_parses() {
    use crate::contract::kinds::live::{run, scratch};
    let d = scratch("haproxy-mw");
    let sock = d.join("stats.sock").display().to_string();
    let master = d.join("master.sock").display().to_string();
    let cfg = format!(
        "global\n    description harden:live\n    stats socket {sock} mode 600 level admin\n\
         defaults\n    mode tcp\n    timeout connect 1s\n    timeout client 5s\n    timeout server 5s\n    timeout check 1s\n\
         frontend fx\n    bind unix@{}/fe.sock\n    default_backend be-x\nbackend be-x\n    server s1 127.0.0.1:9 check inter 200ms\n",
        d.display()
    );
    let cfg_path = d.join("h.cfg");
    std::fs::write(&cfg_path, cfg).expect("config");
    let mut child = std::process::Command::new("haproxy")
        .args(["-W", "-db", "-S"])
        .arg(format!("{master},mode,600"))
        .arg("-f")
        .arg(&cfg_path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("haproxy starts");
    let pid = child.id();
    let k = HaproxyState::running(&sock, &master).expect("paths");
    let mut got = None;
    for _ in 0..100 {
        match run(&k) {
            Ok(v)
                if matches!(v.master, Master::Procs(_))
                    && matches!(v.stats, Stats::Info(_))
                    && v.servers
                        .as_ref()
                        .is_some_and(|s| s.iter().any(|r| r.status.starts_with("DOWN"))) =>
            {
                got = Some(v);
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
    let v = got.expect("master and a DOWN server within 5 s");
    let Master::Procs(p) = v.master else {
        unreachable!()
    };
    assert_eq!(p.master_pid, pid);
    assert_eq!(p.workers.len(), 1);
    let Stats::Info(i) = v.stats else {
        unreachable!()
    };
    assert_eq!(
        i.fields.get("description").map(String::as_str),
        Some("harden:live")
    );
    assert_eq!(p.workers[0].0, i.pid);
    let s = v.servers.expect("rows");
    assert_eq!((s[0].proxy.as_str(), s[0].server.as_str()), ("be-x", "s1"));
}
