//! The OTC client (`harden::backend::http::otc`) against the local fake
//! API (`fake_api/server.rs`) speaking IAM's and EVS's documented shapes:
//! the production code with only the base URLs pointed at 127.0.0.1. The
//! token: issued, sent as `X-Auth-Token`, cached, renewed before expiry
//! and once after a 401, never shown. Errors and retries (403, 429, 5xx)
//! are in `fake_otc/errors.rs`, EVS paging and hostile answers in
//! `fake_otc/evs.rs`, KMS `describe-key` in `fake_otc/kms.rs`.

mod errors;
mod evs;
mod kms;

use std::time::Duration;

use harden::backend::http::otc::{AuthSettings, EvsLimits, OtcAuth, Project};
use harden::backend::http::{ApiClient, ApiConfig, Credential, RetryRules};
use serde_json::{json, Value};

use crate::fake_api::server::{FakeApi, Reply};
use crate::fake_api::token_file;

pub const PASSWORD: &str = "otc-PASSWORD-s3cr3t-never-shown";
pub const TOKEN1: &str = "MIIotc-TOKEN-one-0123456789abcdef";
pub const TOKEN2: &str = "MIIotc-TOKEN-two-fedcba9876543210";
pub const PROJECT: &str = "0123456789abcdef0123456789abcdef";
pub const SERVER: &str = "6f2c1d3e-0000-4a4a-8b8b-abcdefabcdef";
pub const OTHER: &str = "7a7a7a7a-0000-4a4a-8b8b-abcdefabcdef";
pub const KEY: &str = "3b1c9d2e-1111-4c4c-9d9d-0123456789ab";

/// Volume id number `n`.
pub fn vid(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// IAM's 201 with `token` valid for `secs` more seconds.
pub fn token_reply(token: &str, secs: u64) -> Reply {
    let at = harden::timefmt::rfc3339(harden::timefmt::now() + secs).replace('Z', ".000000Z");
    Reply::json(
        201,
        json!({"token": {"expires_at": at, "issued_at": at, "methods": ["password"],
            "project": {"id": PROJECT, "name": "eu-de", "domain": {"name": "OTC-EU-DE-1"}},
            "user": {"name": "harden", "id": "u1"}}}),
    )
    .header("x-subject-token", token)
}

/// A volume as `cloudvolumes/detail` lists it.
pub fn volume(n: u32, server: Option<&str>, metadata: Value) -> Value {
    let attachments: Vec<Value> = server
        .map(|s| {
            json!({"server_id": s, "device": "/dev/vdb", "id": vid(n), "volume_id": vid(n),
            "attachment_id": "a", "host_name": null, "attached_at": "2026-01-01T00:00:00.000000"})
        })
        .into_iter()
        .collect();
    json!({"id": vid(n), "name": format!("data-{n}"), "status": "in-use", "size": 100,
        "volume_type": "SSD", "bootable": "false", "metadata": metadata,
        "attachments": attachments})
}

/// A page of `cloudvolumes/detail`, with a next link when `next`.
pub fn page(volumes: Vec<Value>, next: bool) -> Reply {
    let mut body = json!({"volumes": volumes, "count": 0});
    if next {
        body["volumes_links"] = json!([{"href": "https://evs.example/v2/x/cloudvolumes/detail?marker=m", "rel": "next"}]);
    }
    Reply::json(200, body)
}

/// The OTC clients under test: IAM at `/iam`, EVS at `/evs` of `fake`;
/// short waits, 3 attempts.
pub struct Otc {
    pub auth: OtcAuth,
    pub evs: ApiClient,
    _dir: tempfile::TempDir,
}

fn test_config(name: &str, url: String, credential: Credential) -> ApiConfig {
    let mut cfg = ApiConfig::new(name, &url, credential);
    cfg.timeout = Duration::from_secs(5);
    cfg.max_attempts = 3;
    cfg.max_body = 256 * 1024;
    cfg.retry = RetryRules {
        base: Duration::from_millis(10),
        cap: Duration::from_millis(50),
        retry_after_cap: Duration::from_secs(3),
        budget: Duration::from_secs(20),
        ..RetryRules::default()
    };
    cfg
}

pub fn otc(fake: &FakeApi, project: Project) -> Otc {
    let (dir, path) = token_file(PASSWORD);
    let iam = test_config("otc-iam", fake.url("/iam"), Credential::FromFile(path));
    let settings = AuthSettings::new(iam, "harden", "OTC-EU-DE-1", project);
    let auth = OtcAuth::new(&settings).expect("auth");
    let evs = ApiClient::new(&test_config("otc-evs", fake.url("/evs"), Credential::None))
        .expect("evs client");
    Otc {
        auth,
        evs,
        _dir: dir,
    }
}

pub const LIST: &str = "/evs/v2/0123456789abcdef0123456789abcdef/cloudvolumes/detail?limit=1000";

#[tokio::test]
async fn token_issued_scoped_and_sent_as_x_auth_token() {
    let fake = FakeApi::start(vec![
        token_reply(TOKEN1, 24 * 3600),
        page(vec![volume(1, Some(SERVER), json!({}))], false),
        page(vec![], false),
    ])
    .await;
    let o = otc(&fake, Project::Name("eu-de".into()));
    let limits = EvsLimits::default();
    let v = harden::backend::http::otc::list_volumes(&o.auth, &o.evs, limits)
        .await
        .expect("list");
    assert_eq!(v.len(), 1);
    let v = harden::backend::http::otc::list_volumes(&o.auth, &o.evs, limits)
        .await
        .expect("list again");
    assert!(v.is_empty());
    assert_eq!(o.auth.tokens_issued(), 1, "the token is cached");
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 3);
    let post = &reqs[0];
    assert_eq!(
        (post.method.as_str(), post.target.as_str()),
        ("POST", "/iam/v3/auth/tokens?nocatalog=true")
    );
    assert_eq!(post.header("authorization"), None);
    assert_eq!(post.header("x-auth-token"), None);
    let body: Value = serde_json::from_slice(&post.body).expect("json");
    assert_eq!(body["auth"]["identity"]["methods"], json!(["password"]));
    let user = &body["auth"]["identity"]["password"]["user"];
    assert_eq!(user["name"], "harden");
    assert_eq!(user["password"], PASSWORD);
    assert_eq!(user["domain"]["name"], "OTC-EU-DE-1");
    assert_eq!(body["auth"]["scope"], json!({"project": {"name": "eu-de"}}));
    for get in &reqs[1..] {
        assert_eq!((get.method.as_str(), get.target.as_str()), ("GET", LIST));
        assert_eq!(get.header("x-auth-token"), Some(TOKEN1));
        assert_eq!(get.header("authorization"), None);
    }
    let t = o.auth.token().await.expect("cached");
    let shown = format!("{:?}{:?}{:?}{t:?}", o.auth, o.evs, t);
    for secret in [PASSWORD, TOKEN1] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert_eq!(t.project_id, PROJECT);
    assert_eq!((fake.unused(), fake.unexpected()), (0, 0));

    // Scoped by id: the id is sent, and a token for another project refused.
    let fake = FakeApi::start(vec![token_reply(TOKEN1, 3600)]).await;
    let o = otc(
        &fake,
        Project::Id("ffffffffffffffffffffffffffffffff".into()),
    );
    let e = o.auth.token().await.expect_err("other project");
    assert_eq!(e.code(), "otc-token");
    assert!(e.to_string().contains("not ffff"), "{e}");
    let body: Value = serde_json::from_slice(&fake.requests()[0].body).expect("json");
    assert_eq!(
        body["auth"]["scope"]["project"]["id"],
        "ffffffffffffffffffffffffffffffff"
    );
}

#[tokio::test]
async fn token_about_to_expire_is_renewed_before_use() {
    // 60 s left is inside the 5 min margin: the next call gets a new token.
    let fake = FakeApi::start(vec![
        token_reply(TOKEN1, 60),
        page(vec![], false),
        token_reply(TOKEN2, 24 * 3600),
        page(vec![], false),
        page(vec![], false),
    ])
    .await;
    let o = otc(&fake, Project::Name("eu-de".into()));
    for _ in 0..3 {
        harden::backend::http::otc::list_volumes(&o.auth, &o.evs, EvsLimits::default())
            .await
            .expect("list");
    }
    assert_eq!(o.auth.tokens_issued(), 2);
    let sent: Vec<(String, Option<String>)> = fake
        .requests()
        .iter()
        .map(|r| {
            (
                r.method.clone(),
                r.header("x-auth-token").map(str::to_string),
            )
        })
        .collect();
    let tok = |t: &str| Some(t.to_string());
    assert_eq!(
        sent,
        [
            ("POST".into(), None),
            ("GET".into(), tok(TOKEN1)),
            ("POST".into(), None),
            ("GET".into(), tok(TOKEN2)),
            ("GET".into(), tok(TOKEN2)),
        ]
    );
    assert_eq!((fake.unused(), fake.unexpected()), (0, 0));
}

#[tokio::test]
async fn unauthorized_mid_run_gets_one_new_token() {
    let expired =
        json!({"error": {"code": "EVS.0401", "message": format!("token {TOKEN1} expired")}});
    let fake = FakeApi::start(vec![
        token_reply(TOKEN1, 24 * 3600),
        Reply::json(401, expired.clone()),
        token_reply(TOKEN2, 24 * 3600),
        page(vec![volume(1, None, json!({}))], false),
    ])
    .await;
    let o = otc(&fake, Project::Name("eu-de".into()));
    let v = harden::backend::http::otc::list_volumes(&o.auth, &o.evs, EvsLimits::default())
        .await
        .expect("renewed after 401");
    assert_eq!(v.len(), 1);
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 4);
    assert_eq!(reqs[1].header("x-auth-token"), Some(TOKEN1));
    assert_eq!(reqs[3].header("x-auth-token"), Some(TOKEN2));

    // Refused again with the new token: that is the error, no third token.
    let fake = FakeApi::start(vec![
        token_reply(TOKEN1, 24 * 3600),
        Reply::json(401, expired.clone()),
        token_reply(TOKEN2, 24 * 3600),
        Reply::json(
            401,
            json!({"error": {"code": "EVS.0401", "message": format!("no {TOKEN2}")}}),
        ),
    ])
    .await;
    let o = otc(&fake, Project::Name("eu-de".into()));
    let e = harden::backend::http::otc::list_volumes(&o.auth, &o.evs, EvsLimits::default())
        .await
        .expect_err("401 twice");
    assert_eq!((e.code(), e.status()), ("api-answer", Some(401)));
    let shown = format!("{e}{e:?}");
    assert!(
        !shown.contains(TOKEN1) && !shown.contains(TOKEN2),
        "{shown}"
    );
    assert!(shown.contains("no <redacted>"), "{shown}");
    assert_eq!(o.auth.tokens_issued(), 2);
    assert_eq!((fake.unused(), fake.unexpected()), (0, 0));
}

#[tokio::test]
async fn wrong_password_is_not_retried_and_never_shown() {
    let echo = format!("password {PASSWORD} is wrong");
    let fake = FakeApi::start(vec![Reply::json(
        401,
        json!({"error": {"code": 401, "message": echo, "title": "Unauthorized"}}),
    )])
    .await;
    let o = otc(&fake, Project::Name("eu-de".into()));
    let e = o.auth.token().await.expect_err("401");
    assert_eq!(e.status(), Some(401));
    let shown = format!("{e}{e:?}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    assert!(shown.contains("password <redacted> is wrong"), "{shown}");
    assert!(shown.contains("get a project token"), "{shown}");
    assert_eq!(fake.requests().len(), 1);
}
