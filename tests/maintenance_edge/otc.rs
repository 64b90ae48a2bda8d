//! Windows in an OTC security group: one rule per source with the marked
//! description, deletion of exactly this window's rules (and overdue
//! ones) by id, a missing group, and a failure half-way rolled back.

use std::time::Duration;

use harden::backend::http::cloud::{Cloud, OtcCloud};
use harden::backend::http::otc::{AuthSettings, OtcAuth, Project};
use harden::backend::http::{ApiClient, ApiConfig, Credential, RetryRules};
use harden::maintenance::edge::{self, EdgeError, Which};
use serde_json::{json, Value};

use super::{marked, now, opening, LATER, OLD, W};
use crate::fake_api::server::{FakeApi, Reply, Request};
use crate::fake_api::token_file;
use crate::fake_otc::{token_reply, PASSWORD, TOKEN1};

fn config(name: &str, url: String, credential: Credential) -> ApiConfig {
    let mut cfg = ApiConfig::new(name, &url, credential);
    cfg.timeout = Duration::from_secs(5);
    cfg.max_attempts = 2;
    cfg.retry = RetryRules {
        base: Duration::from_millis(10),
        cap: Duration::from_millis(50),
        retry_after_cap: Duration::from_secs(1),
        budget: Duration::from_secs(10),
        ..RetryRules::default()
    };
    cfg
}

/// OTC clients at `fake`: IAM at `/iam`, VPC at `/vpc`.
fn otc(fake: &FakeApi) -> (Cloud, tempfile::TempDir) {
    let (dir, path) = token_file(PASSWORD);
    let iam = config("otc-iam", fake.url("/iam"), Credential::FromFile(path));
    let auth = OtcAuth::new(&AuthSettings::new(
        iam,
        "harden",
        "OTC-EU-DE-1",
        Project::Name("eu-de".into()),
    ))
    .expect("auth");
    let client = |n: &str, p: &str| {
        ApiClient::new(&config(n, fake.url(p), Credential::None)).expect("client")
    };
    let cloud = Cloud::Otc(OtcCloud {
        auth,
        vpc: client("otc-vpc", "/vpc"),
        evs: client("otc-evs", "/evs"),
        ecs: client("otc-ecs", "/ecs"),
        kms: client("otc-kms", "/kms"),
        post_reads: Default::default(),
    });
    (cloud, dir)
}

fn groups() -> Reply {
    Reply::json(
        200,
        json!({"security_groups": [
            {"id": "sg-other", "name": "harden-web-2", "security_group_rules": []},
            {"id": "sg-1", "name": "harden-web", "security_group_rules": []}
        ]}),
    )
}

fn rule(id: &str, prefix: &str, desc: Option<&str>) -> Value {
    let eth = if prefix.contains(':') { "IPv6" } else { "IPv4" };
    json!({"id": id, "security_group_id": "sg-1", "direction": "ingress", "ethertype": eth,
           "protocol": "tcp", "port_range_min": 22, "port_range_max": 22,
           "remote_ip_prefix": prefix, "description": desc,
           "project_id": "p", "tenant_id": "p"})
}

fn rules(list: Vec<Value>) -> Reply {
    Reply::json(200, json!({ "security_group_rules": list }))
}

fn created(id: &str) -> Reply {
    Reply::json(201, json!({"security_group_rule": {"id": id}}))
}

fn deleted() -> Reply {
    Reply::raw(204, Vec::new())
}

fn shape(reqs: &[Request]) -> Vec<(String, String)> {
    reqs.iter()
        .skip(1) // the IAM token
        .map(|r| (r.method.clone(), r.path().to_string()))
        .collect()
}

fn req(method: &str, path: &str) -> (String, String) {
    (method.into(), path.into())
}

const GROUPS: &str = "/vpc/v2.0/security-groups";
const RULES: &str = "/vpc/v2.0/security-group-rules";

fn controller() -> Value {
    rule("r-ctl", "10.213.0.2/32", Some("harden controller"))
}

#[tokio::test]
async fn otc_open_posts_one_marked_rule_per_source_after_closing_overdue_and_replaced_ones() {
    let fake = FakeApi::start(vec![
        token_reply(TOKEN1, 3600),
        groups(),
        rules(vec![
            controller(),
            rule(
                "r-old",
                "198.51.100.0/28",
                Some(&marked(OLD, "2026-12-02T06:00:00Z")),
            ),
            rule(
                "r-same",
                "198.51.100.0/28",
                Some(&marked(LATER, "2026-12-02T09:00:00Z")),
            ),
            rule(
                "r-else",
                "203.0.113.0/24",
                Some(&marked(LATER, "2026-12-02T09:00:00Z")),
            ),
        ]),
        deleted(),
        deleted(),
        created("r-new4"),
        created("r-new6"),
    ])
    .await;
    let (cloud, _d) = otc(&fake);
    let out = edge::open(&cloud, "web", &opening(), now())
        .await
        .expect("opened");
    let reqs = fake.requests();
    assert_eq!(
        shape(&reqs),
        [
            req("GET", GROUPS),
            req("GET", RULES),
            req("DELETE", "/vpc/v2.0/security-group-rules/r-old"),
            req("DELETE", "/vpc/v2.0/security-group-rules/r-same"),
            req("POST", RULES),
            req("POST", RULES),
        ],
        "the overdue rule and the one this window replaces go first (OTC refuses duplicates)"
    );
    assert_eq!(reqs[1].query("name").as_deref(), Some("harden-web"));
    assert_eq!(reqs[2].query("security_group_id").as_deref(), Some("sg-1"));
    assert_eq!(reqs[5].header("x-auth-token"), Some(TOKEN1));
    let desc = "harden maintenance w0123abcd until 2026-12-02T08:00:00Z";
    assert_eq!(
        reqs[5].json(),
        json!({"security_group_rule": {"security_group_id": "sg-1", "direction": "ingress",
            "ethertype": "IPv4", "protocol": "tcp", "port_range_min": 22, "port_range_max": 22,
            "remote_ip_prefix": "198.51.100.0/28", "description": desc}})
    );
    let six = &reqs[6].json()["security_group_rule"];
    assert_eq!(
        (six["ethertype"].as_str(), six["remote_ip_prefix"].as_str()),
        (Some("IPv6"), Some("2001:db8:5::/64"))
    );
    assert_eq!(six["description"], desc);
    let ids: Vec<_> = out.opened.iter().map(|r| r.id.clone().unwrap()).collect();
    assert_eq!(ids, ["r-new4", "r-new6"]);
    let closed: Vec<_> = out.closed.iter().map(|r| r.id.clone().unwrap()).collect();
    assert_eq!(closed, ["r-old", "r-same"]);
    let kept: Vec<_> = out.kept.iter().map(|r| r.id.clone().unwrap()).collect();
    assert_eq!(kept, ["r-else", "r-new4", "r-new6"]);
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    assert_eq!((fake.unused(), fake.unexpected()), (0, 0));
}

#[tokio::test]
async fn otc_close_deletes_only_this_windows_rules() {
    let fake = FakeApi::start(vec![
        token_reply(TOKEN1, 3600),
        groups(),
        rules(vec![
            controller(),
            rule("r-hand", "203.0.113.0/24", None),
            rule(
                "r-w4",
                "198.51.100.0/28",
                Some(&marked(W, "2026-12-02T08:00:00Z")),
            ),
            rule(
                "r-later",
                "198.51.100.0/28",
                Some(&marked(LATER, "2026-12-02T09:00:00Z")),
            ),
            rule(
                "r-w6",
                "2001:db8:5::/64",
                Some(&marked(W, "2026-12-02T08:00:00Z")),
            ),
        ]),
        deleted(),
        deleted(),
    ])
    .await;
    let (cloud, _d) = otc(&fake);
    let which = Which::Window {
        id: W.into(),
        now: now(),
    };
    let out = edge::close(&cloud, "web", &which).await.expect("closed");
    assert_eq!(
        shape(&fake.requests()),
        [
            req("GET", GROUPS),
            req("GET", RULES),
            req("DELETE", "/vpc/v2.0/security-group-rules/r-w4"),
            req("DELETE", "/vpc/v2.0/security-group-rules/r-w6"),
        ]
    );
    assert_eq!(out.closed.len(), 2);
    assert_eq!(
        out.kept
            .iter()
            .map(|r| r.window.as_str())
            .collect::<Vec<_>>(),
        [LATER]
    );
    assert!(out.warnings.is_empty());
    assert_eq!((fake.unused(), fake.unexpected()), (0, 0));
}

#[tokio::test]
async fn otc_missing_group_tells_to_apply_and_creates_nothing() {
    let fake = FakeApi::start(vec![
        token_reply(TOKEN1, 3600),
        Reply::json(200, json!({"security_groups": []})),
    ])
    .await;
    let (cloud, _d) = otc(&fake);
    let f = edge::open(&cloud, "web", &opening(), now())
        .await
        .expect_err("no group");
    assert!(matches!(f.error, EdgeError::NotApplied { .. }), "{f}");
    assert!(
        f.to_string()
            .contains("no security group harden-web; run harden apply first"),
        "{f}"
    );
    assert_eq!(shape(&fake.requests()), [req("GET", GROUPS)]);
}

#[tokio::test]
async fn otc_failure_half_way_is_rolled_back() {
    let fake = FakeApi::start(vec![
        token_reply(TOKEN1, 3600),
        groups(),
        rules(vec![controller()]),
        created("r-new4"),
        Reply::raw(
            400,
            br#"{"NeutronError": {"type": "SecurityGroupRuleParameterConflict", "message": "no", "detail": ""}}"#
                .to_vec(),
        ),
        groups(),
        rules(vec![
            controller(),
            rule("r-new4", "198.51.100.0/28", Some(&marked(W, "2026-12-02T08:00:00Z"))),
        ]),
        deleted(),
    ])
    .await;
    let (cloud, _d) = otc(&fake);
    let f = edge::open(&cloud, "web", &opening(), now())
        .await
        .expect_err("second rule refused");
    assert_eq!(f.rollback.as_ref().map(Vec::len), Ok(1), "{f}");
    assert!(f.clean());
    assert!(
        f.to_string()
            .contains("rolled back: 1 rule(s) removed again"),
        "{f}"
    );
    assert_eq!(
        shape(&fake.requests()),
        [
            req("GET", GROUPS),
            req("GET", RULES),
            req("POST", RULES),
            req("POST", RULES),
            req("GET", GROUPS),
            req("GET", RULES),
            req("DELETE", "/vpc/v2.0/security-group-rules/r-new4"),
        ]
    );
    assert_eq!((fake.unused(), fake.unexpected()), (0, 0));
}
