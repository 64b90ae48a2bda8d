//! The gatekeeper section through the real loader and the registered
//! sections: the merged model, resolved backends and sources, and every
//! `inv-gk-…` error located at its file:line with its fix.

use std::net::IpAddr;
use std::path::Path;

use super::super::model::*;
use crate::controls::sections::sections;
use crate::inventory::{load_str, Cidr, Inventory};

pub(super) const HEAD: &str =
    "[defaults]\ncontroller_sources = [\"10.213.0.2\"]\nknown_hosts = \"known_hosts\"\n";

/// App hosts `app-1`, `app-2` and data host `db-1` at Telekom, then
/// gatekeeper `gw-1` at Hetzner (last, so `gw` — its gatekeeper tables —
/// belongs to it), then `extra` hosts. `defaults` goes before the hosts.
pub(super) fn estate(defaults: &str, gw: &str, extra: &str) -> String {
    let t = |name: &str, n: u8, roles: &str| {
        format!("\n[[hosts]]\nname = \"{name}\"\naddress = \"10.0.1.{n}\"\nprovider = \"telekom\"\nenvironment = \"production\"\ntenant = \"t1\"\nroles = [{roles}]\n{}", if roles.contains("data") { "disks = []\n" } else { "" })
    };
    format!(
        "{HEAD}{defaults}{}{}{}allow = [ {{ port = 5432, from = [\"app-1\", \"app-2\"] }} ]\n\n[[hosts]]\nname = \"gw-1\"\naddress = \"203.0.113.1\"\nextra_addresses = [\"2001:db8::1\"]\nprovider = \"hetzner\"\nenvironment = \"production\"\ntenant = \"t1\"\nroles = [\"gatekeeper\"]\n{gw}{extra}",
        t("app-1", 1, "\"app\""),
        t("app-2", 2, "\"app\""),
        t("db-1", 3, "\"data\""),
    )
}

/// One passthrough service on 443 to both app hosts.
pub(super) const WEB: &str =
    "\n[[hosts.gatekeeper.services]]\nname = \"web\"\nlisten = [443]\nbackends = [\"app-1:8443\", \"app-2:8443\"]\n";

pub(super) fn load(text: &str) -> Result<Inventory, String> {
    load_str(Path::new("/x/inv.toml"), text.to_string(), sections()).map_err(|e| e.to_string())
}

pub(super) fn errors(text: &str) -> String {
    match load(text) {
        Ok(_) => panic!("the inventory loaded:\n{text}"),
        Err(e) => e,
    }
}

/// 1-based line of the first line containing `needle`.
pub(super) fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("`{needle}` not in\n{text}"))
        + 1
}

fn gw(inv: &Inventory) -> &GatekeeperSettings {
    let h = inv.host("gw-1").expect("gw-1");
    h.settings::<GatekeeperSettings>()
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("ip")
}

#[test]
fn a_full_table_merges_over_the_defaults_and_resolves_hosts() {
    let defaults = "\n[defaults.gatekeeper]\nhard_stop_after = \"10m\"\nmaxconn = 5000\nbalance = \"leastconn\"\ntimeouts = { connect = \"3s\", check = \"500ms\" }\nrate_limit = 20\n";
    let table = "\n[hosts.gatekeeper]\ntimeouts = { client = \"1m\" }\n\n[[hosts.gatekeeper.services]]\nname = \"portal\"\nlisten = [443, \"[2001:db8::1]:8443\"]\nsources = [\"198.51.100.0/24\", \"app-2\"]\nsni = [\"portal.example.com\"]\nbackends = [\"app-1:8443\", \"app-2:8443\"]\nproxy_protocol = true\ntimeouts = { server = \"45s\" }\nrate_limit = 0\n\n[[hosts.gatekeeper.services]]\nname = \"api\"\nlisten = [\"203.0.113.1:9443\"]\nmode = \"reencrypt\"\nbackends = [\"app-1:9443\"]\nhealth = \"http\"\nhealth_path = \"/healthz\"\nbalance = \"source\"\nmaxconn = 100\ncert = \"/etc/haproxy/certs/api.pem\"\nkey = \"/etc/haproxy/certs/api.pem.key\"\nbackend_ca = \"/etc/haproxy/backend-ca.pem\"\nbackend_name = \"app.internal\"\n";
    let inv = load(&estate(defaults, table, "")).expect("loads");
    let g = gw(&inv);
    assert_eq!(g.hard_stop_after_s, 600);
    assert_eq!(g.maxconn, 5000);
    assert_eq!(g.placement, Placement::default());
    assert_eq!(g.services.len(), 2);
    let p = &g.services[0];
    assert_eq!(p.name, "portal");
    assert_eq!(
        p.listen,
        [
            Listen {
                addr: None,
                port: 443
            },
            Listen {
                addr: Some(ip("2001:db8::1")),
                port: 8443
            }
        ]
    );
    // A host name stands for its address(es); the list is sorted.
    assert_eq!(
        p.sources,
        Some(vec![
            Cidr::parse("10.0.1.2").expect("cidr"),
            Cidr::parse("198.51.100.0/24").expect("cidr")
        ])
    );
    assert_eq!(p.mode, Mode::Passthrough);
    assert_eq!(p.sni, ["portal.example.com"]);
    assert_eq!(
        p.backends,
        [
            Backend {
                host: "app-1".into(),
                addr: ip("10.0.1.1"),
                port: 8443
            },
            Backend {
                host: "app-2".into(),
                addr: ip("10.0.1.2"),
                port: 8443
            }
        ]
    );
    assert_eq!(p.health, Health::Tls);
    assert_eq!(p.balance, Balance::LeastConn);
    // Key by key: service > host table > defaults > built-in.
    let t = p.timeouts;
    assert_eq!(
        (
            t.connect_ms,
            t.client_ms,
            t.server_ms,
            t.handshake_ms,
            t.check_ms
        ),
        (3_000, 60_000, 45_000, 5_000, 500)
    );
    // The service switches the defaults' rate limit off.
    assert_eq!(p.rate_limit, None);
    // A service maxconn defaults to 10000, capped at the process limit.
    assert_eq!(p.maxconn, 5000);
    assert!(p.proxy_protocol);

    let a = &g.services[1];
    assert_eq!(
        a.listen,
        [Listen {
            addr: Some(ip("203.0.113.1")),
            port: 9443
        }]
    );
    assert_eq!(
        a.mode,
        Mode::Reencrypt(Reencrypt {
            cert: "/etc/haproxy/certs/api.pem".into(),
            key: "/etc/haproxy/certs/api.pem.key".into(),
            backend_ca: "/etc/haproxy/backend-ca.pem".into(),
            backend_name: "app.internal".into(),
        })
    );
    assert_eq!(
        a.health,
        Health::Http {
            path: "/healthz".into()
        }
    );
    assert_eq!(a.balance, Balance::Source);
    assert_eq!(a.rate_limit, Some(20));
    assert_eq!(a.maxconn, 100);
    assert!(!a.proxy_protocol);
    assert_eq!(a.sources, None);
    // Other hosts have no services.
    let app = inv.host("app-1").expect("app-1");
    assert!(app.settings::<GatekeeperSettings>().services.is_empty());
}

#[test]
fn built_in_defaults_apply_without_a_defaults_table() {
    let inv = load(&estate("", WEB, "")).expect("loads");
    let g = gw(&inv);
    assert_eq!(g.hard_stop_after_s, DEFAULT_HARD_STOP_AFTER_S);
    assert_eq!(g.maxconn, DEFAULT_MAXCONN);
    let s = &g.services[0];
    assert_eq!(s.timeouts, Timeouts::default());
    assert_eq!((s.maxconn, s.rate_limit), (DEFAULT_SERVICE_MAXCONN, None));
    assert_eq!((s.balance, s.proxy_protocol), (Balance::RoundRobin, false));
}

/// Each broken snippet (a service laid over WEB's keys, or a whole
/// table) gives its code at the line of `at`, with `says` in the text.
#[test]
fn every_section_error_is_located_with_its_code_and_fix() {
    let svc = |extra: &str| format!("{WEB}{extra}\n");
    let cases: Vec<(String, &str, &str, &str)> = vec![
        ("\n[hosts.gatekeeper]\nmaxconn = 100\n".into(), "inv-gk-no-services", "[hosts.gatekeeper]", "no services"),
        (WEB.replace("\"web\"", "\"Web_1\""), "inv-gk-name", "name = ", "lower-case"),
        (format!("{WEB}{}", WEB), "inv-gk-duplicate", "name = ", "used twice"),
        (WEB.replace("[443]", "[443, \"0.0.0.0:443\"]"), "inv-gk-duplicate", "listen = ", "listed twice"),
        (WEB.replace("[443]", "[0]"), "inv-gk-listen", "listen = ", "out of range"),
        (WEB.replace("[443]", "[\"host:443\"]"), "inv-gk-listen", "listen = ", "not a listen address"),
        (WEB.replace("[443]", "[]"), "inv-gk-listen", "listen = ", "empty"),
        (svc("sources = []"), "inv-gk-sources", "sources = ", "nobody"),
        (svc("sources = [\"10.0.0.1/8\"]"), "inv-gk-sources", "sources = ", "host bits"),
        (svc("sources = [\"app-9\"]"), "inv-gk-unknown-host", "sources = ", "one of: app-1, app-2, db-1, gw-1"),
        (WEB.replace("app-2:8443", "app-9:8443"), "inv-gk-unknown-host", "backends = ", "`app-9`"),
        (WEB.replace("app-2:8443", "app-2"), "inv-gk-backend", "backends = ", "has no port"),
        (WEB.replace("app-2:8443", "app-2:99999"), "inv-gk-backend", "backends = ", "1-65535"),
        (WEB.replace("\"app-1:8443\", \"app-2:8443\"", "\"app-1:8443\", \"app-1:8443\""), "inv-gk-duplicate", "backends = ", "listed twice"),
        (svc("mode = \"tls\""), "inv-gk-mode", "mode = ", "passthrough"),
        (svc("mode = \"tcp\""), "pol-gk-plaintext", "mode = ", "TOM-2.1-transport-encryption"),
        (svc("sni = [\"Portal.example.com\"]"), "inv-gk-dns-name", "sni = ", "lower case"),
        (svc("sni = [\"*.example.com\"]"), "inv-gk-dns-name", "sni = ", "wildcards"),
        (svc("sni = [\"a.example\", \"a.example\"]"), "inv-gk-duplicate", "sni = ", "listed twice"),
        (svc("cert = \"/etc/x.pem\""), "inv-gk-reencrypt", "cert = ", "passthrough"),
        (svc("mode = \"reencrypt\""), "inv-gk-reencrypt", "[[hosts.gatekeeper.services]]", "needs `cert`, `key`, `backend_ca`, `backend_name`"),
        (svc("mode = \"reencrypt\"\ncert = \"/etc/my cert.pem\"\nkey = \"/k\"\nbackend_ca = \"/ca\"\nbackend_name = \"a.internal\""), "inv-gk-path", "cert = ", "no spaces"),
        (svc("mode = \"reencrypt\"\ncert = \"/etc/$HOME.pem\"\nkey = \"/k\"\nbackend_ca = \"/ca\"\nbackend_name = \"a.internal\""), "inv-gk-path", "cert = ", "no spaces"),
        (svc("mode = \"reencrypt\"\ncert = \"/etc/../c.pem\"\nkey = \"/etc/../c.pem\"\nbackend_ca = \"/ca\"\nbackend_name = \"a.internal\""), "inv-gk-path", "cert = ", "normalised"),
        (svc("mode = \"reencrypt\"\ncert = \"c.pem\"\nkey = \"c.pem\"\nbackend_ca = \"/ca\"\nbackend_name = \"a.internal\""), "inv-gk-path", "cert = ", "absolute"),
        (svc("mode = \"reencrypt\"\ncert = \"/c.pem\"\nkey = \"/c.key\"\nbackend_ca = \"/ca\"\nbackend_name = \"a.internal\""), "inv-gk-path", "key = ", "/c.pem.key"),
        (svc("mode = \"reencrypt\"\ncert = \"/c.pem\"\nkey = \"/c.pem\"\nbackend_ca = \"/ca\"\nbackend_name = \"10.0.0.1\""), "inv-gk-dns-name", "backend_name = ", "not a DNS name"),
        (svc("health = \"http\""), "inv-gk-health", "health = ", "reencrypt"),
        (svc("health_path = \"/x\""), "inv-gk-health", "health_path = ", "not \"http\""),
        (svc("mode = \"reencrypt\"\ncert = \"/c.pem\"\nkey = \"/c.pem\"\nbackend_ca = \"/ca\"\nbackend_name = \"a.internal\"\nhealth = \"http\"\nhealth_path = \"/a?b=1\""), "inv-gk-health", "health_path = ", "no query"),
        (svc("timeouts = { connect = \"5\" }"), "inv-gk-duration", "timeouts = ", "unit ms, s, m or h"),
        (svc("timeouts = { client = \"50ms\" }"), "inv-gk-duration", "timeouts = ", "100ms to 1h"),
        (svc("timeouts = { server = \"2h\" }"), "inv-gk-duration", "timeouts = ", "100ms to 1h"),
        (format!("\n[hosts.gatekeeper]\nhard_stop_after = \"25h\"\n{WEB}"), "inv-gk-duration", "hard_stop_after", "1s to 24h"),
        (format!("\n[hosts.gatekeeper]\nhard_stop_after = \"1500ms\"\n{WEB}"), "inv-gk-duration", "hard_stop_after", "whole seconds"),
        (format!("\n[hosts.gatekeeper]\nmaxconn = 0\n{WEB}"), "inv-gk-range", "maxconn", "1-1000000"),
        (svc("maxconn = 30000"), "inv-gk-range", "maxconn", "1-20000"),
        (svc("rate_limit = 100001"), "inv-gk-range", "rate_limit", "0-100000"),
        (svc("bogus = 1"), "inv-schema", "bogus", "unknown field `bogus`"),
        (svc("balance = \"random\""), "inv-schema", "balance", "unknown variant"),
        (format!("{WEB}\n[[hosts.gatekeeper.services]]\nname = \"b\"\nlisten = [443]\nbackends = [\"app-1:1\"]\n"), "inv-gk-shared-port", "name = \"b\"", "each list their `sni`"),
    ];
    for (gwt, code, at, says) in cases {
        let text = estate("", &gwt, "");
        let e = errors(&text);
        assert!(e.contains(&format!("[{code}]")), "{code}: {e}");
        // The line of the key (or of the table for a missing key).
        let gw_line = line_of(&text, "name = \"gw-1\"");
        let line = text
            .lines()
            .enumerate()
            .skip(gw_line)
            .filter(|(_, l)| l.contains(at))
            .map(|(i, _)| i + 1)
            .last()
            .unwrap_or_else(|| panic!("{at} not in {text}"));
        assert!(
            e.contains(&format!("inv.toml:{line}:")) || (code == "inv-gk-shared-port"),
            "{code} not at line {line}: {e}"
        );
        assert!(e.contains(says), "{code}: `{says}` not in {e}");
        assert!(e.contains("help:"), "{code}: no fix in {e}");
    }
}

#[test]
fn limits_are_enforced() {
    let many = |n: usize, f: &dyn Fn(usize) -> String| (0..n).map(f).collect::<Vec<_>>().join(", ");
    let sni = many(33, &|i| format!("\"s{i}.example\""));
    let e = errors(&estate("", &format!("{WEB}sni = [{sni}]\n"), ""));
    assert!(
        e.contains("[inv-gk-limit]") && e.contains("at most 32"),
        "{e}"
    );
    let b = many(65, &|i| format!("\"app-1:{}\"", i + 1));
    let e = errors(&estate(
        "",
        &WEB.replace("\"app-1:8443\", \"app-2:8443\"", &b),
        "",
    ));
    assert!(
        e.contains("[inv-gk-limit]") && e.contains("at most 64"),
        "{e}"
    );
    let svcs: String = (0..33)
        .map(|i| {
            WEB.replace("\"web\"", &format!("\"w{i}\""))
                .replace("[443]", &format!("[{}]", 1000 + i))
        })
        .collect();
    let e = errors(&estate("", &svcs, ""));
    assert!(
        e.contains("[inv-gk-limit]") && e.contains("at most 32"),
        "{e}"
    );
    let ok: String = (0..32)
        .map(|i| {
            WEB.replace("\"web\"", &format!("\"w{i}\""))
                .replace("[443]", &format!("[{}]", 1000 + i))
        })
        .collect();
    assert_eq!(
        gw(&load(&estate("", &ok, "")).expect("32 services load"))
            .services
            .len(),
        32
    );
}

#[test]
fn services_share_a_port_only_with_distinct_sni_and_never_in_reencrypt() {
    let b = |extra: &str| {
        format!("{WEB}sni = [\"a.example\"]\n\n[[hosts.gatekeeper.services]]\nname = \"b\"\nbackends = [\"app-1:9443\"]\n{extra}")
    };
    // Distinct names on one port: routed by SNI.
    let inv = load(&estate(
        "",
        &b("listen = [443]\nsni = [\"b.example\"]\n"),
        "",
    ))
    .expect("loads");
    assert_eq!(gw(&inv).services.len(), 2);
    // Different addresses on one port do not share a socket.
    let two_addrs = estate("", &b("listen = [\"203.0.113.1:8443\"]\n"), "")
        .replace("listen = [443]", "listen = [\"[2001:db8::1]:8443\"]");
    assert!(load(&two_addrs).is_ok(), "{:?}", load(&two_addrs).err());
    for (extra, says) in [
        ("listen = [443]\nsni = [\"a.example\"]\n", "the same server name"),
        ("listen = [443]\n", "each list their `sni`"),
        ("listen = [\"203.0.113.1:443\"]\nsni = [\"b.example\"]\nmode = \"reencrypt\"\ncert = \"/c.pem\"\nkey = \"/c.pem\"\nbackend_ca = \"/ca.pem\"\nbackend_name = \"a.internal\"\n", "a reencrypt service needs a port of its own"),
    ] {
        let text = estate("", &b(extra), "");
        let e = errors(&text);
        assert!(e.contains("[inv-gk-shared-port]") && e.contains(says), "{e}");
        let line = text
            .lines()
            .collect::<Vec<_>>()
            .iter()
            .rposition(|l| l.starts_with("listen = "))
            .unwrap_or(0)
            + 1;
        assert!(e.contains(&format!("inv.toml:{line}:")), "line {line}: {e}");
    }
}

#[test]
fn defaults_are_checked_once_and_only_take_their_keys() {
    let d = "\n[defaults.gatekeeper]\nhard_stop_after = \"0s\"\n";
    let text = estate(d, WEB, "");
    let e = errors(&text);
    assert_eq!(e.matches("[inv-gk-duration]").count(), 1, "{e}");
    assert!(
        e.contains(&format!("inv.toml:{}:", line_of(&text, "hard_stop_after"))),
        "{e}"
    );
    // Services belong to hosts; the providers to the defaults.
    let e = errors(&estate("\n[defaults.gatekeeper]\nservices = []\n", WEB, ""));
    assert!(
        e.contains("[inv-schema]") && e.contains("unknown field `services`"),
        "{e}"
    );
    let e = errors(&estate(
        "",
        &format!("\n[hosts.gatekeeper]\ngatekeeper_provider = \"telekom\"\n{WEB}"),
        "",
    ));
    assert!(e.contains("unknown field `gatekeeper_provider`"), "{e}");
    let d = "\n[defaults.gatekeeper]\ngatekeeper_provider = \"telekom\"\nbackend_provider = \"hetzner\"\n";
    let g = load(&estate(d, "", "")).expect("no gatekeeper, no rule");
    let p = g.hosts[0].settings::<GatekeeperSettings>().placement;
    assert_eq!(
        (p.gatekeeper.as_str(), p.backend.as_str()),
        ("telekom", "hetzner")
    );
}
