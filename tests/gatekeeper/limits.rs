//! The gatekeeper enforces the service's `sources` (its derived firewall
//! admits only them) and its per-source connection-rate limit.

use harden::lab::Reach;

use super::{Gate, GW};

#[test]
fn sources_and_the_rate_limit_are_enforced_at_the_gatekeeper() {
    let g = Gate::up(
        "sources = [\"10.213.0.250/32\"]\nrate_limit = 5\n",
        &[],
        &[],
    );
    let t = &g.t;
    t.harden(&["apply", "--yes"]).code(0);
    // 12 new connections within 10 s from one address: the first 5 pass.
    let tally = g.through(12);
    assert_eq!(
        (tally.sent, tally.ok, tally.failed),
        (12, 5, 7),
        "{tally:?}"
    );
    // Anyone else is dropped by the gatekeeper's firewall: the controller
    // here, which is not in `sources`.
    assert_eq!(t.reach(&t.lab.controller_ns(), GW, 443), Reach::Dropped);
    // The outside checks cannot reach the service from the controller;
    // that is information, not drift.
    t.harden(&["drift"]).code(0);
}
