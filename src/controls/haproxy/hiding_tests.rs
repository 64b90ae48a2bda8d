//! The outside checks: probes per service × listener, findings from
//! hand-made `TlsSeen` facts, and end to end against local rustls servers
//! on 127.0.0.1 whose certificates carry internal names (rcgen).

use std::net::IpAddr;
use std::path::Path;

use super::*;
use crate::backend::tls::testkit::{chain, Server};
use crate::controls::haproxy::model::{
    Backend, Balance, Health, Listen, Reencrypt, Service, Timeouts,
};
use crate::controls::sections::sections;
use crate::inventory::{load_str, Inventory};
use crate::report::model::Status;

const INV: &str = r#"
[defaults]
controller_sources = ["10.213.0.2"]
known_hosts = "known_hosts"

[[hosts]]
name = "hz-gw-1"
address = "203.0.113.10"
provider = "hetzner"
environment = "test"
roles = ["gatekeeper"]

[[hosts]]
name = "otc-app-1"
address = "10.20.0.11"
extra_addresses = ["198.51.100.11"]
provider = "telekom"
environment = "test"
roles = ["app"]

[[hosts]]
name = "otc-app-2"
address = "10.20.0.12"
provider = "telekom"
environment = "test"
roles = ["app"]
"#;

fn backends() -> Vec<Backend> {
    ["otc-app-1", "otc-app-2"]
        .iter()
        .zip(["10.20.0.11", "10.20.0.12"])
        .map(|(h, a)| Backend {
            host: h.to_string(),
            addr: a.parse().unwrap(),
            port: 8443,
        })
        .collect()
}

fn service(name: &str, listen: Vec<Listen>, sni: &[&str], mode: Mode) -> Service {
    Service {
        name: name.into(),
        listen,
        sources: None,
        mode,
        sni: sni.iter().map(|s| s.to_string()).collect(),
        backends: backends(),
        health: Health::Tls,
        balance: Balance::RoundRobin,
        timeouts: Timeouts::default(),
        maxconn: 1000,
        rate_limit: None,
        proxy_protocol: false,
    }
}

fn reencrypt() -> Mode {
    Mode::Reencrypt(Reencrypt {
        cert: "/etc/haproxy/certs/api.pem".into(),
        key: "/etc/haproxy/certs/api.pem".into(),
        backend_ca: "/etc/haproxy/backend-ca.pem".into(),
        backend_name: "app.otc.example.net".into(),
    })
}

fn listen(addr: Option<&str>, port: u16) -> Listen {
    Listen {
        addr: addr.map(|a| a.parse().unwrap()),
        port,
    }
}

/// The inventory with `services` on hz-gw-1.
fn inv(services: Vec<Service>) -> Inventory {
    let mut inv = load_str(Path::new("/x/inv.toml"), INV.to_string(), sections()).expect("loads");
    let settings = GatekeeperSettings {
        services,
        ..Default::default()
    };
    inv.hosts[0]
        .sections
        .insert("gatekeeper", Box::new(settings));
    inv
}

fn standard() -> Inventory {
    inv(vec![
        service(
            "portal",
            vec![listen(None, 443)],
            &["portal.example.com"],
            Mode::Passthrough,
        ),
        service(
            "api",
            vec![listen(Some("203.0.113.20"), 8443)],
            &["api.example.com"],
            reencrypt(),
        ),
    ])
}

fn ctx(inv: &Inventory) -> HostCtx<'_> {
    HostCtx::new(inv, &inv.hosts[0], None)
}

fn tls_probes(inv: &Inventory) -> Vec<TlsProbe> {
    probes(&ctx(inv))
        .into_iter()
        .map(|p| match p {
            Probe::Tls(t) => t,
            other => panic!("{other:?}"),
        })
        .collect()
}

fn cert(cn: &str, dns: &[&str], ips: &[&str]) -> CertSummary {
    CertSummary {
        subject: format!("CN={cn}, O=Example GmbH"),
        issuer: "CN=Example Public CA".into(),
        common_names: vec![cn.into()],
        dns_names: dns.iter().map(|s| s.to_string()).collect(),
        ip_addrs: ips.iter().map(|s| s.parse().unwrap()).collect(),
    }
}

fn connected(chain: Vec<CertSummary>, http: Option<HttpSeen>) -> TlsSeen {
    TlsSeen::Connected(TlsSession {
        version: "TLSv1.3".into(),
        cipher: "TLS_AES_256_GCM_SHA384".into(),
        chain,
        http,
    })
}

fn ok_http() -> HttpSeen {
    HttpSeen {
        status: 200,
        headers: vec![
            ("content-type".into(), "text/html".into()),
            ("date".into(), "Wed, 02 Dec 2026 02:30:00 GMT".into()),
        ],
        body_start: "<html>Welcome to the portal</html>".into(),
    }
}

/// Findings with `portal` and `api` seeing what is given.
fn run(portal: TlsSeen, api: TlsSeen) -> Vec<Finding> {
    let inv = standard();
    let mut facts = Facts::default();
    let ps = tls_probes(&inv);
    facts.set_tls(&ps[0].id, portal);
    facts.set_tls(&ps[1].id, api);
    findings(&ctx(&inv), &facts)
}

fn clean_api() -> TlsSeen {
    connected(
        vec![cert("api.example.com", &["api.example.com"], &[])],
        Some(ok_http()),
    )
}

fn drifting(fs: &[Finding]) -> Vec<&Finding> {
    fs.iter().filter(|f| f.status == Status::Drift).collect()
}

#[test]
fn one_probe_per_service_and_listener() {
    let inv = inv(vec![
        service(
            "portal",
            vec![
                listen(None, 443),
                listen(Some("2001:db8::1"), 443),
                listen(None, 443),
            ],
            &["portal.example.com", "www.example.com"],
            Mode::Passthrough,
        ),
        service(
            "api",
            vec![listen(Some("2001:db8::2"), 8443)],
            &[],
            reencrypt(),
        ),
    ]);
    let ps = tls_probes(&inv);
    assert_eq!(ps.len(), 3, "{ps:?}");
    assert_eq!(ps[0].addr, "203.0.113.10".parse::<IpAddr>().unwrap());
    assert_eq!(
        (ps[0].port, ps[0].sni.as_deref()),
        (443, Some("portal.example.com"))
    );
    assert_eq!(ps[0].http, None);
    assert_eq!(ps[1].addr, "2001:db8::1".parse::<IpAddr>().unwrap());
    assert_ne!(ps[0].id, ps[1].id);
    assert_eq!(ps[2].sni, None);
    let get = ps[2].http.as_ref().expect("reencrypt asks GET /");
    assert_eq!(
        (get.host.as_str(), get.path.as_str()),
        ("[2001:db8::2]", "/")
    );
    let api = tls_probes(&standard()).remove(1);
    assert_eq!(api.http.expect("GET").host, "api.example.com");
}

#[test]
fn a_clean_service_is_in_sync_and_says_what_it_checked() {
    let fs = run(
        connected(
            vec![cert(
                "portal.example.com",
                &["portal.example.com"],
                &["203.0.113.10"],
            )],
            None,
        ),
        clean_api(),
    );
    assert!(drifting(&fs).is_empty(), "{fs:#?}");
    let checks: Vec<&str> = fs.iter().map(|f| f.check).collect();
    assert_eq!(
        checks,
        [
            CHECK_VERSION,
            CHECK_CERT,
            CHECK_VERSION,
            CHECK_CERT,
            CHECK_HTTP
        ]
    );
    assert!(fs
        .iter()
        .all(|f| f.status == Status::InSync && f.tom == "TOM-2.1-transport-encryption"));
}

#[test]
fn backend_names_and_addresses_in_the_passthrough_certificate_are_drift() {
    let fs = run(
        connected(
            vec![cert(
                "otc-app-1",
                &["portal.example.com", "db1.otc.internal"],
                &["198.51.100.11"],
            )],
            None,
        ),
        clean_api(),
    );
    let d = drifting(&fs);
    assert_eq!(d.len(), 1, "{fs:#?}");
    let f = d[0];
    assert_eq!(
        (f.check, f.item.as_str(), f.fix.clone()),
        (CHECK_CERT, "portal 203.0.113.10:443", Fix::None)
    );
    assert!(f.actual.contains("leaf certificate subjectAltName dNSName db1.otc.internal (an internal-looking name (.internal))"), "{}", f.actual);
    assert!(f.actual.contains("leaf certificate subjectAltName iPAddress 198.51.100.11 (the address of backend otc-app-1)"), "{}", f.actual);
    assert!(
        f.actual
            .contains("leaf certificate subject CN otc-app-1 (names backend otc-app-1)"),
        "{}",
        f.actual
    );
    assert!(!f.actual.contains("portal.example.com"), "{}", f.actual);
    let m = f.message.as_deref().unwrap_or_default();
    assert!(
        m.contains("TLS handshake to 203.0.113.10:443, SNI portal.example.com"),
        "{m}"
    );
    assert!(m.contains("backend's own certificate"), "{m}");
}

#[test]
fn private_single_label_and_backend_domain_names_are_drift() {
    for (dns, ip, why) in [
        (
            "db7.otc.example.net",
            None,
            "under the backends' domain otc.example.net",
        ),
        ("db1", None, "single-label"),
        ("printer.local", None, "(.local)"),
        ("fileserver.corp", None, "(.corp)"),
        ("otc-app-2.example.org", None, "names backend otc-app-2"),
        (
            "portal.example.com",
            Some("192.168.7.5"),
            "private/internal address",
        ),
        (
            "portal.example.com",
            Some("fd00::5"),
            "private/internal address",
        ),
        (
            "portal.example.com",
            Some("10.20.0.12"),
            "the address of backend otc-app-2",
        ),
    ] {
        let ips: Vec<&str> = ip.into_iter().collect();
        let fs = run(
            connected(vec![cert("portal.example.com", &[dns], &ips)], None),
            clean_api(),
        );
        let d = drifting(&fs);
        assert_eq!(d.len(), 1, "{dns} {ip:?}: {fs:#?}");
        assert!(d[0].actual.contains(why), "{dns} {ip:?}: {}", d[0].actual);
    }
}

#[test]
fn internal_names_in_a_chain_certificate_are_drift_but_ca_names_are_not() {
    let mut ca = cert("Example Public CA", &[], &[]);
    assert!(drifting(&run(
        connected(vec![cert("portal.example.com", &[], &[]), ca.clone()], None),
        clean_api()
    ))
    .is_empty());
    ca.subject = "CN=ca.otc.internal, O=Ops".into();
    ca.common_names = vec!["ca.otc.internal".into()];
    let fs = run(
        connected(vec![cert("portal.example.com", &[], &[]), ca], None),
        clean_api(),
    );
    let d = drifting(&fs);
    assert_eq!(d.len(), 1, "{fs:#?}");
    assert!(
        d[0].actual
            .contains("chain certificate 2 subject CN ca.otc.internal"),
        "{}",
        d[0].actual
    );
}

#[test]
fn revealing_headers_and_backend_names_in_the_response_are_drift() {
    let http = HttpSeen {
        status: 200,
        headers: vec![
            ("server".into(), "nginx/1.22.1".into()),
            ("x-powered-by".into(), "PHP/8.2".into()),
            ("via".into(), "1.1 otc-app-1".into()),
            ("x-backend-server".into(), "two".into()),
            ("x-served-by".into(), "app".into()),
            (
                "location".into(),
                "https://otc-app-1.otc.example.net:8443/login".into(),
            ),
            ("content-type".into(), "text/html".into()),
        ],
        body_start: "<p>upstream 10.20.0.12:8443 failed</p>".into(),
    };
    let api = connected(
        vec![cert("api.example.com", &["api.example.com"], &[])],
        Some(http),
    );
    let portal = connected(
        vec![cert("portal.example.com", &["portal.example.com"], &[])],
        None,
    );
    let fs = run(portal, api);
    let d = drifting(&fs);
    assert_eq!(d.len(), 1, "{fs:#?}");
    assert_eq!(
        (d[0].check, d[0].item.as_str()),
        (CHECK_HTTP, "api 203.0.113.20:8443")
    );
    for part in [
        "response header server nginx/1.22.1",
        "response header x-powered-by PHP/8.2",
        "response header via 1.1 otc-app-1",
        "response header x-backend-server two",
        "response header x-served-by app",
        "response header location otc-app-1.otc.example.net (names backend otc-app-1)",
        "response body (status 200) 10.20.0.12 (the address of backend otc-app-2)",
    ] {
        assert!(d[0].actual.contains(part), "{part}: {}", d[0].actual);
    }
    assert!(!d[0].actual.contains("content-type"), "{}", d[0].actual);
    let m = d[0].message.as_deref().unwrap_or_default();
    assert!(
        m.contains("TLS handshake to 203.0.113.20:8443, SNI api.example.com"),
        "{m}"
    );
}

#[test]
fn a_reencrypt_service_without_an_http_answer_is_a_failed_check() {
    let api = connected(vec![cert("api.example.com", &[], &[])], None);
    let fs = run(
        connected(vec![cert("portal.example.com", &[], &[])], None),
        api,
    );
    let f = fs
        .iter()
        .find(|f| f.check == CHECK_HTTP)
        .expect("an http finding");
    assert_eq!(f.status, Status::Failed);
}

#[test]
fn tls_below_1_2_is_drift() {
    let old = TlsSeen::Connected(TlsSession {
        version: "TLSv1.1".into(),
        cipher: "x".into(),
        chain: vec![cert("portal.example.com", &[], &[])],
        http: None,
    });
    let fs = run(
        old,
        TlsSeen::Failed(format!("{OLD_TLS} (peer is incompatible)")),
    );
    let v: Vec<&Finding> = fs.iter().filter(|f| f.check == CHECK_VERSION).collect();
    assert_eq!(v.len(), 2, "{fs:#?}");
    assert!(v
        .iter()
        .all(|f| f.status == Status::Drift && f.expected == "TLSv1.2 or later"));
    assert_eq!(
        (v[0].actual.as_str(), v[1].actual.as_str()),
        ("TLSv1.1", "below TLSv1.2")
    );
}

#[test]
fn a_failed_connection_is_a_failed_check_with_the_reason() {
    let fs = run(
        TlsSeen::Failed("TCP connect failed: connection refused".into()),
        clean_api(),
    );
    let f = &fs[0];
    assert_eq!((f.check, f.status), (CHECK_REACH, Status::Failed));
    let m = f.message.as_deref().unwrap_or_default();
    assert!(
        m.contains("TLS handshake to 203.0.113.10:443, SNI portal.example.com: TCP connect failed"),
        "{m}"
    );
}

#[test]
fn unprobed_is_failed_and_offline_says_nothing() {
    let inv = standard();
    let fs = findings(&ctx(&inv), &Facts::default());
    assert_eq!(fs.len(), 2);
    assert!(fs
        .iter()
        .all(|f| f.status == Status::Failed && f.check == CHECK_REACH));
    assert!(findings(&ctx(&inv), &Facts::assumed()).is_empty());
}

/// End to end: the probes of a gatekeeper listening on 127.0.0.1,
/// answered by the real client against a local rustls server.
async fn seen_from(srv: &Server, mode: Mode) -> Vec<Finding> {
    let inv = inv(vec![service(
        "portal",
        vec![listen(Some("127.0.0.1"), srv.addr.port())],
        &["portal.example.com"],
        mode,
    )]);
    let ps = tls_probes(&inv);
    let mut facts = Facts::default();
    for (id, seen) in crate::backend::tls::answer(ps).await {
        facts.set_tls(&id, seen);
    }
    findings(&ctx(&inv), &facts)
}

#[tokio::test]
async fn a_real_backend_certificate_with_internal_names_is_found() {
    let srv = Server::start(
        chain(
            &["portal.example.com", "db1.otc.internal", "10.20.0.11"],
            "otc-app-1",
            "Ops",
            "OTC Backend CA",
        ),
        None,
        1,
    );
    let fs = seen_from(&srv, Mode::Passthrough).await;
    let d = drifting(&fs);
    assert_eq!(d.len(), 1, "{fs:#?}");
    for part in [
        "db1.otc.internal",
        "10.20.0.11 (the address of backend otc-app-1)",
        "subject CN otc-app-1",
    ] {
        assert!(d[0].actual.contains(part), "{part}: {}", d[0].actual);
    }
}

#[tokio::test]
async fn a_real_clean_certificate_and_response_are_in_sync() {
    let reply = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n";
    let srv = Server::start(
        chain(
            &["portal.example.com"],
            "portal.example.com",
            "Example GmbH",
            "Example Public CA",
        ),
        Some(reply),
        1,
    );
    let fs = seen_from(&srv, reencrypt()).await;
    assert_eq!(fs.len(), 3, "{fs:#?}");
    assert!(fs.iter().all(|f| f.status == Status::InSync), "{fs:#?}");
}

#[tokio::test]
async fn a_real_response_naming_its_server_is_found() {
    let reply = "HTTP/1.1 200 OK\r\nServer: Apache/2.4.57 (Debian)\r\nX-Backend: otc-app-2\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
    let srv = Server::start(
        chain(
            &["portal.example.com"],
            "portal.example.com",
            "Example",
            "CA",
        ),
        Some(reply),
        1,
    );
    let fs = seen_from(&srv, reencrypt()).await;
    let d = drifting(&fs);
    assert_eq!(d.len(), 1, "{fs:#?}");
    assert!(
        d[0].actual
            .contains("response header server Apache/2.4.57 (Debian)"),
        "{}",
        d[0].actual
    );
    assert!(
        d[0].actual.contains("response header x-backend otc-app-2"),
        "{}",
        d[0].actual
    );
}
