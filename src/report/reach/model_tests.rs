//! The reachability model read from small inventories: the edges the
//! picture draws are the firewall's openings, nothing more.

use super::model::{build, Source, Tier, When};
use crate::testkit;

/// A gatekeeper fronting an app host that reaches a data host, plus a test
/// app host open to an outside network.
fn estate() -> crate::inventory::Inventory {
    testkit::inventory()
        .management_sources(&["198.51.100.0/28"])
        .host("db", "10.213.0.11", "data")
        .with(r#"tenant = "t1""#)
        .with(r#"allow = [ { port = 5432, from = ["app"] } ]"#)
        .host("app", "10.213.0.12", "app")
        .with(r#"tenant = "t1""#)
        .host("gw", "10.213.0.13", "gatekeeper")
        .provider("hetzner")
        .with(r#"tenant = "t1""#)
        .with(r#"gatekeeper = { services = [ { name = "web", listen = [443], sni = ["a.example"], backends = ["app:8443"] } ] }"#)
        .host("test-app", "10.30.0.12", "app")
        .environment("test")
        .with(r#"tenant = "t1""#)
        .with(r#"allow = [ { port = 8080, from = ["192.0.2.0/24"] } ]"#)
        .load()
}

#[test]
fn edges_are_the_rendered_openings() {
    let m = build(&estate());
    assert!(m.reaches(&Source::Anyone, "gw", "443/tcp", When::Always));
    assert!(m.reaches(&Source::Host("gw".into()), "app", "8443/tcp", When::Always));
    assert!(m.reaches(&Source::Host("app".into()), "db", "5432/tcp", When::Always));
    let net = crate::inventory::Cidr::parse("192.0.2.0/24").unwrap();
    assert!(m.reaches(&Source::Net(net), "test-app", "8080/tcp", When::Always));
    // Nobody from outside reaches the data host, and its SSH is the
    // controller's (always) and management's (window only).
    assert!(!m.reaches(&Source::Anyone, "db", "22/tcp", When::Always));
    assert!(!m
        .edges
        .iter()
        .any(|e| e.to == m.host("db").unwrap() && e.from == Source::Anyone));
    assert!(m.reaches(&Source::Controller, "db", "22/tcp", When::Always));
    assert!(m.reaches(&Source::Management, "db", "22/tcp", When::Window));
    assert!(!m.reaches(&Source::Management, "db", "22/tcp", When::Always));
    // The backend port is open to the gatekeeper only, not to anyone.
    assert!(!m.reaches(&Source::Anyone, "app", "8443/tcp", When::Always));
    assert_eq!(m.hosts[m.host("db").unwrap()].tier, Tier::Data);
    assert!(m.hosts[m.host("db").unwrap()].data);
    assert_eq!(m.hosts[m.host("gw").unwrap()].tier, Tier::Front);
}

#[test]
fn production_and_test_are_separate_groups_sorted_by_name() {
    let m = build(&estate());
    assert_eq!(m.groups.len(), 2, "{:?}", m.groups);
    let names = |g: usize| -> Vec<&str> {
        m.groups[g]
            .hosts
            .iter()
            .map(|&i| m.hosts[i].name.as_str())
            .collect()
    };
    assert_eq!(
        m.groups[0].environment,
        crate::inventory::Environment::Production
    );
    assert_eq!(names(0), ["app", "db", "gw"]);
    assert_eq!(m.groups[1].environment, crate::inventory::Environment::Test);
    assert_eq!(names(1), ["test-app"]);
    assert_eq!(build(&estate()).edges, m.edges, "deterministic");
}

#[test]
fn the_example_inventory_keeps_its_promises() {
    let inv = crate::inventory::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("inventories/example.toml"),
        crate::controls::sections::sections(),
    )
    .unwrap();
    let m = build(&inv);
    for gw in ["hz-a-gw-1", "hz-a-gw-2"] {
        assert!(m.reaches(&Source::Anyone, gw, "443/tcp", When::Always));
        for app in ["otc-a-app-1", "otc-a-app-2"] {
            assert!(m.reaches(&Source::Host(gw.into()), app, "8443/tcp", When::Always));
        }
    }
    for db in ["otc-a-db-1", "otc-b-db-1", "otc-a-test-db-1"] {
        let i = m.host(db).unwrap();
        assert!(m.hosts[i].data);
        assert!(m
            .edges
            .iter()
            .filter(|e| e.to == i)
            .all(|e| e.from != Source::Anyone));
    }
    // No production host reaches a test host or the other way round.
    for e in &m.edges {
        if let Source::Host(n) = &e.from {
            let from = &m.hosts[m.host(n).unwrap()];
            assert_eq!(from.environment, m.hosts[e.to].environment, "{e:?}");
        }
    }
}
