use super::*;
use crate::controls::edge::fixtures::*;
use crate::controls::edge::rule::Mark;
use crate::report::model::Status;

const C: HcloudFirewall = HcloudFirewall { clock: now };

fn plan_with(firewalls: Value) -> Plan {
    let inv = inventory();
    let ctx = ctx(&inv, "web");
    let f = facts(&[("cloud-server", hcloud_server()), (PROBE, firewalls)]);
    C.plan(&ctx, &f).expect("plan")
}

fn own(rules: Value) -> Value {
    hcloud_fw(7, "harden-web", rules, on_42())
}

fn body(plan: &Plan, i: usize) -> Value {
    match plan.selected_changes()[i] {
        Change::Api(a) => a.body.clone().unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

#[test]
fn a_fresh_host_plans_one_create_applied_to_its_server() {
    let plan = plan_with(json!([]));
    assert_eq!(calls(&plan), ["POST /firewalls"]);
    let b = body(&plan, 0);
    assert_eq!(b["name"], "harden-web");
    assert_eq!(b["labels"]["managed-by"], "harden");
    assert_eq!(
        b["apply_to"],
        json!([{"type": "server", "server": {"id": 42}}])
    );
    let rules = b["rules"].as_array().expect("rules");
    assert!(
        rules.contains(&json!({"direction": "in", "protocol": "tcp", "port": "22",
        "source_ips": ["10.213.0.2/32", "fd00:213::2/128"], "description": "harden controller"})),
        "{rules:?}"
    );
    assert!(rules
        .iter()
        .any(|r| r["port"] == "443" && r["source_ips"] == json!(["0.0.0.0/0", "::/0"])));
    assert_eq!(drifting(&plan, "edge-object").len(), 1);
    assert_eq!(
        drifting(&plan, "edge-layers").len(),
        1,
        "no firewall: everything open at the edge"
    );
}

#[test]
fn what_harden_writes_reads_back_in_sync_and_so_does_a_real_spelling() {
    let fresh = plan_with(json!([]));
    let written = body(&fresh, 0)["rules"].clone();
    for rules in [written, hcloud_in_sync()] {
        let plan = plan_with(json!([own(rules.clone())]));
        assert!(calls(&plan).is_empty(), "{rules}: {:?}", plan.findings);
        assert!(
            plan.findings.iter().all(|f| f.status == Status::InSync),
            "{:?}",
            plan.findings
        );
    }
}

#[test]
fn a_changed_allow_plans_exactly_set_rules_with_the_full_list() {
    let mut rules = hcloud_in_sync();
    rules[1]["port"] = json!("8443");
    let plan = plan_with(json!([own(rules)]));
    assert_eq!(calls(&plan), ["POST /firewalls/7/actions/set_rules"]);
    let f = &drifting(&plan, "edge-rules")[0];
    let m = f.message.as_deref().unwrap_or("");
    assert!(
        m.contains("missing: tcp/443 from 0.0.0.0/0, tcp/443 from ::/0"),
        "{m}"
    );
    assert!(m.contains("extra: tcp/8443 from 0.0.0.0/0"), "{m}");
    let sent = body(&plan, 0)["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(sent.iter().any(|r| r["port"] == "443"));
    assert!(
        sent.iter().any(|r| r["port"] == "22"),
        "the full list, controller included"
    );
    assert!(!sent.iter().any(|r| r["port"] == "8443"));
}

#[test]
fn not_applied_plans_apply_to_resources_only() {
    let plan = plan_with(json!([hcloud_fw(
        7,
        "harden-web",
        hcloud_in_sync(),
        json!([])
    )]));
    assert_eq!(
        calls(&plan),
        ["POST /firewalls/7/actions/apply_to_resources"]
    );
    assert_eq!(
        body(&plan, 0),
        json!({"apply_to": [{"type": "server", "server": {"id": 42}}]})
    );
}

#[test]
fn a_foreign_firewall_by_label_is_reported_and_never_touched() {
    let foreign = hcloud_fw(
        9,
        "ops-hand-made",
        json!([{"direction": "in", "protocol": "tcp", "port": "3306", "source_ips": ["0.0.0.0/0"]}]),
        json!([{"type": "label_selector", "label_selector": {"selector": "env=prod"},
            "applied_to_resources": [{"type": "server", "server": {"id": 42}}]}]),
    );
    let unrelated = hcloud_fw(
        10,
        "other",
        json!([]),
        json!([{"type": "server", "server": {"id": 1}}]),
    );
    let plan = plan_with(json!([own(hcloud_in_sync()), foreign, unrelated]));
    assert!(calls(&plan).is_empty());
    let f = drifting(&plan, "edge-foreign");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].item, "firewall 9 (ops-hand-made)");
    assert!(f[0].actual.contains("tcp/3306 from 0.0.0.0/0"));
    assert_eq!(f[0].fix, Fix::None);
    let l = drifting(&plan, "edge-layers");
    assert_eq!(l.len(), 1, "3306 open at the edge only");
    assert!(
        l[0].actual
            .contains("open at the edge, closed on the host: tcp/3306 from 0.0.0.0/0"),
        "{}",
        l[0].actual
    );
}

#[test]
fn maintenance_open_is_info_and_overdue_is_drift_removed() {
    let window = crate::maintenance::window::new_id();
    let rule = |until: u64| {
        json!({"direction": "in", "protocol": "tcp", "port": "22", "source_ips": ["198.51.100.0/28"],
            "description": Mark::Maintenance { window: window.clone(), until }.description()})
    };
    let mut open = hcloud_in_sync();
    open.as_array_mut().expect("list").push(rule(NOW + 600));
    let plan = plan_with(json!([own(open)]));
    assert!(calls(&plan).is_empty(), "{:?}", plan.findings);
    let info: Vec<_> = plan
        .findings
        .iter()
        .filter(|f| f.check == "edge-maintenance")
        .collect();
    assert_eq!(info.len(), 1);
    assert_eq!(
        (info[0].status, info[0].tom),
        (Status::Info, crate::tom::MGMT_WINDOW.id)
    );
    assert!(info[0]
        .message
        .as_deref()
        .unwrap_or("")
        .contains("until 2026-12-02T06:10:00Z"));
    assert!(
        drifting(&plan, "edge-layers").is_empty(),
        "an open window is not a layers disagreement"
    );

    let mut late = hcloud_in_sync();
    late.as_array_mut().expect("list").push(rule(NOW - 1));
    let plan = plan_with(json!([own(late)]));
    assert_eq!(calls(&plan), ["POST /firewalls/7/actions/set_rules"]);
    let d = drifting(&plan, "edge-maintenance-overdue");
    assert_eq!(d.len(), 1);
    assert!(matches!(d[0].fix, Fix::Change(_)));
    let sent = body(&plan, 0)["rules"].to_string();
    assert!(!sent.contains("198.51.100.0/28"), "{sent}");
}

#[test]
fn the_old_controller_rule_stays_until_the_new_one_is_live() {
    let mut rules = hcloud_in_sync();
    rules[0]["source_ips"] = json!(["10.9.9.9/32"]); // the old controller only
    let plan = plan_with(json!([own(rules.clone())]));
    assert_eq!(calls(&plan), ["POST /firewalls/7/actions/set_rules"]);
    let sent = body(&plan, 0)["rules"].to_string();
    assert!(
        sent.contains("10.9.9.9/32") && sent.contains("10.213.0.2/32"),
        "both kept: {sent}"
    );
    let m = drifting(&plan, "edge-rules")[0]
        .message
        .clone()
        .unwrap_or_default();
    assert!(
        m.contains("old controller access (tcp/22 from 10.9.9.9) stays"),
        "{m}"
    );

    // The next run: the new access is live, so the old goes.
    rules[0]["source_ips"] = json!(["10.9.9.9/32", "10.213.0.2/32", "fd00:213::2/128"]);
    let plan = plan_with(json!([own(rules)]));
    assert_eq!(calls(&plan), ["POST /firewalls/7/actions/set_rules"]);
    let sent = body(&plan, 0)["rules"].to_string();
    assert!(
        !sent.contains("10.9.9.9/32") && sent.contains("10.213.0.2/32"),
        "{sent}"
    );
}

#[test]
fn hostile_answers_give_a_finding_or_an_error_never_a_panic() {
    let mut bad = hcloud_in_sync();
    bad.as_array_mut()
        .expect("list")
        .push(json!({"direction": "in", "protocol": "gre", "source_ips": ["10.0.0.1/8"]}));
    let plan = plan_with(json!([own(bad)]));
    let f = &drifting(&plan, "edge-rules")[0];
    assert!(
        f.message
            .as_deref()
            .unwrap_or("")
            .contains("unreadable: protocol gre is not modelled"),
        "{f:?}"
    );
    assert_eq!(
        calls(&plan),
        ["POST /firewalls/7/actions/set_rules"],
        "harden's own firewall is rewritten"
    );
    let inv = inventory();
    let c = ctx(&inv, "web");
    for answer in [
        json!({"firewalls": 1}),
        json!([{"id": "x\u{7}"}]),
        json!(null),
    ] {
        let f = facts(&[("cloud-server", hcloud_server()), (PROBE, answer.clone())]);
        assert!(C.plan(&c, &f).is_err(), "{answer}");
    }
    let f = facts(&[("cloud-server", json!({"servers": []})), (PROBE, json!([]))]);
    let plan = C.plan(&c, &f).expect("plan");
    assert!(calls(&plan).is_empty());
    assert_eq!(drifting(&plan, "edge-object").len(), 1);
}

#[test]
fn harden_s_firewall_applied_elsewhere_is_removed_from_there_only() {
    let rules = body(&plan_with(json!([])), 0)["rules"].clone();
    let applied = json!([
        {"type": "server", "server": {"id": 42}},
        {"type": "server", "server": {"id": 77}},
        {"type": "label_selector", "label_selector": {"selector": "env=prod"}}
    ]);
    let plan = plan_with(json!([hcloud_fw(7, "harden-web", rules.clone(), applied)]));
    assert_eq!(
        calls(&plan),
        ["POST /firewalls/7/actions/remove_from_resources"]
    );
    assert_eq!(
        body(&plan, 0)["remove_from"],
        json!([
            {"type": "server", "server": {"id": 77}},
            {"type": "label_selector", "label_selector": {"selector": "env=prod"}}
        ])
    );
    let scope = drifting(&plan, "edge-object-scope");
    assert_eq!(scope.len(), 1);
    assert!(scope[0].actual.contains("server 77") && scope[0].actual.contains("env=prod"));
    // Only on the host's server: in sync, no call.
    let plan = plan_with(json!([own(rules)]));
    assert!(calls(&plan).is_empty(), "{:?}", plan.findings);
    assert!(drifting(&plan, "edge-object-scope").is_empty());
}
