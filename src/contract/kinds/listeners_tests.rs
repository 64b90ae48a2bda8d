use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::*;
use crate::contract::kinds::fixture;
use crate::contract::kinds::live::{out, run};

const LOOPBACK: &str = fixture!("ss/loopback.out");

fn parse(s: &str) -> Result<Vec<Listener>, KindError> {
    Listeners.parse(&out(0, s, ""))
}

fn malformed(s: &str) -> bool {
    matches!(parse(s), Err(KindError::Malformed { .. }))
}

#[test]
fn debian12_tcp_udp_v4_v6_and_processes() {
    let v = parse(LOOPBACK).expect("parses");
    assert_eq!(v.len(), 5);
    let udp = &v[0];
    assert_eq!(udp.proto, Proto::Udp);
    assert_eq!(udp.addr, Some(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    assert_eq!(udp.port, 18053);
    assert_eq!(udp.processes[0].name, "fx \"q", "a quote in the comm");
    let hap = &v[1];
    assert_eq!((hap.proto, hap.port), (Proto::Tcp, 18443));
    assert_eq!(
        hap.processes,
        vec![ListenerProcess {
            name: "haproxy".into(),
            pid: 30005
        }]
    );
    assert!(v[2].processes.is_empty(), "no users column");
    assert_eq!(v[2].addr, Some(IpAddr::V4(Ipv4Addr::UNSPECIFIED)));
    assert_eq!(v[4].addr, Some(IpAddr::V6(Ipv6Addr::LOCALHOST)));
    assert_eq!(v[4].port, 18444);
}

#[test]
fn wildcard_interface_and_several_processes() {
    let s = "udp UNCONN 0 0 127.0.0.53%lo:53 0.0.0.0:* users:((\"systemd-resolve\",pid=512,fd=13))\n\
             udp UNCONN 0 0 *:5353 *:*\n\
             udp UNCONN 0 0 [fe80::1]%enp1s0:546 [::]:* \n\
             tcp LISTEN 0 128 [::]:22 [::]:* users:((\"sshd\",pid=7,fd=4),(\"sshd\",pid=9,fd=4),(\"sshd\",pid=7,fd=5))\n";
    let v = parse(s).expect("parses");
    assert_eq!(v[0].interface.as_deref(), Some("lo"));
    assert_eq!(v[1].addr, None, "* is every address");
    assert_eq!(v[2].interface.as_deref(), Some("enp1s0"));
    assert_eq!(v[2].addr, Some("fe80::1".parse().expect("ip")));
    assert_eq!(v[3].addr, Some(IpAddr::V6(Ipv6Addr::UNSPECIFIED)));
    assert_eq!(v[3].processes.len(), 2, "same process on two fds: once");
    assert_eq!(parse("").expect("no listeners at all"), vec![]);
}

#[test]
fn hostile_ss_output_is_a_typed_error() {
    let line = |local: &str, users: &str| format!("tcp LISTEN 0 128 {local} 0.0.0.0:* {users}\n");
    assert!(malformed("tcp LISTEN 0 128\n"), "truncated line");
    assert!(malformed(&LOOPBACK[..60]), "truncated in a users column");
    assert!(
        malformed("tcp ESTAB 0 0 1.2.3.4:1 5.6.7.8:2\n"),
        "not listening"
    );
    assert!(malformed("raw UNCONN 0 0 *:1 *:*\n"), "raw socket");
    assert!(malformed(&line("127.0.0.1:99999", "")), "port too big");
    assert!(malformed(&line("127.0.0.1:", "")), "empty port");
    assert!(malformed(&line("localhost:22", "")), "not an IP");
    assert!(malformed(&line("1.2.3.4", "")), "no port");
    assert!(malformed(&line("1.2.3.4%:22", "")), "empty interface");
    let huge_q = "tcp LISTEN 0 99999999999999999999999 1.2.3.4:22 0.0.0.0:*\n";
    assert!(malformed(huge_q), "huge queue");
    assert!(malformed(&line(
        "1.2.3.4:22",
        "users:((\"a\u{1b}[2J\",pid=1,fd=3))"
    )));
    assert!(malformed(&line(
        "1.2.3.4:22",
        "users:((\"a\",pid=99999999999,fd=3))"
    )));
    assert!(malformed(&line("1.2.3.4:22", "users:((\"a\",pid=0,fd=3))")));
    assert!(malformed(&line(
        "1.2.3.4:22",
        "users:((\"a\",pid=1,fd=3),)"
    )));
    assert!(malformed(&line(
        "1.2.3.4:22",
        "users:((\"a\",pid=1,fd=3)x)"
    )));
    assert!(malformed(&line("1.2.3.4:22", "users:((\"a\",pid=1)")));
    assert!(malformed(&line("1.2.3.4:22", "garbage")));
    let many = format!("users:({})", vec!["(\"a\",pid=1,fd=3)"; 300].join(","));
    assert!(malformed(&line("1.2.3.4:22", &many)), "300 entries");
    let e = Listeners.parse(&out(
        1,
        "",
        "Cannot open netlink socket: Permission denied\n",
    ));
    assert_eq!(e.expect_err("rc 1").code(), "FACT-EXIT");
}

#[test]
fn live_ss_on_this_machine_parses() {
    let v = run(&Listeners).expect("ss parses");
    // The test machine runs no fixed service: a listener of our own makes
    // the check meaningful.
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let port = l.local_addr().expect("addr").port();
    let v2 = run(&Listeners).expect("ss parses");
    assert!(!v.iter().any(|x| x.port == port && x.proto == Proto::Tcp));
    let mine = v2
        .iter()
        .find(|x| x.port == port && x.proto == Proto::Tcp)
        .expect("our listener is seen");
    assert_eq!(mine.addr, Some(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    assert!(mine.processes.iter().any(|p| p.pid == std::process::id()));
}
