//! Tests of the OTC fake's own rules (the token gate, Neutron's defaults
//! and duplicate check, faults), calling its handler directly.

use serde_json::{json, Value};

use super::*;

fn req(method: &str, target: &str, token: Option<&str>, body: Value) -> Request {
    let mut headers = Vec::new();
    if let Some(t) = token {
        headers.push(("x-auth-token".to_string(), t.to_string()));
    }
    Request {
        method: method.into(),
        target: target.into(),
        headers,
        body: if body.is_null() {
            Vec::new()
        } else {
            body.to_string().into_bytes()
        },
    }
}

fn login(password: &str) -> Value {
    json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "harden", "password": password, "domain": {"name": "OTC-EU-DE-1"}}}},
        "scope": {"project": {"name": "eu-de"}}}})
}

fn token(s: &Mutex<OtcState>) -> String {
    let r = handle(
        s,
        &req("POST", "/v3/auth/tokens?nocatalog=true", None, login("pw")),
    );
    assert_eq!(r.status, 201);
    let t = r.headers.iter().find(|(n, _)| n == "x-subject-token");
    t.map(|(_, v)| v.clone()).expect("token header")
}

fn json_of(r: &Reply) -> Value {
    serde_json::from_slice(&r.body).expect("json")
}

#[test]
fn tokens_gate_every_call_and_serve_only_their_project() {
    let s = Mutex::new(OtcState::new("pw"));
    let r = handle(&s, &req("POST", "/v3/auth/tokens", None, login("wrong")));
    assert_eq!(r.status, 401);
    let list = format!("/v2/{PROJECT_ID}/cloudvolumes/detail");
    assert_eq!(
        handle(&s, &req("GET", &list, None, Value::Null)).status,
        401
    );
    assert_eq!(
        handle(&s, &req("GET", &list, Some("forged"), Value::Null)).status,
        401
    );
    let t = token(&s);
    assert_eq!(
        handle(&s, &req("GET", &list, Some(&t), Value::Null)).status,
        200
    );
    let other = "/v2/ffffffffffffffffffffffffffffffff/cloudvolumes/detail";
    assert_eq!(
        handle(&s, &req("GET", other, Some(&t), Value::Null)).status,
        401
    );
    lock(&s).next_lifetimes.push(-5);
    let expired = token(&s);
    assert_eq!(
        handle(&s, &req("GET", &list, Some(&expired), Value::Null)).status,
        401
    );
    lock(&s)
        .faults
        .push(Fault::on("cloudvolumes", FaultKind::RevokeToken));
    assert_eq!(
        handle(&s, &req("GET", &list, Some(&t), Value::Null)).status,
        401
    );
    assert_eq!(
        handle(&s, &req("GET", &list, Some(&t), Value::Null)).status,
        401,
        "revoked for good"
    );
    assert_eq!(lock(&s).faults.pending(), 0);
}

#[test]
fn groups_get_default_egress_and_duplicates_are_refused() {
    let s = Mutex::new(OtcState::new("pw"));
    let t = token(&s);
    let r = handle(
        &s,
        &req(
            "POST",
            "/v2.0/security-groups",
            Some(&t),
            json!({"security_group": {"name": "harden-db-1"}}),
        ),
    );
    assert_eq!(r.status, 201);
    let g = json_of(&r)["security_group"].clone();
    let rules = g["security_group_rules"].as_array().expect("rules").clone();
    let kinds: Vec<(&str, &str)> = rules
        .iter()
        .map(|r| {
            (
                r["direction"].as_str().unwrap_or(""),
                r["ethertype"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(kinds, [("egress", "IPv4"), ("egress", "IPv6")]);
    let gid = g["id"].as_str().expect("id");
    let rule = json!({"security_group_rule": {"security_group_id": gid, "direction": "ingress",
        "ethertype": "IPv4", "protocol": "tcp", "port_range_min": 22, "port_range_max": 22,
        "remote_ip_prefix": "10.0.0.2"}});
    let r = handle(
        &s,
        &req("POST", "/v2.0/security-group-rules", Some(&t), rule.clone()),
    );
    assert_eq!(r.status, 201);
    let made = json_of(&r)["security_group_rule"].clone();
    assert_eq!(
        made["remote_ip_prefix"], "10.0.0.2/32",
        "a bare IP comes back as /32"
    );
    let r = handle(
        &s,
        &req("POST", "/v2.0/security-group-rules", Some(&t), rule),
    );
    assert_eq!(r.status, 409);
    assert_eq!(
        json_of(&r)["NeutronError"]["type"],
        "SecurityGroupRuleExists"
    );
    let bad = json!({"security_group_rule": {"security_group_id": gid, "direction": "in"}});
    assert_eq!(
        handle(
            &s,
            &req("POST", "/v2.0/security-group-rules", Some(&t), bad)
        )
        .status,
        400
    );
    let del = format!(
        "/v2.0/security-group-rules/{}",
        made["id"].as_str().expect("id")
    );
    assert_eq!(
        handle(&s, &req("DELETE", &del, Some(&t), Value::Null)).status,
        204
    );
    assert_eq!(
        handle(&s, &req("DELETE", &del, Some(&t), Value::Null)).status,
        404
    );
}

#[test]
fn rule_pages_link_to_the_next_and_faults_come_first() {
    let s = Mutex::new(OtcState::new("pw"));
    let t = token(&s);
    let gid = lock(&s).add_group("g", "");
    let base = format!("/v2.0/security-group-rules?security_group_id={gid}&limit=1");
    let r = json_of(&handle(&s, &req("GET", &base, Some(&t), Value::Null)));
    assert_eq!(r["security_group_rules"].as_array().map(Vec::len), Some(1));
    let first = r["security_group_rules"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert!(r["security_group_rules_links"][0]["href"]
        .as_str()
        .is_some_and(|h| h.contains(&first)));
    let r = json_of(&handle(
        &s,
        &req(
            "GET",
            &format!("{base}&marker={first}"),
            Some(&t),
            Value::Null,
        ),
    ));
    assert!(
        r.get("security_group_rules_links").is_none(),
        "last page: {r}"
    );
    lock(&s)
        .faults
        .push(Fault::next(2, FaultKind::Throttle { retry_after: 3 }));
    for _ in 0..2 {
        let r = handle(&s, &req("GET", &base, Some(&t), Value::Null));
        assert_eq!(r.status, 429);
        assert!(r.headers.contains(&("retry-after".into(), "3".into())));
    }
    assert_eq!(
        handle(&s, &req("GET", &base, Some(&t), Value::Null)).status,
        200
    );
}

#[test]
fn kms_describes_keys_in_their_current_state_and_answers_its_errors() {
    let s = Mutex::new(OtcState::new("pw"));
    let key = "3b1c9d2e-1111-4c4c-9d9d-0123456789ab";
    lock(&s).add_volume("data", None, Some(key));
    let t = token(&s);
    let path = format!("/v1.0/{PROJECT_ID}/kms/describe-key");
    let describe = |body: Value| handle(&s, &req("POST", &path, Some(&t), body));
    let r = describe(json!({"key_id": key}));
    assert_eq!(r.status, 200);
    let info = &json_of(&r)["key_info"];
    assert_eq!(
        (info["key_id"].as_str(), info["key_state"].as_str()),
        (Some(key), Some("2"))
    );
    lock(&s).key_mut(key).expect("key").state = "3".into();
    assert_eq!(
        json_of(&describe(json!({"key_id": key})))["key_info"]["key_state"],
        "3"
    );
    let unknown = describe(json!({"key_id": "00000000-0000-4000-8000-000000000000"}));
    assert_eq!(
        (
            unknown.status,
            json_of(&unknown)["error"]["error_code"].as_str()
        ),
        (404, Some("KMS.0207"))
    );
    assert_eq!(describe(json!({"id": key})).status, 400);
    assert_eq!(describe(json!(null)).status, 400);
    lock(&s).kms_forbidden = true;
    assert_eq!(describe(json!({"key_id": key})).status, 403);
    // Another project's path, or no token: 401.
    let other = handle(
        &s,
        &req(
            "POST",
            "/v1.0/ffffffffffffffffffffffffffffffff/kms/describe-key",
            Some(&t),
            json!({"key_id": key}),
        ),
    );
    assert_eq!(other.status, 401);
    assert_eq!(
        handle(&s, &req("POST", &path, None, json!({"key_id": key}))).status,
        401
    );
}
