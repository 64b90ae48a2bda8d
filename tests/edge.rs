//! The provider-firewall controls (`hcloud-firewall`, `otc-secgroup`)
//! through `harden::engine::provider::check_apply_with` against the
//! scripted fake API: the exact calls an apply makes, and the re-read
//! after it in sync (so a second apply makes no call).

use std::time::Duration;

use harden::backend::http::cloud::{Cloud, OtcCloud};
use harden::backend::http::otc::Project;
use harden::backend::http::{ApiClient, ApiConfig, Credential};
use harden::contract::{Control, HostCtx};
use harden::controls::edge::{desired, hetzner, normalise, otc};
use harden::engine::provider::check_apply_with;
use harden::inventory::Inventory;
use harden::report::model::Status;
use serde_json::{json, Value};

use crate::fake_api::client;
use crate::fake_api::server::{FakeApi, Reply, Request};

fn inventory(provider: &str) -> Inventory {
    let text = format!(
        r#"[defaults]
controller_sources = ["10.213.0.2"]
known_hosts = "known_hosts"
[defaults.cloud.hetzner]
token_env = "HCLOUD_TOKEN"
[defaults.cloud.otc]
region = "eu-de"
domain = "OTC-EU-DE-1"
project = "eu-de"
user = "harden"
password_env = "OTC_PASSWORD"

[[hosts]]
name = "web"
address = "192.0.2.20"
provider = "{provider}"
environment = "production"
roles = ["app"]
allow = [ {{ port = 443 }} ]
"#
    );
    harden::inventory::load_str(
        std::path::Path::new("t.toml"),
        text,
        harden::controls::sections::sections(),
    )
    .expect("inventory")
}

fn calls(reqs: &[Request]) -> Vec<String> {
    reqs.iter()
        .map(|r| format!("{} {}", r.method, r.target))
        .collect()
}

fn page(key: &str, items: Value) -> Reply {
    Reply::json(
        200,
        json!({ key: items, "meta": {"pagination": {"page": 1, "per_page": 25,
            "previous_page": null, "next_page": null, "last_page": 1, "total_entries": 1}}}),
    )
}

#[tokio::test]
async fn hetzner_fresh_host_one_create_then_in_sync() {
    let inv = inventory("hetzner");
    let ctx = HostCtx::new(&inv, &inv.hosts[0], None);
    let rules = normalise::hcloud_rules(&desired::desired(&ctx)).expect("rules");
    let server = json!({"servers": [{"id": 42, "name": "web",
        "public_net": {"ipv4": {"ip": "192.0.2.20"}}}]});
    let created = json!({"id": 7, "name": "harden-web", "labels": {"managed-by": "harden"},
        "rules": rules, "applied_to": [{"type": "server", "server": {"id": 42}}]});
    let fake = FakeApi::start(vec![
        Reply::json(200, server.clone()),
        page("firewalls", json!([])),
        Reply::json(201, json!({"firewall": created, "actions": []})),
        Reply::json(200, server),
        page("firewalls", json!([created])),
    ])
    .await;
    let (api, _dir) = client(&fake, |_| {});
    let controls: [&'static dyn Control; 1] = [&hetzner::HCLOUD_FIREWALL];
    let out = check_apply_with(&controls, &ctx, &Cloud::Single(api), true).await;
    let o = &out[0];
    assert!(
        o.error.is_none(),
        "{:?}",
        o.error.as_ref().map(ToString::to_string)
    );
    let reqs = fake.requests();
    assert_eq!(
        calls(&reqs),
        [
            "GET /v1/servers?name=web",
            "GET /v1/firewalls?page=1",
            "POST /v1/firewalls",
            "GET /v1/servers?name=web",
            "GET /v1/firewalls?page=1",
        ]
    );
    let body: Value = serde_json::from_slice(&reqs[2].body).expect("body");
    assert_eq!(body["rules"], created["rules"]);
    assert_eq!(body["apply_to"], created["applied_to"]);
    assert!(
        o.findings.iter().all(|f| f.status != Status::Drift),
        "{:?}",
        o.findings
    );
    assert!(o
        .findings
        .iter()
        .any(|f| f.check == "edge-rules" && f.status == Status::Changed));
    assert_eq!((fake.unused(), fake.unexpected()), (0, 0));

    // The second apply reads and makes no call.
    let again = FakeApi::start(vec![
        Reply::json(
            200,
            json!({"servers": [{"id": 42, "name": "web",
            "public_net": {"ipv4": {"ip": "192.0.2.20"}}}]}),
        ),
        page("firewalls", json!([created])),
    ])
    .await;
    let (api, _dir2) = client(&again, |_| {});
    let out = check_apply_with(&controls, &ctx, &Cloud::Single(api), true).await;
    assert!(out[0].error.is_none() && out[0].done.is_empty());
    assert_eq!(
        calls(&again.requests()),
        ["GET /v1/servers?name=web", "GET /v1/firewalls?page=1"]
    );
}

fn cfg(name: &str, url: String, credential: Credential) -> ApiConfig {
    let mut c = ApiConfig::new(name, &url, credential);
    c.timeout = Duration::from_secs(5);
    c.max_attempts = 1;
    c
}

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const SRV: &str = "6f2c1d3e-0000-4a4a-8b8b-abcdefabcdef";
const SG: &str = "aaaaaaaa-0000-4000-8000-000000000001";
const DEFAULT: &str = "bbbbbbbb-0000-4000-8000-000000000002";
const PORT: &str = "cccccccc-0000-4000-8000-000000000003";

#[tokio::test]
async fn otc_empty_group_gets_its_rules_and_the_port_then_in_sync() {
    let inv = inventory("telekom");
    let ctx = HostCtx::new(&inv, &inv.hosts[0], None);
    let want = desired::desired(&ctx);
    let server = json!({"servers": [{"id": SRV, "name": "web",
        "addresses": {"net": [{"addr": "192.0.2.20", "version": 4}]}}]});
    let own = json!({"security_groups": [{"id": SG, "name": "harden-web"}]});
    let port = |groups: Vec<&str>| {
        json!({"ports": [{"id": PORT, "device_id": SRV,
        "security_groups": groups, "port_security_enabled": true}]})
    };
    let groups = json!({"security_groups": [{"id": DEFAULT, "name": "default",
        "security_group_rules": []}]});
    let live: Vec<Value> = want
        .iter()
        .enumerate()
        .map(|(i, (a, m))| {
            let mut r = normalise::otc_rule_body(SG, a, m)["security_group_rule"].clone();
            r["id"] = json!(format!("r{i}"));
            r
        })
        .collect();
    let mut script = vec![
        crate::fake_otc::token_reply(crate::fake_otc::TOKEN1, 24 * 3600),
        Reply::json(200, server.clone()),
        Reply::json(200, own.clone()),
        Reply::json(200, port(vec![DEFAULT])),
        Reply::json(200, json!({"security_group_rules": []})),
        Reply::json(200, groups.clone()),
    ];
    for _ in 0..want.len() {
        script.push(Reply::json(
            201,
            json!({"security_group_rule": {"id": "x"}}),
        ));
    }
    script.extend([
        Reply::json(200, json!({"port": {"id": PORT}})),
        Reply::json(200, server),
        Reply::json(200, own),
        Reply::json(200, port(vec![DEFAULT, SG])),
        Reply::json(200, json!({"security_group_rules": live})),
        Reply::json(200, groups),
    ]);
    let fake = FakeApi::start(script).await;
    let (dir, path) = crate::fake_api::token_file(crate::fake_otc::PASSWORD);
    let iam = cfg("otc-iam", fake.url("/iam"), Credential::FromFile(path));
    let settings = harden::backend::http::otc::AuthSettings::new(
        iam,
        "harden",
        "OTC-EU-DE-1",
        Project::Name("eu-de".into()),
    );
    let client = |n: &str| {
        ApiClient::new(&cfg(n, fake.url(&format!("/{n}")), Credential::None)).expect("client")
    };
    let cloud = Cloud::Otc(OtcCloud {
        auth: harden::backend::http::otc::OtcAuth::new(&settings).expect("auth"),
        vpc: client("vpc"),
        evs: client("evs"),
        ecs: client("ecs"),
        kms: client("kms"),
        post_reads: Default::default(),
    });
    let controls: [&'static dyn Control; 1] = [&otc::OTC_SECGROUP];
    let out = check_apply_with(&controls, &ctx, &cloud, true).await;
    drop(dir);
    let o = &out[0];
    assert!(
        o.error.is_none(),
        "{:?}",
        o.error.as_ref().map(ToString::to_string)
    );
    let reqs = fake.requests();
    let got = calls(&reqs);
    let ecs = format!("GET /ecs/v2.1/{PROJECT}/servers/detail?name=%5Eweb%24");
    let mut expected = vec![
        "POST /iam/v3/auth/tokens?nocatalog=true".to_string(),
        ecs.clone(),
        "GET /vpc/v2.0/security-groups?name=harden-web&limit=1000".into(),
        format!("GET /vpc/v2.0/ports?device_id={SRV}&limit=1000"),
        format!("GET /vpc/v2.0/security-group-rules?security_group_id={SG}&limit=1000"),
        "GET /vpc/v2.0/security-groups?limit=1000".into(),
    ];
    expected.extend(std::iter::repeat_n(
        "POST /vpc/v2.0/security-group-rules".to_string(),
        want.len(),
    ));
    expected.push(format!("PUT /vpc/v2.0/ports/{PORT}"));
    expected.extend(expected[1..6].to_vec());
    assert_eq!(got, expected);
    let put: Value = serde_json::from_slice(&reqs[6 + want.len()].body).expect("body");
    assert_eq!(put, json!({"port": {"security_groups": [DEFAULT, SG]}}));
    assert!(
        o.findings.iter().all(|f| f.status != Status::Drift),
        "{:?}",
        o.findings
    );
    assert_eq!((fake.unused(), fake.unexpected()), (0, 0));
}
