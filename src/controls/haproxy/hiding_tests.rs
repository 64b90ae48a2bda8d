//! The outside checks from hand-made `TlsSeen` facts: probes per
//! service × listener, and what each kind of leak or failure reports.

use std::net::IpAddr;

use super::testkit::*;
use super::*;
use crate::report::model::Status;

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
    assert!(f.actual.contains("leaf certificate subjectAltName dNSName db1.otc.internal (an internal-looking name: .internal)"), "{}", f.actual);
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
        ("printer.local", None, "name: .local"),
        ("fileserver.corp", None, "name: .corp"),
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

#[test]
fn an_unreadable_or_missing_certificate_is_a_failed_check() {
    let bad = CertSummary {
        subject: format!("{UNREADABLE}malformed certificate: no subject)"),
        ..Default::default()
    };
    for chain in [vec![bad], vec![]] {
        let fs = run(connected(chain, None), clean_api());
        let f = fs
            .iter()
            .find(|f| f.check == CHECK_CERT)
            .expect("a cert finding");
        assert_eq!(f.status, Status::Failed, "{fs:#?}");
    }
}

#[test]
fn the_gatekeepers_own_and_listen_addresses_are_not_leaks() {
    let inv = inv(vec![service(
        "portal",
        vec![listen(Some("192.168.50.1"), 443)],
        &["portal.example.com"],
        Mode::Passthrough,
    )]);
    let id = tls_probes(&inv).remove(0).id;
    let judge = |ips: &[&str]| {
        let mut facts = Facts::default();
        facts.set_tls(
            &id,
            connected(vec![cert("portal.example.com", &[], ips)], None),
        );
        findings(&ctx(&inv), &facts)
    };
    let fs = judge(&["192.168.50.1", "203.0.113.10"]);
    assert!(drifting(&fs).is_empty(), "{fs:#?}");
    let fs = judge(&["192.168.50.2"]);
    assert_eq!(drifting(&fs).len(), 1, "{fs:#?}");
}

#[test]
fn a_service_closed_to_the_controller_is_not_probed_and_says_so() {
    let mut closed = service(
        "portal",
        vec![listen(None, 443)],
        &["portal.example.com"],
        Mode::Passthrough,
    );
    closed.sources = Some(vec![crate::inventory::Cidr::parse("192.0.2.0/24").unwrap()]);
    let mut open = closed.clone();
    open.name = "open".into();
    open.sources = Some(vec![crate::inventory::Cidr::parse("10.213.0.0/16").unwrap()]);
    let inv = inv(vec![closed, open]);
    let ps = tls_probes(&inv);
    assert_eq!(ps.len(), 1, "{ps:?}");
    assert!(ps[0].id.contains(":open:"), "{}", ps[0].id);
    let fs = findings(&ctx(&inv), &Facts::default());
    assert_eq!((fs[0].check, fs[0].status), (CHECK_REACH, Status::Info));
    assert!(fs[0]
        .message
        .as_deref()
        .unwrap_or_default()
        .contains("not checked from outside"));
    assert_eq!(
        fs[1].status,
        Status::Failed,
        "the open one was expected and not probed"
    );
}

#[test]
fn internal_addresses_are_the_private_shared_and_local_ranges() {
    use super::scan::internal_addr;
    for a in [
        "10.1.1.1",
        "172.16.0.1",
        "192.168.0.1",
        "100.64.0.1",
        "127.0.0.1",
        "169.254.1.1",
        "fd12::1",
        "fe80::1",
        "::1",
        "::ffff:10.0.0.1",
    ] {
        assert!(internal_addr(a.parse().unwrap()), "{a}");
    }
    for a in [
        "203.0.113.10",
        "100.128.0.1",
        "8.8.8.8",
        "2001:db8::1",
        "::ffff:8.8.8.8",
    ] {
        assert!(!internal_addr(a.parse().unwrap()), "{a}");
    }
}
