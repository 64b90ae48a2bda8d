//! The outside client against local rustls servers on 127.0.0.1: what it
//! records, and that refusals, silence and slow servers end within the
//! limits with a reason.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use super::testkit::{chain, Server};
use super::{answer_with, probe, Limits};
use crate::contract::outside::{HttpGet, TlsProbe, TlsSeen};

fn tls_probe(addr: std::net::SocketAddr, http: bool) -> TlsProbe {
    TlsProbe {
        id: "p".into(),
        addr: addr.ip(),
        port: addr.port(),
        sni: Some("portal.example.com".into()),
        http: http.then(|| HttpGet {
            host: "portal.example.com".into(),
            path: "/".into(),
        }),
    }
}

fn short() -> Limits {
    Limits {
        connect: Duration::from_secs(2),
        handshake: Duration::from_millis(500),
        http: Duration::from_millis(500),
    }
}

#[test]
fn records_version_cipher_and_the_whole_chain() {
    let srv = Server::start(
        chain(
            &["db1.otc.internal", "10.9.8.7"],
            "db1",
            "Ops",
            "Backend CA",
        ),
        None,
        1,
    );
    let TlsSeen::Connected(s) = probe(&tls_probe(srv.addr, false), &Limits::default()) else {
        panic!("no session");
    };
    assert_eq!(s.version, "TLSv1.3");
    assert!(s.cipher.starts_with("TLS_"), "{}", s.cipher);
    assert_eq!(s.chain.len(), 2);
    assert_eq!(s.chain[0].dns_names, vec!["db1.otc.internal"]);
    assert_eq!(
        s.chain[0].ip_addrs,
        vec!["10.9.8.7".parse::<std::net::IpAddr>().unwrap()]
    );
    assert_eq!(s.chain[1].subject, "CN=Backend CA");
    assert!(s.http.is_none());
}

#[test]
fn reads_one_http_response_after_the_handshake() {
    let reply = "HTTP/1.1 200 OK\r\nServer: Apache/2.4\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";
    let srv = Server::start(
        chain(&["portal.example.com"], "p", "O", "CA"),
        Some(reply),
        1,
    );
    let TlsSeen::Connected(s) = probe(&tls_probe(srv.addr, true), &short()) else {
        panic!("no session");
    };
    let h = s.http.expect("an HTTP answer");
    assert_eq!(h.status, 200);
    assert!(h.headers.contains(&("server".into(), "Apache/2.4".into())));
    assert_eq!(h.body_start, "hello");
}

#[test]
fn a_refused_connection_is_a_failure_with_its_reason() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    match probe(&tls_probe(port, false), &short()) {
        TlsSeen::Failed(why) => assert!(why.contains("TCP connect failed"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_silent_server_times_out_within_the_handshake_limit() {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    let t = Instant::now();
    let seen = probe(&tls_probe(addr, false), &short());
    drop(l);
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    match seen {
        TlsSeen::Failed(why) => assert!(why.contains("timed out during the handshake"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_plaintext_server_is_a_handshake_failure() {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    let t = std::thread::spawn(move || {
        use std::io::Write;
        if let Ok((mut s, _)) = l.accept() {
            let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n");
        }
    });
    let seen = probe(&tls_probe(addr, false), &short());
    let _ = t.join();
    match seen {
        TlsSeen::Failed(why) => assert!(why.starts_with("TLS handshake failed"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn answers_many_probes_in_parallel_keyed_by_id() {
    let srv = Server::start(chain(&["a.example.com"], "a", "O", "CA"), None, 3);
    let probes: Vec<TlsProbe> = (0..3)
        .map(|i| TlsProbe {
            id: format!("p{i}"),
            ..tls_probe(srv.addr, false)
        })
        .collect();
    let got = answer_with(probes, short()).await;
    let ids: Vec<&str> = got.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["p0", "p1", "p2"]);
    assert!(
        got.iter().all(|(_, s)| matches!(s, TlsSeen::Connected(_))),
        "{got:?}"
    );
}

/// Kills the child by its PID when dropped.
struct Reaped(std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_tls_1_0_only_server_is_reported_as_old_tls() {
    let dir = std::env::temp_dir().join(format!("harden-oldtls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let c = chain(&["old.example.com"], "old", "O", "CA");
    std::fs::write(dir.join("c.pem"), &c.cert_pem).expect("cert");
    std::fs::write(dir.join("k.pem"), &c.key_pem).expect("key");
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let child = std::process::Command::new("openssl")
        .args([
            "s_server",
            "-quiet",
            "-tls1",
            "-cipher",
            "DEFAULT:@SECLEVEL=0",
        ])
        .arg("-accept")
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(dir.join("c.pem"))
        .arg("-key")
        .arg(dir.join("k.pem"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("openssl s_server (installed by scripts/install-deps.sh)");
    let _reaped = Reaped(child);
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let until = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < until, "openssl s_server did not listen");
        std::thread::sleep(Duration::from_millis(20));
    }
    let seen = probe(&tls_probe(addr, false), &short());
    let _ = std::fs::remove_dir_all(&dir);
    match seen {
        TlsSeen::Failed(why) => assert!(why.starts_with(super::OLD_TLS), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_huge_response_is_cut_at_the_body_limit() {
    let body = "x".repeat(200 * 1024);
    let reply: &'static str =
        Box::leak(format!("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{body}").into_boxed_str());
    let srv = Server::start(
        chain(&["portal.example.com"], "p", "O", "CA"),
        Some(reply),
        1,
    );
    let TlsSeen::Connected(s) = probe(&tls_probe(srv.addr, true), &short()) else {
        panic!("no session");
    };
    let h = s.http.expect("an HTTP answer");
    assert_eq!(h.body_start.len(), super::http::MAX_BODY);
}

#[test]
fn the_recorder_refuses_long_chains_and_huge_certificates() {
    use rustls::client::danger::ServerCertVerifier;
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    let rec = super::verifier::Recorder::new(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ));
    let name = ServerName::try_from("x.example.com").unwrap();
    let small = CertificateDer::from(vec![0x30, 0x00]);
    let check = |leaf: &CertificateDer<'_>, rest: &[CertificateDer<'_>]| {
        rec.verify_server_cert(leaf, rest, &name, &[], UnixTime::now())
    };
    assert!(check(&small, &vec![small.clone(); 9]).is_ok());
    assert_eq!(rec.chain().len(), 10);
    assert!(check(&small, &vec![small.clone(); 10]).is_err());
    let huge = CertificateDer::from(vec![0u8; super::der::MAX_CERT + 1]);
    assert!(check(&huge, &[]).is_err());
    assert_eq!(rec.chain().len(), 10, "a refused chain is not recorded");
}
