use super::super::rule::EdgeProto;
use super::*;
use crate::inventory::Cidr;
use crate::report::model::Status;

fn atom(port: u16, src: &str) -> Atom {
    Atom {
        proto: EdgeProto::Tcp,
        ports: Some((port, port)),
        source: Cidr::parse(src).expect("cidr"),
    }
}

fn live(a: Atom, mark: Option<Mark>) -> Live {
    Live {
        atom: a,
        mark,
        id: None,
    }
}

#[test]
fn no_controller_desired_means_the_live_controller_rule_stays() {
    let desired = BTreeMap::from([(atom(443, "0.0.0.0/0"), Mark::Derived("allow[0]".into()))]);
    let v = judge(
        &desired,
        &[live(atom(22, "10.0.0.1"), Some(Mark::Controller))],
        0,
    );
    assert_eq!(v.kept_controller, [atom(22, "10.0.0.1")]);
    assert!(v.extra.is_empty());
    assert!(v.keep.contains_key(&atom(22, "10.0.0.1")));
}

#[test]
fn unmarked_extra_goes_and_duplicates_are_extra() {
    let desired = BTreeMap::from([(atom(22, "10.0.0.2"), Mark::Controller)]);
    let l = [
        live(atom(22, "10.0.0.2"), Some(Mark::Controller)),
        live(atom(22, "10.0.0.2"), None),
        live(atom(80, "0.0.0.0/0"), None),
    ];
    let v = judge(&desired, &l, 0);
    assert!(v.missing.is_empty());
    assert_eq!(v.extra.len(), 2);
    assert!(v.drifts());
}

#[test]
fn layers_compare_by_cover_both_ways() {
    let host = BTreeSet::from([atom(22, "10.0.0.0/24"), atom(443, "0.0.0.0/0")]);
    let edge = BTreeSet::from([
        atom(22, "10.0.0.0/24"),
        atom(22, "10.0.0.7"),
        atom(443, "0.0.0.0/0"),
    ]);
    assert_eq!(
        layers_finding("t", "s", &edge, &host).status,
        Status::InSync
    );
    let edge_wide = BTreeSet::from([atom(22, "0.0.0.0/0"), atom(443, "0.0.0.0/0")]);
    let f = layers_finding("t", "s", &edge_wide, &host);
    assert_eq!(f.status, Status::Drift);
    assert!(
        f.actual
            .contains("closed on the host: tcp/22 from 0.0.0.0/0"),
        "{}",
        f.actual
    );
    let edge_narrow = BTreeSet::from([atom(22, "10.0.0.7")]);
    let f = layers_finding("t", "s", &edge_narrow, &host);
    assert!(
        f.actual
            .contains("blocked at the edge: tcp/22 from 10.0.0.0/24, tcp/443 from 0.0.0.0/0"),
        "{}",
        f.actual
    );
    assert_eq!(f.check, "edge-layers");
}
