//! Reencrypt: the client sees the gatekeeper's certificate, never a
//! backend's, and none of the backends' identifying headers; the
//! gatekeeper verifies each backend against the private CA and the
//! declared name, so a backend without that name gets no traffic.

use std::time::Duration;

use crate::util::wait_until;

use super::{Gate, BLUE, GREEN, PORT, SNI};

const SERVICE: &str = "mode = \"reencrypt\"\ncert = \"/etc/haproxy/certs/portal.pem\"\nkey = \"/etc/haproxy/certs/portal.pem.key\"\nbackend_ca = \"/etc/haproxy/backend-ca.pem\"\nbackend_name = \"app.internal\"\n";

const LEAKY: [&str; 3] = [
    "Server: lab-app/1.0",
    "X-Powered-By: lab",
    "X-Backend-Server: otc-app-1",
];

#[test]
fn reencrypt_shows_the_gatekeepers_certificate_and_hides_backend_headers() {
    let g = Gate::up(SERVICE, &["app.internal"], &LEAKY);
    let t = &g.t;
    let gk = g
        .pki
        .issue("gatekeeper", SNI, &[SNI])
        .unwrap_or_else(|e| panic!("{e}"));
    let read = |p: &std::path::Path| std::fs::read(p).unwrap_or_else(|e| panic!("{e}"));
    t.put(
        "hz-gw-1",
        "/etc/haproxy/certs/portal.pem",
        &read(&gk.cert),
        "0644",
    );
    t.put(
        "hz-gw-1",
        "/etc/haproxy/certs/portal.pem.key",
        &read(&gk.key),
        "0600",
    );
    t.put(
        "hz-gw-1",
        "/etc/haproxy/backend-ca.pem",
        &read(&g.pki.ca()),
        "0644",
    );
    t.harden(&["apply", "--yes"]).code(0);

    let seen = g.through(10);
    assert_eq!((seen.sent, seen.ok), (10, 10), "{seen:?}");
    assert!(
        seen.backends.contains_key(BLUE) && seen.backends.contains_key(GREEN),
        "{seen:?}"
    );
    assert_eq!(
        seen.certs.keys().collect::<Vec<_>>(),
        vec![&gk.sha256],
        "{seen:?}"
    );
    for h in ["server", "x-powered-by", "x-backend-server"] {
        assert!(
            !seen.headers.contains_key(h),
            "`{h}` reached the client: {seen:?}"
        );
    }
    t.harden(&["drift"]).code(0);

    // green now serves a certificate from the same CA without the
    // backend name: HAProxy must refuse it, so only blue answers.
    t.stop(&g.servers[1]);
    let wrong = g
        .pki
        .issue("otc-app-2-noname", SNI, &[SNI])
        .unwrap_or_else(|e| panic!("{e}"));
    t.tls_serve("otc-app-2", PORT, &wrong, GREEN, &LEAKY);
    wait_until("green out of the pool", Duration::from_secs(30), || {
        let s = g.through(4);
        s.ok == 4 && s.backends.get(BLUE) == Some(&4)
    });
    let s = g.through(20);
    assert_eq!((s.ok, s.backends.get(GREEN)), (20, None), "{s:?}");
}
