//! Fixtures of the outside-check tests: an inventory with a gatekeeper
//! and two backends, services built by hand, and hand-made `TlsSeen`s.

use std::path::Path;

use super::*;
use crate::controls::haproxy::model::{
    Backend, Balance, Health, Listen, Reencrypt, Service, Timeouts,
};
use crate::controls::sections::sections;
use crate::inventory::{load_str, Inventory};
use crate::report::model::Status;

pub(super) const INV: &str = r#"
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

pub(super) fn backends() -> Vec<Backend> {
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

pub(super) fn service(name: &str, listen: Vec<Listen>, sni: &[&str], mode: Mode) -> Service {
    Service {
        name: name.into(),
        listen,
        sources: None,
        sources_written: Vec::new(),
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

pub(super) fn reencrypt() -> Mode {
    Mode::Reencrypt(Reencrypt {
        cert: "/etc/haproxy/certs/api.pem".into(),
        key: "/etc/haproxy/certs/api.pem".into(),
        backend_ca: "/etc/haproxy/backend-ca.pem".into(),
        backend_name: "app.otc.example.net".into(),
    })
}

pub(super) fn listen(addr: Option<&str>, port: u16) -> Listen {
    Listen {
        addr: addr.map(|a| a.parse().unwrap()),
        port,
    }
}

/// The inventory with `services` on hz-gw-1.
pub(super) fn inv(services: Vec<Service>) -> Inventory {
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

pub(super) fn standard() -> Inventory {
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

pub(super) fn ctx(inv: &Inventory) -> HostCtx<'_> {
    HostCtx::new(inv, &inv.hosts[0], None)
}

pub(super) fn tls_probes(inv: &Inventory) -> Vec<TlsProbe> {
    probes(&ctx(inv))
        .into_iter()
        .map(|p| match p {
            Probe::Tls(t) => t,
            other => panic!("{other:?}"),
        })
        .collect()
}

pub(super) fn cert(cn: &str, dns: &[&str], ips: &[&str]) -> CertSummary {
    CertSummary {
        subject: format!("CN={cn}, O=Example GmbH"),
        issuer: "CN=Example Public CA".into(),
        common_names: vec![cn.into()],
        dns_names: dns.iter().map(|s| s.to_string()).collect(),
        ip_addrs: ips.iter().map(|s| s.parse().unwrap()).collect(),
    }
}

pub(super) fn connected(chain: Vec<CertSummary>, http: Option<HttpSeen>) -> TlsSeen {
    TlsSeen::Connected(TlsSession {
        version: "TLSv1.3".into(),
        cipher: "TLS_AES_256_GCM_SHA384".into(),
        chain,
        http,
    })
}

pub(super) fn ok_http() -> HttpSeen {
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
pub(super) fn run(portal: TlsSeen, api: TlsSeen) -> Vec<Finding> {
    let inv = standard();
    let mut facts = Facts::default();
    let ps = tls_probes(&inv);
    facts.set_tls(&ps[0].id, portal);
    facts.set_tls(&ps[1].id, api);
    findings(&ctx(&inv), &facts)
}

pub(super) fn clean_api() -> TlsSeen {
    connected(
        vec![cert("api.example.com", &["api.example.com"], &[])],
        Some(ok_http()),
    )
}

pub(super) fn drifting(fs: &[Finding]) -> Vec<&Finding> {
    fs.iter().filter(|f| f.status == Status::Drift).collect()
}
