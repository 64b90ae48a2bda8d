//! The HTTP-API backend (`harden::backend::http`) against a local fake
//! server (`fake_api/server.rs`): the credential is sent and never shown,
//! pages are followed within a cap, bodies are capped, server text is
//! scrubbed, hostile paths never leave the client. Retries and timeouts
//! are in `fake_api/retries.rs`, setup rules (https-only, credential file)
//! in `fake_api/setup.rs`.

mod retries;
pub mod server;
mod setup;

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use harden::backend::http::{
    ApiCall, ApiClient, ApiConfig, Credential, ErrorKind, Method, RetryRules,
};
use serde_json::json;
use server::{FakeApi, Reply};

pub const TOKEN: &str = "hc-TOKEN-0123456789abcdef-never-shown";

/// A token file (mode 0600) in a fresh directory.
pub fn token_file(token: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("token");
    std::fs::write(&path, format!("{token}\n")).expect("write token");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    (dir, path)
}

/// Test settings for `fake`: short waits, 3 attempts, 1 MiB bodies.
pub fn config(fake: &FakeApi, token: &std::path::Path) -> ApiConfig {
    let mut cfg = ApiConfig::new("fake", &fake.url("/v1"), Credential::FromFile(token.into()));
    cfg.timeout = Duration::from_secs(5);
    cfg.max_attempts = 3;
    cfg.max_body = 1024 * 1024;
    cfg.retry = RetryRules {
        base: Duration::from_millis(10),
        cap: Duration::from_millis(50),
        retry_after_cap: Duration::from_secs(3),
        budget: Duration::from_secs(20),
        ..RetryRules::default()
    };
    cfg
}

/// A client for `fake` with the test settings changed by `tweak`.
pub fn client(
    fake: &FakeApi,
    tweak: impl FnOnce(&mut ApiConfig),
) -> (ApiClient, tempfile::TempDir) {
    let (dir, path) = token_file(TOKEN);
    let mut cfg = config(fake, &path);
    tweak(&mut cfg);
    (ApiClient::new(&cfg).expect("client"), dir)
}

#[tokio::test]
async fn auth_header_sent_and_never_shown() {
    let echo = format!("token {TOKEN} is not valid (Authorization: Bearer {TOKEN})");
    let fake = FakeApi::start(vec![
        Reply::json(200, json!({"firewall": {"id": 7}})).header("x-correlation-id", "c-1"),
        Reply::error(401, "unauthorized", &echo),
    ])
    .await;
    let (c, _dir) = client(&fake, |_| {});
    let r = c.get("/firewalls/7").await.expect("first call");
    assert_eq!(r.status, 200);
    assert_eq!(r.json["firewall"]["id"], 7);
    assert_eq!(r.correlation_id.as_deref(), Some("c-1"));
    let e = c.get("/firewalls/7").await.expect_err("401");
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 2, "401 is not retried");
    for q in &reqs {
        assert_eq!(q.method, "GET");
        assert_eq!(q.target, "/v1/firewalls/7");
        assert_eq!(
            q.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
        assert_eq!(q.header("accept"), Some("application/json"));
    }
    assert_eq!(e.server_code(), Some("unauthorized"));
    assert_eq!(e.attempts, 1);
    let shown = [e.to_string(), format!("{e:?}"), format!("{c:?}")];
    for s in &shown {
        assert!(!s.contains("0123456789abcdef"), "token shown: {s}");
    }
    assert!(shown[0].contains("<redacted> is not valid"), "{}", shown[0]);
    assert!(shown[0].starts_with("api-answer: API fake: GET /firewalls/7: HTTP 401 unauthorized"));

    // The same from the environment: PATH stands in for a token, since
    // set_var is unsound while other test threads read the environment.
    let value = std::env::var("PATH").expect("PATH is set");
    assert!(value.len() > 8 && value.bytes().all(|b| b.is_ascii_graphic()));
    let fake2 = FakeApi::start(vec![Reply::error(
        403,
        "forbidden",
        &format!("got {value}"),
    )])
    .await;
    let mut cfg = config(&fake2, std::path::Path::new("/unused"));
    cfg.credential = Credential::BearerFromEnv("PATH".into());
    let c2 = ApiClient::new(&cfg).expect("client from env");
    let e = c2.get("/x").await.expect_err("403");
    let got = fake2.requests();
    assert_eq!(
        got[0].header("authorization"),
        Some(format!("Bearer {value}").as_str())
    );
    let shown = format!("{c2:?}{cfg:?}{e}{e:?}");
    assert!(!shown.contains(&value), "{shown}");
    assert!(e.to_string().ends_with("got <redacted>"), "{e}");
}

#[tokio::test]
async fn post_sends_its_json_body() {
    let fake = FakeApi::start(vec![Reply::json(201, json!({"actions": [{"id": 1}]}))]).await;
    let (c, _dir) = client(&fake, |_| {});
    let body = json!({"rules": [{"direction": "in", "protocol": "tcp", "port": "22"}]});
    let call = ApiCall::new(
        Method::Post,
        "/firewalls/7/actions/set_rules",
        Some(body.clone()),
        "set the rules of firewall 7",
    )
    .expect("call");
    let r = c.call(&call).await.expect("post");
    assert_eq!(r.status, 201);
    let q = &fake.requests()[0];
    assert_eq!(q.method, "POST");
    assert_eq!(q.header("content-type"), Some("application/json"));
    let sent: serde_json::Value = serde_json::from_slice(&q.body).expect("json body");
    assert_eq!(sent, body);
    assert_eq!((fake.unused(), fake.unexpected()), (0, 0));
}

#[tokio::test]
async fn pagination_followed_and_bounded() {
    let page = crate::fake_api::server::hcloud_page;
    let fake = FakeApi::start(vec![
        page(&[1, 2], Some(2)),
        page(&[3, 4], Some(3)),
        page(&[5], None),
    ])
    .await;
    let (c, _dir) = client(&fake, |_| {});
    let all = c
        .get_all_pages("/firewalls?per_page=2", "firewalls")
        .await
        .expect("pages");
    assert_eq!(all, vec![json!(1), json!(2), json!(3), json!(4), json!(5)]);
    let targets: Vec<String> = fake.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        [
            "/v1/firewalls?per_page=2&page=1",
            "/v1/firewalls?per_page=2&page=2",
            "/v1/firewalls?per_page=2&page=3"
        ]
    );
    assert_eq!(fake.unexpected(), 0);

    // A server whose pages do not advance, or never end.
    let fake = FakeApi::start(vec![page(&[1], Some(2)), page(&[2], Some(2))]).await;
    let (c, _dir) = client(&fake, |_| {});
    let e = c
        .get_all_pages("/firewalls", "firewalls")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("do not advance"), "{e}");
    let fake = FakeApi::start((1..=5).map(|n| page(&[n], Some(n + 1))).collect()).await;
    let (c, _dir) = client(&fake, |_| {});
    let c = c.with_max_pages(3);
    let e = c
        .get_all_pages("/firewalls", "firewalls")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("more than 3 pages"), "{e}");
    assert_eq!(fake.requests().len(), 3);
    // Missing list key, and a path that pages itself.
    let fake = FakeApi::start(vec![page(&[1], None)]).await;
    let (c, _dir) = client(&fake, |_| {});
    let e = c.get_all_pages("/firewalls", "servers").await.unwrap_err();
    assert!(matches!(e.kind, ErrorKind::BadAnswer(_)), "{e}");
    let e = c
        .get_all_pages("/firewalls?page=2", "firewalls")
        .await
        .unwrap_err();
    assert_eq!(e.attempts, 0);
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn oversized_body_refused() {
    let big = format!("{{\"x\":\"{}\"}}", "a".repeat(100 * 1024)).into_bytes();
    let fake = FakeApi::start(vec![
        Reply::raw(200, big.clone()),
        Reply::raw(200, big.clone()).chunked(),
        Reply::raw(503, big).chunked(),
        Reply::raw(
            200,
            format!("{{\"x\":\"{}\"}}", "a".repeat(60 * 1024)).into_bytes(),
        )
        .chunked(),
    ])
    .await;
    let (c, _dir) = client(&fake, |cfg| cfg.max_body = 64 * 1024);
    for what in ["content-length", "chunked", "chunked error"] {
        let e = c.get("/big").await.expect_err(what);
        assert_eq!(
            e.kind,
            ErrorKind::BodyTooLarge { limit: 64 * 1024 },
            "{what}"
        );
        assert_eq!(e.attempts, 1, "{what}: not retried");
        assert!(e.to_string().contains("larger than 65536 bytes"), "{e}");
    }
    let ok = c.get("/big").await.expect("below the limit");
    assert_eq!(ok.json["x"].as_str().map(str::len), Some(60 * 1024));
    assert_eq!(fake.requests().len(), 4);
}

#[tokio::test]
async fn hostile_error_message_scrubbed_and_capped() {
    let msg = format!(
        "\u{1b}]0;pwned\u{7}\u{202e}{}\r\nX-Injected: 1",
        "line\nbreak ".repeat(100_000)
    );
    assert!(msg.len() > 1_000_000);
    let fake = FakeApi::start(vec![Reply::error(422, "invalid_input\n", &msg)]).await;
    let (c, _dir) = client(&fake, |cfg| cfg.max_body = 4 * 1024 * 1024);
    let e = c.get("/x").await.expect_err("422");
    let ErrorKind::Answer { message, code, .. } = &e.kind else {
        panic!("{e:?}")
    };
    assert!(message.chars().count() <= 201, "{}", message.len());
    assert!(
        message.starts_with("\\u{1b}]0;pwned\\u{7}\\u{202e}line\\nbreak"),
        "{message}"
    );
    assert_eq!(code.as_deref(), Some("invalid_input"));
    let shown = e.to_string();
    assert!(shown.len() < 600, "{}", shown.len());
    assert!(
        !shown.chars().any(|c| c.is_control() || c == '\u{202e}'),
        "{shown}"
    );
}

#[tokio::test]
async fn hostile_paths_never_sent() {
    let fake = FakeApi::start(vec![]).await;
    let (c, _dir) = client(&fake, |_| {});
    for p in [
        "/../admin",
        "//evil.example/x",
        "/a%2e%2e/b",
        "/x\r\nHost: evil",
        "x",
    ] {
        let e = c.get(p).await.expect_err(p);
        assert!(matches!(e.kind, ErrorKind::BadCall(_)), "{p}: {e}");
        assert_eq!(e.attempts, 0);
        assert!(!e.to_string().contains('\n'), "{e}");
    }
    // Public fields: a call built by hand is checked again.
    let call = ApiCall {
        service: None,
        method: Method::Delete,
        path: "/../../etc".into(),
        body: None,
        describe: "delete".into(),
    };
    let e = c.call(&call).await.expect_err("refused");
    assert_eq!(e.code(), "api-call-path");
    assert!(fake.requests().is_empty());
}
