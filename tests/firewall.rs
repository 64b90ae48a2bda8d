//! The host firewall with real TCP connects between namespaces, and the
//! lock-out guard: a change that cuts harden off rolls back by itself.

use harden::lab::{Reach, CONTROLLER, MGMT};

use crate::util::{TestLab, ESTATE};

#[test]
fn declared_ports_are_reachable_and_nothing_else() {
    let t = TestLab::estate();
    t.listen("otc-db-1", 5432);
    t.listen("otc-db-1", 8080);
    t.listen("hz-gw-1", 443);
    let outside = t.lab.outside_ns();
    let app = t.ns_of("otc-app-1");
    // Before apply everything that listens answers.
    assert_eq!(t.reach(&outside, "10.213.0.11", 8080), Reach::Connected);
    t.harden(&["apply", "--yes"]).code(0);
    assert_eq!(
        t.reach(&app, "10.213.0.11", 5432),
        Reach::Connected,
        "declared: app -> db:5432"
    );
    assert_eq!(
        t.reach(&app, "fd00:213::11", 5432),
        Reach::Connected,
        "declared over IPv6 too"
    );
    assert_eq!(
        t.reach(&outside, "10.213.0.11", 5432),
        Reach::Dropped,
        "db:5432 only from the app"
    );
    assert_eq!(
        t.reach(&app, "10.213.0.11", 8080),
        Reach::Dropped,
        "undeclared port"
    );
    assert_eq!(
        t.reach(&outside, "10.213.0.13", 443),
        Reach::Connected,
        "public TLS on the gatekeeper"
    );
    assert_eq!(
        t.reach(&outside, "10.213.0.11", 22),
        Reach::Dropped,
        "management port closed to strangers"
    );
    assert_eq!(
        t.reach(&t.lab.mgmt_ns(), "10.213.0.11", 22),
        Reach::Dropped,
        "closed to management outside a window"
    );
    assert_eq!(
        t.reach(&t.lab.controller_ns(), "10.213.0.11", 22),
        Reach::Connected,
        "open to the controller"
    );
    // The undeclared listener is reported as information.
    t.harden(&["drift"])
        .code(0)
        .says("tcp/8080")
        .says("listening but not declared");
    // Accepted management connections are counted.
    let counters = t.on(
        "otc-db-1",
        "nft list chain inet harden input | grep 'ip saddr 10.213.0.2 ct state new'",
    );
    assert!(
        !counters.contains("packets 0 "),
        "controller connections are counted: {counters}"
    );
    let _ = (CONTROLLER, MGMT);
}

#[test]
fn other_tables_and_window_elements_survive_apply() {
    let t = TestLab::estate();
    t.on("otc-db-1", "nft add table ip docker && nft add chain ip docker c '{ type filter hook forward priority 0; }'");
    t.harden(&["apply", "--yes"]).code(0);
    t.on("otc-db-1", "nft add element inet harden mgmt_v4 '{ 198.51.100.5 . 22 timeout 10m comment \"w-test\" }'");
    // A change that rewrites the rules must keep both.
    let changed = ESTATE.replace(
        "allow = [ { port = 443, comment = \"public TLS\" } ]",
        "allow = [ { port = 443, comment = \"public TLS\" }, { port = 8443 } ]",
    );
    let inv = t.inventory("changed.toml", &changed);
    t.harden_with(&inv, &["apply", "--yes"]).code(0);
    assert!(t
        .on("otc-db-1", "nft list tables")
        .contains("table ip docker"));
    assert!(t
        .on("otc-db-1", "nft list set inet harden mgmt_v4")
        .contains("198.51.100.5 . 22 timeout 10m"));
    t.harden_with(&inv, &["drift"])
        .code(0)
        .says("maintenance window open")
        .says("w-test");
    assert_eq!(
        t.reach(&t.lab.mgmt_ns(), "10.213.0.11", 22),
        Reach::Connected,
        "window open for management"
    );
}

#[test]
fn window_element_without_timeout_is_drift_and_removed() {
    let t = TestLab::estate();
    t.harden(&["apply", "--yes"]).code(0);
    t.on(
        "otc-db-1",
        "nft add element inet harden mgmt_v4 '{ 198.51.100.5 . 22 }'",
    );
    t.on(
        "otc-app-1",
        "nft add element inet harden mgmt_v4 '{ 203.0.113.7 . 22 timeout 1h }'",
    );
    let r = t.harden(&["drift"]);
    r.code(2)
        .says("has no timeout: it would never close")
        .says("203.0.113.7 is outside management_sources");
    t.harden(&["apply", "--yes"]).code(0);
    t.harden(&["drift"]).code(0);
    assert!(!t
        .on("otc-db-1", "nft list set inet harden mgmt_v4")
        .contains("198.51.100.5"));
}

#[test]
fn preflight_refuses_a_firewall_that_would_lock_harden_out() {
    let t = TestLab::estate();
    let bad = t.cut_off_inventory(ESTATE);
    let r = t.harden_with(&bad, &["apply", "--yes", "--limit", "otc-db-1"]);
    r.code(1)
        .says("refusing to apply")
        .says("10.213.0.2")
        .says("would cut harden off");
    assert!(
        !t.on("otc-db-1", "nft list tables").contains("harden"),
        "nothing was applied"
    );
}

#[test]
fn firewall_change_that_cuts_harden_off_rolls_back_by_itself() {
    let t = TestLab::estate();
    t.harden(&["apply", "--yes", "--limit", "otc-db-1"]).code(0);
    let before = t.on("otc-db-1", "cat /etc/harden/firewall.nft");
    let bad = t.cut_off_inventory(ESTATE);
    let started = std::time::Instant::now();
    let r = t.apply_rolling_back(&bad);
    r.code(1);
    let j = r.json();
    assert_eq!(j["hosts"][0]["status"], "rolled-back", "{j}");
    assert!(
        j["hosts"][0]["error"]
            .as_str()
            .unwrap_or_default()
            .contains("rolled back by itself"),
        "{j}"
    );
    assert!(
        started.elapsed().as_secs() >= 5,
        "harden waited for the host's own timer"
    );
    // Reachable again, with the previous rules back in place and active.
    assert_eq!(
        t.reach(&t.lab.controller_ns(), "10.213.0.11", 22),
        Reach::Connected
    );
    assert_eq!(t.on("otc-db-1", "cat /etc/harden/firewall.nft"), before);
    t.harden(&["drift", "--limit", "otc-db-1"]).code(0);
}
