//! `proxy_protocol = true`: the gatekeeper sends PROXY v2, so a backend
//! that requires it sees the internet client's address, not the
//! gatekeeper's (TOM-2.1-access-logging); health checks pass with it.

use harden::lab::OUTSIDE;

use super::{Gate, BLUE, GREEN};

#[test]
fn with_proxy_protocol_the_backends_see_the_clients_address() {
    let g = Gate::up_proxy("proxy_protocol = true\n");
    g.t.harden(&["apply", "--yes"]).code(0);
    let t = g.all_served(10);
    assert!(
        t.backends.contains_key(BLUE) && t.backends.contains_key(GREEN),
        "{t:?}"
    );
    assert_eq!(t.clients.get(OUTSIDE), Some(&10), "{t:?}");
    g.t.harden(&["drift"]).code(0);
}
