//! The provider calls of a window, planned from JSON facts.

use serde_json::{json, Value};

use super::hetzner;
use super::otc;
use super::*;
use crate::contract::api::{Method, Service};

const W: &str = "w0123abcd";
const OLD: &str = "w99998888";

fn at(s: &str) -> u64 {
    timefmt::parse_rfc3339(s).expect("time")
}

fn opening() -> Opening {
    Opening {
        window: W.into(),
        sources: vec![
            Cidr::parse("198.51.100.0/28").unwrap(),
            Cidr::parse("2001:db8:5::/64").unwrap(),
        ],
        port: 2222,
        until: at("2026-12-02T08:00:00Z"),
    }
}

fn marked(window: &str, until: &str) -> String {
    format!("harden maintenance {window} until {until}")
}

/// A firewall as `GET /firewalls?name=` lists it (response form).
fn fw_list(rules: Value) -> Value {
    json!([
        {"id": 7, "name": "harden-web-10", "rules": []},
        {"id": 42, "name": "harden-web", "rules": rules, "applied_to": []}
    ])
}

fn controller_rule() -> Value {
    json!({"direction": "in", "protocol": "tcp", "port": "22", "source_ips": ["10.213.0.2/32"],
           "destination_ips": [], "description": "harden controller"})
}

fn hz_maint(window: &str, until: &str) -> Value {
    json!({"direction": "in", "protocol": "tcp", "port": "2222",
           "source_ips": ["198.51.100.0/28"], "destination_ips": [],
           "description": marked(window, until)})
}

#[test]
fn description_carries_window_and_expiry() {
    assert_eq!(
        opening().description(),
        "harden maintenance w0123abcd until 2026-12-02T08:00:00Z"
    );
}

#[test]
fn hetzner_open_sends_old_rules_plus_the_window_and_drops_overdue() {
    let hand = json!({"direction": "in", "protocol": "icmp", "port": null,
                      "source_ips": ["0.0.0.0/0", "::/0"], "destination_ips": [], "description": null});
    let mut old = hz_maint(OLD, "2026-12-02T06:00:00Z");
    old["source_ips"] = json!(["203.0.113.0/24"]); // not replaced: other sources
    let list = fw_list(json!([controller_rule(), hand, old]));
    let fw = hetzner::firewall(&list, "harden-web").expect("found by exact name");
    assert_eq!(fw.id, 42);
    let now = at("2026-12-02T07:00:00Z");
    let (call, opened, dropped) = hetzner::open(&fw, &opening(), now).expect("plan");
    assert_eq!(call.method, Method::Post);
    assert_eq!(call.path, "/firewalls/42/actions/set_rules");
    assert_eq!(call.service, Some(Service::Hcloud));
    let want = json!({"rules": [
        {"direction": "in", "protocol": "tcp", "port": "22", "source_ips": ["10.213.0.2/32"],
         "description": "harden controller"},
        {"direction": "in", "protocol": "icmp", "source_ips": ["0.0.0.0/0", "::/0"]},
        {"direction": "in", "protocol": "tcp", "port": "2222",
         "source_ips": ["198.51.100.0/28", "2001:db8:5::/64"],
         "description": "harden maintenance w0123abcd until 2026-12-02T08:00:00Z"}
    ]});
    assert_eq!(call.body, Some(want));
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0].window, W);
    assert_eq!(opened[0].ports, Some((2222, 2222)));
    assert_eq!(opened[0].until, opening().until);
    assert_eq!(
        dropped.len(),
        1,
        "the overdue window is dropped in the same call"
    );
    assert_eq!(dropped[0].window, OLD);
    // Not yet overdue: kept.
    let (call, _, dropped) = hetzner::open(&fw, &opening(), at("2026-12-02T05:59:59Z")).unwrap();
    assert!(dropped.is_empty());
    assert_eq!(call.body.unwrap()["rules"].as_array().unwrap().len(), 4);
}

#[test]
fn hetzner_close_removes_exactly_the_window_or_nothing() {
    let list = fw_list(json!([
        controller_rule(),
        hz_maint(W, "2026-12-02T08:00:00Z"),
        hz_maint(OLD, "2026-12-02T09:00:00Z"),
        {"direction": "in", "protocol": "tcp", "port": "22", "source_ips": ["203.0.113.9/32"],
         "description": "harden maintenance w0123abcd until never"}
    ]));
    let fw = hetzner::firewall(&list, "harden-web").unwrap();
    let now = at("2026-12-02T07:00:00Z");
    let which = Which::Window { id: W.into(), now };
    let (call, closed) = hetzner::close(&fw, &which).unwrap().expect("a call");
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0].window, W);
    let rules = call.body.unwrap()["rules"].clone();
    let descs: Vec<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["description"].as_str())
        .collect();
    assert_eq!(
        descs,
        [
            "harden controller",
            marked(OLD, "2026-12-02T09:00:00Z").as_str(),
            "harden maintenance w0123abcd until never"
        ],
        "the other window and a rule that only looks like ours are kept"
    );
    assert_eq!(
        hetzner::close(
            &fw,
            &Which::Window {
                id: "w00000000".into(),
                now
            }
        )
        .unwrap(),
        None,
        "nothing to close: no call"
    );
    let (_, all) = hetzner::close(&fw, &Which::All).unwrap().unwrap();
    assert_eq!(all.len(), 2);
    let (_, overdue) = hetzner::close(&fw, &Which::Overdue(at("2026-12-02T08:30:00Z")))
        .unwrap()
        .unwrap();
    assert_eq!(
        overdue
            .iter()
            .map(|r| r.window.as_str())
            .collect::<Vec<_>>(),
        [W]
    );
}

#[test]
fn hetzner_read_errors() {
    assert_eq!(
        hetzner::firewall(&json!([{"id": 7, "name": "harden-web-10"}]), "harden-web"),
        Err(hetzner::ReadError::Missing),
        "a prefix match of the name filter is not ours"
    );
    let two = json!([{"id": 1, "name": "harden-web"}, {"id": 2, "name": "harden-web"}]);
    assert_eq!(
        hetzner::firewall(&two, "harden-web"),
        Err(hetzner::ReadError::Several(2))
    );
    for bad in [
        json!({"firewalls": []}),
        json!([{"id": "42", "name": "harden-web"}]),
        json!([{"id": 42, "name": "harden-web", "rules": [{"protocol": "tcp"}]}]),
        json!([{"id": 42, "name": "harden-web", "rules": [
            {"direction": "in", "protocol": "tcp", "description": "a\u{1b}[31m"}]}]),
        json!([{"id": 42, "name": "harden-web", "rules": [
            {"direction": "in", "protocol": "tcp", "source_ips": "0.0.0.0/0"}]}]),
    ] {
        assert!(
            matches!(
                hetzner::firewall(&bad, "harden-web"),
                Err(hetzner::ReadError::Bad(_))
            ),
            "{bad}"
        );
    }
}

#[test]
fn hetzner_splits_more_than_100_sources() {
    let mut o = opening();
    o.sources = (0..=100u32)
        .map(|i| Cidr::parse(&format!("10.1.{}.{}/32", i / 256, i % 256)).unwrap())
        .collect();
    let rules = hetzner::opening_rules(&o);
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0]["source_ips"].as_array().unwrap().len(), 100);
    assert_eq!(rules[1]["source_ips"].as_array().unwrap().len(), 1);
}

fn otc_rule(id: &str, desc: Option<&str>) -> Value {
    json!({"id": id, "security_group_id": "sg-1", "direction": "ingress", "ethertype": "IPv4",
           "protocol": "tcp", "port_range_min": 2222, "port_range_max": 2222,
           "remote_ip_prefix": "198.51.100.0/28", "description": desc})
}

#[test]
fn otc_open_posts_one_rule_per_source_with_family_and_mark() {
    let groups =
        json!([{"id": "sg-x", "name": "harden-web-2"}, {"id": "sg-1", "name": "harden-web"}]);
    let g = otc::group(&groups, "harden-web").unwrap();
    assert_eq!(g, "sg-1");
    let calls = otc::create_calls(&g, &opening()).unwrap();
    assert_eq!(calls.len(), 2);
    let bodies: Vec<Value> = calls.iter().map(|(c, _)| c.body.clone().unwrap()).collect();
    for (c, _) in &calls {
        assert_eq!(
            (c.method, c.path.as_str()),
            (Method::Post, "/v2.0/security-group-rules")
        );
        assert_eq!(c.service, Some(Service::OtcVpc));
    }
    assert_eq!(
        bodies[0],
        json!({"security_group_rule": {"security_group_id": "sg-1", "direction": "ingress",
            "ethertype": "IPv4", "protocol": "tcp", "port_range_min": 2222, "port_range_max": 2222,
            "remote_ip_prefix": "198.51.100.0/28",
            "description": "harden maintenance w0123abcd until 2026-12-02T08:00:00Z"}})
    );
    assert_eq!(bodies[1]["security_group_rule"]["ethertype"], "IPv6");
    assert_eq!(
        bodies[1]["security_group_rule"]["remote_ip_prefix"],
        "2001:db8:5::/64"
    );
    assert_eq!(
        otc::created_id(&json!({"security_group_rule": {"id": "r-9"}})),
        Some("r-9".into())
    );
    assert_eq!(
        otc::created_id(&json!({"security_group_rule": {"id": "../x"}})),
        None
    );
    assert_eq!(
        otc::group(&json!([]), "harden-web"),
        Err(otc::ReadError::Missing)
    );
    assert!(matches!(
        otc::group(&json!([{"id": "a/b", "name": "harden-web"}]), "harden-web"),
        Err(otc::ReadError::Bad(_))
    ));
}

#[test]
fn otc_close_deletes_only_this_windows_rules_and_overdue_ones() {
    let rules = json!([
        otc_rule("r-ctl", Some("harden controller")),
        otc_rule("r-hand", None),
        otc_rule("r-w1", Some(&marked(W, "2026-12-02T08:00:00Z"))),
        otc_rule("r-w2", Some(&marked(W, "2026-12-02T08:00:00Z"))),
        otc_rule("r-old", Some(&marked(OLD, "2026-12-02T06:00:00Z"))),
        otc_rule(
            "r-later",
            Some(&marked("w11112222", "2026-12-02T10:00:00Z"))
        ),
        otc_rule("../../x", Some(&marked(W, "2026-12-02T08:00:00Z"))),
    ]);
    let all = otc::maintenance(&rules).unwrap();
    assert_eq!(
        all.len(),
        4,
        "a rule with a hostile id is never ours to delete"
    );
    let ids = |which: &Which| -> Vec<String> {
        otc::close_calls(&all, which)
            .unwrap()
            .into_iter()
            .map(|(c, _)| {
                assert_eq!(c.method, Method::Delete);
                c.path
            })
            .collect()
    };
    let p = |id: &str| format!("/v2.0/security-group-rules/{id}");
    assert_eq!(
        ids(&Which::Window {
            id: W.into(),
            now: 0
        }),
        [p("r-w1"), p("r-w2")]
    );
    let now = at("2026-12-02T07:00:00Z");
    assert_eq!(
        ids(&Which::Window { id: W.into(), now }),
        [p("r-w1"), p("r-w2"), p("r-old")]
    );
    assert_eq!(ids(&Which::Overdue(now)), [p("r-old")]);
    assert_eq!(ids(&Which::All).len(), 4);
    assert_eq!(all[0].json()["until"], "2026-12-02T08:00:00Z");
    assert_eq!(all[0].json()["sources"], json!(["198.51.100.0/28"]));
    assert_eq!(all[0].json()["port"], "2222");
}

#[test]
fn failures_say_what_to_do_and_what_is_left() {
    let e = EdgeError::NotApplied {
        host: "web".into(),
        object: "harden-web".into(),
        kind: "firewall",
    };
    assert_eq!(e.code(), "edge-not-applied");
    assert!(e.to_string().contains("run harden apply first"), "{e}");
    let clean = OpenFailure {
        error: e.clone(),
        rollback: Ok(Vec::new()),
    };
    assert!(clean.clean());
    assert!(clean
        .to_string()
        .ends_with("(nothing was opened at the provider)"));
    let dirty = OpenFailure {
        error: e.clone(),
        rollback: Err(e),
    };
    assert!(!dirty.clean());
    assert!(dirty.to_string().contains("rollback FAILED"), "{dirty}");
}

#[test]
fn a_window_replaces_other_windows_on_the_same_sources_and_port() {
    let o = opening();
    let rule = |window: &str, source: &str, port: u16| EdgeRule {
        id: None,
        window: window.into(),
        until: at("2026-12-02T09:00:00Z"),
        sources: vec![Cidr::parse(source).unwrap()],
        ports: Some((port, port)),
    };
    assert!(rule(OLD, "198.51.100.0/28", 2222).replaced_by(&o));
    assert!(rule(OLD, "198.51.100.5/32", 2222).replaced_by(&o), "inside");
    assert!(rule(OLD, "198.51.100.0/24", 2222).replaced_by(&o), "around");
    assert!(!rule(W, "198.51.100.0/28", 2222).replaced_by(&o), "its own");
    assert!(
        !rule(OLD, "198.51.100.0/28", 22).replaced_by(&o),
        "another port"
    );
    assert!(
        !rule(OLD, "203.0.113.0/24", 2222).replaced_by(&o),
        "other sources"
    );
    let list = fw_list(
        json!([controller_rule(), {"direction": "in", "protocol": "tcp",
        "port": "2222", "source_ips": ["198.51.100.0/28"],
        "description": marked(OLD, "2026-12-02T09:00:00Z")}]),
    );
    let fw = hetzner::firewall(&list, "harden-web").unwrap();
    let (call, _, dropped) = hetzner::open(&fw, &o, at("2026-12-02T07:00:00Z")).unwrap();
    assert_eq!(dropped.len(), 1, "replaced in the same set_rules");
    assert_eq!(call.body.unwrap()["rules"].as_array().unwrap().len(), 2);
}
