//! The renderer: structure of both modes, the fingerprint, and the real
//! `/usr/sbin/haproxy -dW -c` accepting every option (warnings are errors).

use super::testkit::*;
use super::*;
use crate::controls::haproxy::crypto::{choose, OpenSsl};
use crate::controls::haproxy::model::*;

fn d12() -> Tls {
    choose(Some(OpenSsl::new(3, 0)))
}

fn lines_of<'a>(text: &'a str, section: &str) -> Vec<&'a str> {
    text.lines()
        .skip_while(|l| *l != section)
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(str::trim)
        .collect()
}

fn every_option(pki: &Pki) -> GatekeeperSettings {
    let mut a = service("portal", 443, Mode::Passthrough);
    a.rate_limit = Some(100);
    a.proxy_protocol = true;
    a.balance = Balance::LeastConn;
    let mut b = service("api", 443, Mode::Passthrough);
    b.balance = Balance::Source;
    b.sources = sources(&["198.51.100.0/24", "2001:db8::/32"]);
    b.listen.push(Listen {
        addr: Some("127.0.0.1".parse().expect("ip")),
        port: 8443,
    });
    let mut c = service("shop", 9443, reencrypt(&pki.dir));
    c.health = Health::Http {
        path: "/healthz".into(),
    };
    c.proxy_protocol = true;
    c.rate_limit = Some(50);
    let mut d = service("admin", 9443, reencrypt(&pki.dir));
    d.listen.push(Listen {
        addr: Some("::1".parse().expect("ip")),
        port: 9444,
    });
    d.backends.truncate(1);
    d.backends[0].addr = "2001:db8::21".parse().expect("ip");
    settings(vec![a, b, c, d])
}

#[test]
fn real_haproxy_accepts_every_option_without_a_warning() {
    let pki = Pki::make("render-all");
    let g = every_option(&pki);
    let r = render("hz-gw-1", &g, &d12()).expect("renders");
    haproxy_check(&pki.dir, "all.cfg", &r.text).expect("haproxy -dW -c accepts");
    for (i, s) in g.services.iter().enumerate() {
        let one = settings(vec![s.clone()]);
        let r = render("hz-gw-1", &one, &d12()).expect("renders");
        haproxy_check(&pki.dir, &format!("{i}.cfg"), &r.text)
            .unwrap_or_else(|e| panic!("service {}: {e}\n{}", s.name, r.text));
    }
    let mut alone = service("solo", 443, Mode::Passthrough);
    alone.sni.clear();
    let r = render("hz-gw-1", &settings(vec![alone]), &d12()).expect("renders");
    assert!(r.text.contains("    use_backend be-solo\n"), "{}", r.text);
    haproxy_check(&pki.dir, "solo.cfg", &r.text).expect("a service without names");
}

#[test]
fn the_validator_catches_a_name_that_stops_haproxy_on_openssl_3_0() {
    // What `haproxy -dW -c` on the host protects against: the 3.5 choice
    // rendered for a 3.0 host must be refused, the 3.0 choice accepted.
    let pki = Pki::make("render-mlkem");
    let g = settings(vec![service("shop", 9443, reencrypt(&pki.dir))]);
    let pq = render("hz-gw-1", &g, &choose(Some(OpenSsl::new(3, 5)))).expect("renders");
    assert!(pq.text.contains("ssl-default-bind-curves X25519MLKEM768:"));
    assert!(haproxy_check(&pki.dir, "pq.cfg", &pq.text).is_err());
    let ok = render("hz-gw-1", &g, &d12()).expect("renders");
    haproxy_check(&pki.dir, "ok.cfg", &ok.text).expect("classical groups");
}

#[test]
fn passthrough_rejects_before_routing_and_never_accepts() {
    let pki = Pki::make("render-order");
    let g = every_option(&pki);
    let r = render("hz-gw-1", &g, &d12()).expect("renders");
    let fe = lines_of(&r.text, "frontend fe-443");
    assert!(fe.contains(&"mode tcp"));
    assert!(
        !fe.iter()
            .any(|l| !l.starts_with('#') && l.contains("accept")),
        "{fe:#?}"
    );
    let pos = |p: &str| {
        fe.iter()
            .position(|l| l.starts_with(p))
            .unwrap_or_else(|| panic!("no {p}: {fe:#?}"))
    };
    let hello = pos("tcp-request content reject unless { req.ssl_hello_type 1 }");
    let sni = pos(
        "tcp-request content reject unless { req.ssl_sni -i portal.example.com api.example.com }",
    );
    let route = pos("use_backend be-portal if { req.ssl_sni -i portal.example.com }");
    assert!(pos("tcp-request inspect-delay 5000ms") < hello && hello < sni && sni < route);
    assert!(fe.contains(&"tcp-request connection reject if { sc_conn_rate(0) gt 100 }"));
    assert!(fe.contains(&"stick-table type ipv6 size 1m expire 60s store conn_rate(10s)"));
    assert!(
        fe.contains(&"maxconn 20000"),
        "shared listener: sum of the services"
    );
    // `portal` admits anyone, so the shared listener has no source filter,
    // while api's own 127.0.0.1:8443 listener has.
    assert!(!fe.iter().any(|l| l.contains("{ src ")));
    let own = lines_of(&r.text, "frontend fe-127.0.0.1-8443");
    assert!(
        own.contains(&"tcp-request connection reject unless { src 198.51.100.0/24 2001:db8::/32 }")
    );
    let be = lines_of(&r.text, "backend be-portal");
    assert!(be.contains(&"balance leastconn"));
    assert!(be.contains(&"server otc-app-1 10.213.0.21:8443 check inter 2000ms check-ssl verify none check-sni portal.example.com send-proxy-v2"), "{be:#?}");
    assert!(lines_of(&r.text, "backend be-api").contains(&"balance source"));
}

#[test]
fn reencrypt_verifies_backends_by_name_and_hides_them() {
    let pki = Pki::make("render-re");
    let g = every_option(&pki);
    let r = render("hz-gw-1", &g, &d12()).expect("renders");
    let fe = lines_of(&r.text, "frontend fe-9443");
    let crt = pki.dir.join("gw.pem").display().to_string();
    assert!(
        fe.contains(&format!("bind :9443 ssl crt {crt} alpn h2,http/1.1").as_str()),
        "{fe:#?}"
    );
    assert!(fe.contains(&"mode http"));
    assert!(fe.contains(&"timeout http-request 5000ms"));
    for h in ["Server", "X-Powered-By", "Via"] {
        assert!(fe.contains(&format!("http-after-response del-header {h}").as_str()));
    }
    assert!(fe.contains(&"http-after-response del-header X-Backend- -m beg"));
    assert!(fe.contains(
        &"http-request deny unless { ssl_fc_sni -i shop.example.com admin.example.com }"
    ));
    let be = lines_of(&r.text, "backend be-shop");
    let ca = pki.dir.join("ca.pem").display().to_string();
    assert!(be.contains(&format!("server otc-app-1 10.213.0.21:8443 ssl verify required ca-file {ca} sni str(app.internal) verifyhost app.internal check inter 2000ms check-sni app.internal send-proxy-v2").as_str()), "{be:#?}");
    assert!(be.contains(&"option httpchk"));
    assert!(
        be.contains(&"http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host app.internal")
    );
    let admin = lines_of(&r.text, "backend be-admin");
    assert!(
        !admin.contains(&"option httpchk"),
        "TLS health: no HTTP check"
    );
    assert!(admin
        .iter()
        .any(|l| l.starts_with("server otc-app-1 [2001:db8::21]:8443 ssl verify required")));
    assert!(r.text.contains("frontend fe-::1-9444\n"));
    let global = lines_of(&r.text, "global");
    for want in [
        "stats socket /run/haproxy/admin.sock mode 600 level admin",
        "hard-stop-after 1800s",
        "maxconn 20000",
        "ssl-default-bind-options prefer-client-ciphers ssl-min-ver TLSv1.2 no-tls-tickets",
        "ssl-server-verify required",
        "ssl-default-bind-curves X25519:prime256v1:secp384r1",
    ] {
        assert!(global.contains(&want), "{want}: {global:#?}");
    }
    assert!(!r.text.contains("stats enable") && !r.text.contains("stats uri"));
}

#[test]
fn the_fingerprint_is_the_hash_of_the_file_without_it() {
    let g = settings(vec![service("portal", 443, Mode::Passthrough)]);
    let r = render("hz-gw-1", &g, &d12()).expect("renders");
    assert_eq!(r.fingerprint.len(), 64);
    assert!(r
        .text
        .contains(&format!("\n    description harden:{}\n", r.fingerprint)));
    assert_eq!(fingerprint_of(&r.text), r.fingerprint);
    let edited = r.text.replace("maxconn 10000", "maxconn 10001");
    assert_ne!(fingerprint_of(&edited), r.fingerprint);
    let mut more = g.clone();
    more.hard_stop_after_s = 60;
    assert_ne!(
        render("hz-gw-1", &more, &d12())
            .expect("renders")
            .fingerprint,
        r.fingerprint
    );
    assert_eq!(
        render("hz-gw-1", &g, &d12()).expect("renders"),
        r,
        "deterministic"
    );
}

#[test]
fn a_listener_shared_by_both_modes_or_without_names_is_refused() {
    let pki = Pki::make("render-mixed");
    let mixed = settings(vec![
        service("a", 443, Mode::Passthrough),
        service("b", 443, reencrypt(&pki.dir)),
    ]);
    let e = render("hz-gw-1", &mixed, &d12()).expect_err("refused");
    assert!(e.0.contains("passthrough and reencrypt"), "{e}");
    let mut nameless = service("b", 443, Mode::Passthrough);
    nameless.sni.clear();
    let e = render(
        "hz-gw-1",
        &settings(vec![service("a", 443, Mode::Passthrough), nameless]),
        &d12(),
    )
    .expect_err("refused");
    assert!(e.0.contains("sni"), "{e}");
}

#[test]
fn a_value_that_could_end_a_config_token_never_reaches_the_file() {
    let ok = settings(vec![service("portal", 443, Mode::Passthrough)]);
    assert!(render("hz-gw-1", &ok, &d12()).is_ok());
    for bad in ["portal.example.com backend evil", "a#b", "x\"y", "{ }", ""] {
        let mut s = service("portal", 443, Mode::Passthrough);
        s.sni = vec![bad.to_string()];
        let e = render("hz-gw-1", &settings(vec![s]), &d12()).expect_err(bad);
        assert!(e.0.contains("not config-safe"), "{e}");
    }
    let mut s = service("portal", 443, Mode::Passthrough);
    s.health = Health::Http {
        path: "/healthz".into(),
    };
    let e = render("hz-gw-1", &settings(vec![s]), &d12()).expect_err("http in passthrough");
    assert!(e.0.contains("needs reencrypt"), "{e}");
}
