//! Passthrough: the client reaches the backends only through the
//! gatekeeper, sees their own certificates, cannot connect to them
//! directly (their firewalls are derived from the gatekeeper service);
//! a second apply changes and reloads nothing.

use harden::lab::Reach;

use super::{Gate, B1, B2, BLUE, GREEN, GW, PORT};

#[test]
fn the_client_reaches_the_backends_only_through_the_gatekeeper_and_sees_their_certificates() {
    let g = Gate::up("", &[], &[]);
    let t = &g.t;
    let outside = t.lab.outside_ns();
    // Before harden: the backends answer anyone (the test can tell a
    // firewall drop from a server that is not there).
    assert_eq!(t.reach(&outside, B1, PORT), Reach::Connected);
    assert_eq!(t.reach(&outside, GW, 443), Reach::Refused);

    t.harden(&["apply", "--yes"]).code(0);
    assert!(
        !t.haproxy_pids("hz-gw-1").is_empty(),
        "no haproxy runs on the gatekeeper"
    );

    // Through the gatekeeper: both backends answer (roundrobin), each with
    // its own certificate; the client sees no other.
    let tally = g.all_served(20);
    assert!(
        tally.backends.get(BLUE).is_some_and(|n| *n >= 5)
            && tally.backends.get(GREEN).is_some_and(|n| *n >= 5),
        "both backends should answer: {tally:?}"
    );
    assert_eq!(tally.certs.len(), 2, "{tally:?}");

    // Directly: dropped by each backend's firewall, from outside and from
    // the controller alike; only the gatekeeper gets through.
    for b in [B1, B2] {
        assert_eq!(t.reach(&outside, b, PORT), Reach::Dropped, "outside -> {b}");
        assert_eq!(
            t.reach(&t.lab.controller_ns(), b, PORT),
            Reach::Dropped,
            "controller -> {b}"
        );
        assert_eq!(
            t.reach(&t.ns_of("hz-gw-1"), b, PORT),
            Reach::Connected,
            "gatekeeper -> {b}"
        );
    }
    // The derived rule on the backend names the gatekeeper's address and
    // nothing wider.
    let rules = t.on("otc-app-1", "nft list table inet harden");
    assert!(
        rules.contains(&format!("{PORT}")) && rules.contains(GW),
        "{rules}"
    );

    // Drift-clean, and a second apply changes and reloads nothing.
    t.harden(&["drift"]).code(0);
    let pids = t.haproxy_pids("hz-gw-1");
    t.harden(&["apply", "--yes"])
        .code(0)
        .says("0 of 3 hosts changed");
    assert_eq!(
        t.haproxy_pids("hz-gw-1"),
        pids,
        "the second apply restarted or reloaded haproxy"
    );
    g.all_served(4);

    // The derived ports count as declared: the report must not claim the
    // firewall drops the gatekeeper's listener or the forwarded port.
    t.harden(&["drift"])
        .code(0)
        .never_says("tcp/443  # listening but not declared")
        .never_says("tcp/8443  # listening but not declared");
}
