//! A reload during traffic drops no connection: sequential new TLS
//! connections while harden applies a changed config, and one connection
//! established before the reload and answered after it.

use super::{estate, Gate, GW, SNI};

#[test]
fn a_reload_during_traffic_drops_no_connection() {
    let g = Gate::applied();
    let t = &g.t;
    let before = t.haproxy_pids("hz-gw-1");
    let held = t.held_connection("held", GW, 443, SNI);
    let traffic = t.traffic("reload", GW, 443, SNI);
    traffic.wait_sent(20);

    // Two changed configs, two reloads, while the traffic runs.
    for maxconn in [3000, 2000] {
        let inv = t.inventory(
            &format!("inv-{maxconn}.toml"),
            &estate(&format!("maxconn = {maxconn}\n")),
        );
        t.harden_with(&inv, &["apply", "--yes"]).code(0);
        let cfg = t.on("hz-gw-1", &format!("cat {}", super::CFG));
        assert!(cfg.contains(&format!("maxconn {maxconn}")), "{cfg}");
    }
    let after = t.haproxy_pids("hz-gw-1");
    assert_ne!(
        before, after,
        "the changed config was not reloaded (same haproxy processes)"
    );
    let n = traffic.sent();
    traffic.wait_sent(n + 20);

    let tally = traffic.stop();
    assert!(tally.sent >= 40, "{tally:?}");
    assert_eq!(
        tally.ok, tally.sent,
        "connections dropped during the reloads: {tally:?}"
    );
    // The connection established before both reloads is still served.
    let h = held.stop();
    assert_eq!(
        (h.sent, h.ok),
        (1, 1),
        "the established connection was dropped: {h:?}"
    );
}
