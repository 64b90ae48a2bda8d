use super::*;
use crate::controls::edge::fixtures::*;
use crate::report::model::Status;

const C: OtcSecgroup = OtcSecgroup { clock: now };

fn answers(own: bool, rules: Vec<Value>, port: Value, groups: Vec<Value>) -> Facts {
    let own_list = if own {
        json!([{"id": SG, "name": "harden-db", "security_group_rules": []}])
    } else {
        json!([])
    };
    facts(&[
        ("cloud-server", otc_server()),
        (OWN, own_list),
        (RULES, Value::Array(rules)),
        (PORTS, json!([port])),
        (GROUPS, Value::Array(groups)),
    ])
}

fn plan(f: &Facts) -> Plan {
    let inv = inventory();
    C.plan(&ctx(&inv, "db"), f).expect("plan")
}

fn body(plan: &Plan, i: usize) -> Value {
    match plan.selected_changes()[i] {
        Change::Api(a) => a.body.clone().unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

#[test]
fn phases_ask_the_group_by_name_then_ports_rules_and_groups() {
    let inv = inventory();
    let c = ctx(&inv, "db");
    let first = C.probes(&c).expect("probes");
    assert!(first.contains(&Probe::api_list(
        Some(Service::OtcVpc),
        OWN,
        "/v2.0/security-groups?name=harden-db",
        "security_groups"
    )));
    let f = answers(true, vec![], otc_port(&[], true), vec![]);
    let second = C.probes_after(&c, &f).expect("after");
    let paths: Vec<String> = second
        .iter()
        .filter_map(|p| match p {
            Probe::Api { path, .. } => Some(path.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        paths,
        [
            format!("/v2.0/ports?device_id={SRV}"),
            format!("/v2.0/security-group-rules?security_group_id={SG}"),
            "/v2.0/security-groups".to_string(),
        ]
    );
}

#[test]
fn a_fresh_host_plans_the_group_creation_first() {
    let p = plan(&answers(false, vec![], otc_port(&[SG_OTHER], true), vec![]));
    assert_eq!(calls(&p), ["POST /v2.0/security-groups"]);
    assert_eq!(body(&p, 0)["security_group"]["name"], "harden-db");
    let r = &drifting(&p, "edge-rules")[0];
    assert!(
        r.message.as_deref().unwrap_or("").contains("next apply"),
        "{r:?}"
    );
}

#[test]
fn an_empty_group_gets_one_create_per_atom_then_the_port() {
    let p = plan(&answers(
        true,
        vec![],
        otc_port(&[SG_OTHER], true),
        vec![otc_group(SG_OTHER, "default", vec![])],
    ));
    let c = calls(&p);
    assert_eq!(
        c.iter()
            .filter(|c| *c == "POST /v2.0/security-group-rules")
            .count(),
        5,
        "{c:?}"
    );
    assert_eq!(
        c.last().map(String::as_str),
        Some(format!("PUT /v2.0/ports/{PORT}").as_str())
    );
    let last = body(&p, c.len() - 1);
    assert_eq!(
        last,
        json!({"port": {"security_groups": [SG_OTHER, SG]}}),
        "other groups kept"
    );
    let first = body(&p, 0)["security_group_rule"].clone();
    assert_eq!(first["security_group_id"], SG);
    assert_eq!(first["direction"], "ingress");
    let all: Vec<Value> = (0..5)
        .map(|i| body(&p, i)["security_group_rule"].clone())
        .collect();
    assert!(
        all.contains(
            &json!({"security_group_id": SG, "direction": "ingress", "ethertype": "IPv6",
        "protocol": "tcp", "port_range_min": 22, "port_range_max": 22,
        "remote_ip_prefix": "fd00:213::2/128", "description": "harden controller"})
        ),
        "{all:?}"
    );
}

#[test]
fn in_sync_in_any_spelling_plans_nothing() {
    let p = plan(&answers(true, otc_in_sync(), otc_port(&[SG], true), vec![]));
    assert!(calls(&p).is_empty(), "{:#?}", p.findings);
    assert!(
        p.findings.iter().all(|f| f.status == Status::InSync),
        "{:#?}",
        p.findings
    );
}

#[test]
fn a_changed_allow_is_a_create_before_a_delete_and_hand_added_rules_in_harden_s_group_go() {
    let mut rules = otc_in_sync();
    rules[2] = otc_rule(
        "r3",
        "IPv4",
        json!("tcp"),
        (json!(5433), json!(5433)),
        json!("10.0.2.0/24"),
        "harden allow[0]",
    );
    rules.push(otc_rule(
        "hand",
        "IPv4",
        json!("tcp"),
        (json!(3306), json!(3306)),
        json!("0.0.0.0/0"),
        "bob",
    ));
    let p = plan(&answers(true, rules, otc_port(&[SG], true), vec![]));
    assert_eq!(
        calls(&p),
        [
            "POST /v2.0/security-group-rules",
            "DELETE /v2.0/security-group-rules/hand",
            "DELETE /v2.0/security-group-rules/r3",
        ],
        "creates first; deletes in atom order"
    );
    assert_eq!(body(&p, 0)["security_group_rule"]["port_range_min"], 5432);
}

#[test]
fn the_controller_rule_is_never_planned_away_before_its_successor_is_live() {
    let mut rules = otc_in_sync();
    rules[0] = otc_rule(
        "old",
        "IPv4",
        json!("tcp"),
        (json!(22), json!(22)),
        json!("10.9.9.9/32"),
        "harden controller",
    );
    let p = plan(&answers(true, rules.clone(), otc_port(&[SG], true), vec![]));
    assert_eq!(
        calls(&p),
        ["POST /v2.0/security-group-rules"],
        "add the new, keep the old"
    );
    assert!(p.findings.iter().any(|f| f
        .message
        .as_deref()
        .unwrap_or("")
        .contains("a later run removes the old")));
    rules.push(otc_rule(
        "new",
        "IPv4",
        json!("tcp"),
        (json!(22), json!(22)),
        json!("10.213.0.2/32"),
        "harden controller",
    ));
    let p = plan(&answers(true, rules, otc_port(&[SG], true), vec![]));
    assert_eq!(calls(&p), ["DELETE /v2.0/security-group-rules/old"]);
}

#[test]
fn foreign_groups_are_reported_untouched_and_port_security_off_is_drift() {
    let foreign = otc_group(
        SG_OTHER,
        "default",
        vec![
            otc_rule(
                "f1",
                "IPv4",
                json!("tcp"),
                (json!(null), json!(null)),
                json!(null),
                "",
            ),
            json!({"id": "f2", "direction": "ingress", "ethertype": "IPv4", "protocol": null,
            "remote_group_id": SG_OTHER, "remote_ip_prefix": null}),
        ],
    );
    let p = plan(&answers(
        true,
        otc_in_sync(),
        otc_port(&[SG, SG_OTHER], true),
        vec![foreign.clone()],
    ));
    assert!(calls(&p).is_empty());
    let f = drifting(&p, "edge-foreign");
    assert_eq!(f.len(), 1);
    assert!(
        f[0].actual.contains("tcp/1-65535 from 0.0.0.0/0"),
        "{}",
        f[0].actual
    );
    assert!(
        f[0].actual.contains("rule f2"),
        "unreadable rules are named: {}",
        f[0].actual
    );
    assert_eq!(drifting(&p, "edge-layers").len(), 1);

    let p = plan(&answers(
        true,
        otc_in_sync(),
        otc_port(&[SG], false),
        vec![],
    ));
    assert!(calls(&p).is_empty());
    assert_eq!(drifting(&p, "edge-port-security").len(), 1);
    assert_eq!(drifting(&p, "edge-layers").len(), 1);
}

#[test]
fn overdue_maintenance_rule_is_deleted_and_hostile_rules_are_findings() {
    let window = crate::maintenance::window::new_id();
    let descr = crate::controls::edge::rule::Mark::Maintenance {
        window,
        until: NOW - 60,
    }
    .description();
    let mut rules = otc_in_sync();
    rules.push(otc_rule(
        "m1",
        "IPv4",
        json!("tcp"),
        (json!(22), json!(22)),
        json!("198.51.100.0/28"),
        &descr,
    ));
    rules.push(otc_rule(
        "h1",
        "IPv4",
        json!("tcp"),
        (json!(22), json!(22)),
        json!("10.0.0.1/8"),
        "x",
    ));
    rules.push(json!({"id": "../../x", "direction": "ingress"}));
    let p = plan(&answers(true, rules, otc_port(&[SG], true), vec![]));
    assert_eq!(
        calls(&p),
        [
            "DELETE /v2.0/security-group-rules/m1",
            "DELETE /v2.0/security-group-rules/h1"
        ]
    );
    assert_eq!(drifting(&p, "edge-maintenance-overdue").len(), 1);
    let h = p
        .findings
        .iter()
        .find(|f| f.item == "harden-db rule h1")
        .expect("h1 finding");
    assert!(
        h.message
            .as_deref()
            .unwrap_or("")
            .contains("not an exact prefix"),
        "{h:?}"
    );
    let no_id = drifting(&p, "edge-rules")
        .into_iter()
        .find(|f| f.item == "harden-db")
        .expect("summary");
    assert!(
        no_id
            .message
            .as_deref()
            .unwrap_or("")
            .contains("no usable id"),
        "{no_id:?}"
    );
}
