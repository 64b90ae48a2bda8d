//! The lab's PKI, TLS server and TLS client against each other on
//! loopback (no namespace, nothing leaves the machine).

use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::time::Duration;

use super::pki::{fingerprint, Pki};
use super::tls_client::{parse, tally, Plan, Target};
use super::tls_server::{config, serve, Reply};

fn target(port: u16) -> Target {
    Target {
        addr: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port,
        sni: "portal.example.com".into(),
        path: "/".into(),
        timeout: Duration::from_secs(5),
    }
}

fn plan(count: u32) -> Plan {
    Plan {
        count,
        stop_file: None,
        progress: None,
        max: Duration::from_secs(30),
        hold_until: None,
    }
}

/// Starts a server for `max` connections on a loopback port.
fn server(pki: &Pki, name: &str, headers: Vec<(String, String)>, max: usize) -> (u16, String) {
    let issued = pki
        .issue(name, "portal.example.com", &["portal.example.com"])
        .expect("issue");
    let cfg = config(&issued.cert, &issued.key).expect("server config");
    let l = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let port = l.local_addr().expect("addr").port();
    let reply = Reply {
        name: name.into(),
        headers,
        accept_proxy: false,
    };
    std::thread::spawn(move || serve(l, cfg, reply, Some(max)));
    (port, issued.sha256)
}

#[test]
fn the_client_counts_answers_backends_and_the_certificate_it_was_shown() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pki = Pki::create(dir.path()).expect("ca");
    let hdr = vec![("Server".to_string(), "lab-app/1.0".to_string())];
    let (port, sha) = server(&pki, "otc-app-1", hdr, 3);
    let t = tally(&target(port), &plan(3));
    assert_eq!((t.sent, t.ok, t.failed), (3, 3, 0), "{t:?}");
    assert_eq!(t.backends.get("otc-app-1"), Some(&3));
    assert_eq!(t.certs.get(&sha), Some(&3), "{t:?}");
    assert_eq!(
        t.headers.get("server").map(String::as_str),
        Some("lab-app/1.0")
    );
    // The fingerprint of the file is the one the client reports.
    assert_eq!(
        fingerprint(&dir.path().join("otc-app-1.pem")).expect("fp"),
        sha
    );
}

#[test]
fn a_port_where_nothing_listens_is_counted_as_failed() {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    let t = tally(&target(port), &plan(2));
    assert_eq!((t.sent, t.ok, t.failed), (2, 0, 2), "{t:?}");
    assert!(t.errors.keys().all(|e| e.starts_with("connect")), "{t:?}");
}

#[test]
fn a_stop_file_ends_the_run_early() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stop = dir.path().join("stop");
    std::fs::write(&stop, "").expect("stop file");
    let mut p = plan(1000);
    p.stop_file = Some(stop);
    let t = tally(&target(1), &p);
    assert_eq!(t.sent, 0, "{t:?}");
}

#[test]
fn responses_without_a_backend_name_or_with_an_error_status_are_failures() {
    let s = parse(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n").expect("parse");
    assert_eq!((s.status, s.backend), (503, None));
    let s = parse(b"HTTP/1.0 200 OK\r\nServer: x\r\n\r\nbackend=otc-app-2\n").expect("parse");
    assert_eq!((s.status, s.backend.as_deref()), (200, Some("otc-app-2")));
    assert_eq!(s.headers, vec![("server".to_string(), "x".to_string())]);
    assert!(parse(b"garbage").is_err());
}

#[test]
fn the_pki_refuses_names_that_are_not_dns_names_or_addresses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pki = Pki::create(dir.path()).expect("ca");
    assert!(pki.issue("x", "a b", &["ok.example"]).is_err());
    assert!(pki.issue("y", "ok", &["a;b"]).is_err());
    assert!(pki.issue("z", "ok", &[]).is_err());
    let ip = pki.issue("w", "ok", &["10.213.0.11"]).expect("ip san");
    assert!(ip.cert.exists() && ip.key.exists());
}

fn v2(cmd: u8, fam: u8, block: &[u8]) -> Vec<u8> {
    let mut v = super::proxy_v2::SIG.to_vec();
    v.extend_from_slice(&[cmd, fam]);
    v.extend_from_slice(&(block.len() as u16).to_be_bytes());
    v.extend_from_slice(block);
    v
}

#[test]
fn proxy_v2_headers_give_the_client_address_and_anything_else_is_refused() {
    use super::proxy_v2::{read, Header};
    let v4 = v2(
        0x21,
        0x11,
        &[10, 213, 0, 250, 10, 213, 0, 13, 0xc3, 0x50, 1, 187],
    );
    assert_eq!(
        read(&mut v4.as_slice()),
        Ok(Header::Proxy("10.213.0.250:50000".parse().expect("addr")))
    );
    let mut b6 = vec![0u8; 36];
    b6[0] = 0xfd;
    b6[15] = 0x50;
    b6[32] = 0x01;
    let v6 = v2(0x21, 0x21, &b6);
    assert_eq!(
        read(&mut v6.as_slice()),
        Ok(Header::Proxy("[fd00::50]:256".parse().expect("addr")))
    );
    // A health check's LOCAL header, with TLVs after the addresses.
    assert_eq!(
        read(&mut v2(0x20, 0x00, &[1, 2, 3]).as_slice()),
        Ok(Header::Local)
    );
    // A TLS ClientHello where the header should be; a truncated block; a
    // block longer than the limit; version 1; addresses too short.
    assert!(
        read(&mut [0x16u8, 3, 1, 0, 200, 1, 0, 0, 196, 3, 3, 0, 0, 0, 0, 0].as_slice()).is_err()
    );
    let mut cut = v2(0x21, 0x11, &[0; 12]);
    cut.truncate(20);
    assert!(read(&mut cut.as_slice()).is_err());
    assert!(read(&mut v2(0x21, 0x11, &[0; 600]).as_slice()).is_err());
    assert!(read(&mut v2(0x11, 0x11, &[0; 12]).as_slice()).is_err());
    assert!(read(&mut v2(0x21, 0x11, &[0; 8]).as_slice()).is_err());
}

#[test]
fn a_server_that_requires_proxy_refuses_a_client_without_the_header() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pki = Pki::create(dir.path()).expect("ca");
    let issued = pki
        .issue("b", "portal.example.com", &["portal.example.com"])
        .expect("issue");
    let cfg = config(&issued.cert, &issued.key).expect("server config");
    let l = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let port = l.local_addr().expect("addr").port();
    let reply = Reply {
        name: "b".into(),
        headers: Vec::new(),
        accept_proxy: true,
    };
    std::thread::spawn(move || serve(l, cfg, reply, Some(1)));
    let mut t = target(port);
    t.timeout = Duration::from_secs(12);
    let tally = tally(&t, &plan(1));
    assert_eq!((tally.sent, tally.ok, tally.failed), (1, 0, 1), "{tally:?}");
}
