//! Maintenance windows at the provider (`harden::maintenance::edge`)
//! against the scripted fake API (`fake_api/server.rs`) with the
//! production clients (`Cloud`), only the base URLs pointed at 127.0.0.1:
//! Hetzner's read-modify-write of the whole rule list, OTC's one rule per
//! source and deletion by id, overdue rules closed by the next run, a
//! missing provider object, and failures rolled back. Every test asserts
//! on the requests the fake recorded. The OTC cases are in
//! `maintenance_edge/otc.rs`. No lab, no SSH.

mod lab;
mod ns_fake;
mod otc;

use harden::backend::http::cloud::Cloud;
use harden::inventory::Cidr;
use harden::maintenance::edge::{self, EdgeError, Opening, Which};
use serde_json::{json, Value};

use crate::fake_api::client;
use crate::fake_api::server::{FakeApi, Reply, Request};

pub const W: &str = "w0123abcd";
pub const OLD: &str = "w99998888";
pub const LATER: &str = "w11112222";

pub fn at(s: &str) -> u64 {
    harden::timefmt::parse_rfc3339(s).expect("time")
}

/// "Now" in these tests.
pub fn now() -> u64 {
    at("2026-12-02T07:00:00Z")
}

pub fn opening() -> Opening {
    Opening {
        window: W.into(),
        sources: vec![
            Cidr::parse("198.51.100.0/28").unwrap(),
            Cidr::parse("2001:db8:5::/64").unwrap(),
        ],
        port: 22,
        until: at("2026-12-02T08:00:00Z"),
    }
}

pub fn marked(window: &str, until: &str) -> String {
    format!("harden maintenance {window} until {until}")
}

fn hz(fake: &FakeApi) -> (Cloud, tempfile::TempDir) {
    let (api, dir) = client(fake, |_| {});
    (Cloud::Single(api), dir)
}

fn listing(rules: Value) -> Reply {
    Reply::json(
        200,
        json!({"firewalls": [{"id": 42, "name": "harden-web", "rules": rules,
            "applied_to": [{"type": "server", "server": {"id": 5}}]}],
            "meta": {"pagination": {"next_page": null}}}),
    )
}

/// `set_rules`' 201 (no action to wait for).
fn set_ok() -> Reply {
    Reply::json(201, json!({"actions": []}))
}

fn controller() -> Value {
    json!({"direction": "in", "protocol": "tcp", "port": "22", "source_ips": ["10.213.0.2/32"],
           "destination_ips": [], "description": "harden controller"})
}

fn by_hand() -> Value {
    json!({"direction": "in", "protocol": "tcp", "port": "8080", "source_ips": ["203.0.113.0/24"],
           "destination_ips": [], "description": null})
}

fn maint(window: &str, until: &str) -> Value {
    json!({"direction": "in", "protocol": "tcp", "port": "22",
           "source_ips": ["198.51.100.0/28"], "destination_ips": [],
           "description": marked(window, until)})
}

fn shape(reqs: &[Request]) -> Vec<(String, String)> {
    reqs.iter()
        .map(|r| (r.method.clone(), r.path().to_string()))
        .collect()
}

fn get_fw() -> (String, String) {
    ("GET".into(), "/v1/firewalls".into())
}

fn set_fw() -> (String, String) {
    ("POST".into(), "/v1/firewalls/42/actions/set_rules".into())
}

fn descriptions(req: &Request) -> Vec<String> {
    req.json()["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| r["description"].as_str().unwrap_or("-").to_string())
        .collect()
}

#[tokio::test]
async fn hetzner_open_sends_the_old_rules_plus_the_marked_rule() {
    let fake = FakeApi::start(vec![listing(json!([controller(), by_hand()])), set_ok()]).await;
    let (cloud, _d) = hz(&fake);
    let out = edge::open(&cloud, "web", &opening(), now())
        .await
        .expect("opened");
    let reqs = fake.requests();
    assert_eq!(shape(&reqs), [get_fw(), set_fw()]);
    assert_eq!(reqs[0].query("name").as_deref(), Some("harden-web"));
    assert_eq!(
        reqs[1].json(),
        json!({"rules": [
            {"direction": "in", "protocol": "tcp", "port": "22", "source_ips": ["10.213.0.2/32"],
             "description": "harden controller"},
            {"direction": "in", "protocol": "tcp", "port": "8080", "source_ips": ["203.0.113.0/24"]},
            {"direction": "in", "protocol": "tcp", "port": "22",
             "source_ips": ["198.51.100.0/28", "2001:db8:5::/64"],
             "description": "harden maintenance w0123abcd until 2026-12-02T08:00:00Z"}
        ]})
    );
    assert_eq!(out.object, "harden-web");
    assert_eq!(out.opened.len(), 1);
    assert_eq!(out.opened[0].until, opening().until);
    assert!(out.closed.is_empty());
    assert_eq!((fake.unused(), fake.unexpected()), (0, 0));
}

#[tokio::test]
async fn hetzner_close_removes_exactly_this_window_and_keeps_the_others() {
    let fake = FakeApi::start(vec![
        listing(json!([
            controller(),
            maint(W, "2026-12-02T08:00:00Z"),
            maint(LATER, "2026-12-02T09:00:00Z"),
            by_hand()
        ])),
        set_ok(),
    ])
    .await;
    let (cloud, _d) = hz(&fake);
    let which = Which::Window {
        id: W.into(),
        now: now(),
    };
    let out = edge::close(&cloud, "web", &which).await.expect("closed");
    let reqs = fake.requests();
    assert_eq!(shape(&reqs), [get_fw(), set_fw()]);
    assert_eq!(
        descriptions(&reqs[1]),
        [
            "harden controller".to_string(),
            marked(LATER, "2026-12-02T09:00:00Z"),
            "-".into()
        ]
    );
    assert_eq!(out.closed.len(), 1);
    assert_eq!(out.closed[0].window, W);
    assert_eq!(out.kept.len(), 1);
    assert_eq!(out.kept[0].window, LATER);
    assert_eq!((fake.unused(), fake.unexpected()), (0, 0));
}

#[tokio::test]
async fn hetzner_overdue_rule_is_closed_by_the_next_run_and_nothing_else_is_sent() {
    let rules = json!([
        controller(),
        maint(OLD, "2026-12-02T06:59:59Z"),
        maint(LATER, "2026-12-02T09:00:00Z")
    ]);
    let fake = FakeApi::start(vec![
        listing(rules.clone()),
        set_ok(),
        listing(json!([controller()])),
    ])
    .await;
    let (cloud, _d) = hz(&fake);
    let out = edge::close_overdue(&cloud, "web", now())
        .await
        .expect("overdue closed");
    assert_eq!(
        out.closed
            .iter()
            .map(|r| r.window.as_str())
            .collect::<Vec<_>>(),
        [OLD]
    );
    let reqs = fake.requests();
    assert_eq!(
        descriptions(&reqs[1]),
        [
            "harden controller".to_string(),
            marked(LATER, "2026-12-02T09:00:00Z")
        ]
    );
    // Nothing overdue: a read, no write.
    let again = edge::close_overdue(&cloud, "web", now())
        .await
        .expect("read");
    assert!(again.closed.is_empty() && again.kept.is_empty());
    assert_eq!(shape(&fake.requests()), [get_fw(), set_fw(), get_fw()]);
    assert_eq!((fake.unused(), fake.unexpected()), (0, 0));
}

#[tokio::test]
async fn hetzner_missing_firewall_tells_to_apply_and_writes_nothing() {
    let fake = FakeApi::start(vec![Reply::json(
        200,
        json!({"firewalls": [{"id": 9, "name": "harden-web-2", "rules": []}],
               "meta": {"pagination": {"next_page": null}}}),
    )])
    .await;
    let (cloud, _d) = hz(&fake);
    let f = edge::open(&cloud, "web", &opening(), now())
        .await
        .expect_err("no firewall");
    assert!(matches!(f.error, EdgeError::NotApplied { .. }), "{f}");
    assert!(f.clean());
    let shown = f.to_string();
    assert!(
        shown.contains("no firewall harden-web; run harden apply first"),
        "{shown}"
    );
    assert_eq!(shape(&fake.requests()), [get_fw()], "no write");
}

#[tokio::test]
async fn hetzner_rejected_set_rules_is_rolled_back_from_a_fresh_read() {
    // Refused outright: the re-read shows nothing of the window.
    let fake = FakeApi::start(vec![
        listing(json!([controller()])),
        Reply::error(422, "invalid_input", "too many rules"),
        listing(json!([controller()])),
    ])
    .await;
    let (cloud, _d) = hz(&fake);
    let f = edge::open(&cloud, "web", &opening(), now())
        .await
        .expect_err("refused");
    assert!(f.to_string().contains("invalid_input"), "{f}");
    assert_eq!(f.rollback, Ok(Vec::new()));
    assert!(
        f.to_string()
            .ends_with("(nothing was opened at the provider)"),
        "{f}"
    );
    assert_eq!(shape(&fake.requests()), [get_fw(), set_fw(), get_fw()]);

    // The rules took effect although the call failed (an action that
    // failed afterwards): the rollback removes them again.
    let fake = FakeApi::start(vec![
        listing(json!([controller()])),
        Reply::error(422, "action_failed", "apply_firewall failed"),
        listing(json!([controller(), maint(W, "2026-12-02T08:00:00Z")])),
        set_ok(),
    ])
    .await;
    let (cloud, _d) = hz(&fake);
    let f = edge::open(&cloud, "web", &opening(), now())
        .await
        .expect_err("failed");
    assert_eq!(f.rollback.as_ref().map(Vec::len), Ok(1));
    assert!(f.clean());
    let reqs = fake.requests();
    assert_eq!(shape(&reqs), [get_fw(), set_fw(), get_fw(), set_fw()]);
    assert_eq!(descriptions(&reqs[3]), ["harden controller"]);

    // The rollback cannot even read: said so.
    let fake = FakeApi::start(vec![
        listing(json!([controller()])),
        Reply::error(422, "invalid_input", "no"),
        Reply::error(403, "forbidden", "token revoked"),
    ])
    .await;
    let (cloud, _d) = hz(&fake);
    let f = edge::open(&cloud, "web", &opening(), now())
        .await
        .expect_err("failed");
    assert!(!f.clean());
    assert!(f.to_string().contains("rollback FAILED"), "{f}");
    assert_eq!((fake.unused(), fake.unexpected()), (0, 0));
}
