//! Retries against the fake API: what is retried (429 honouring
//! Retry-After, 503, `conflict`) and what fails at once (`invalid_input`,
//! `uniqueness_error`), the attempt cap, the per-attempt timeout and the
//! call's total time budget, and a POST that is not repeated after a
//! timeout.

use std::time::{Duration, Instant};

use harden::backend::http::{ApiCall, ErrorKind, GaveUp, Method, RateLimit};
use serde_json::json;

use super::client;
use super::server::{FakeApi, Reply};

#[tokio::test]
async fn rate_limited_429_waits_for_retry_after_then_succeeds() {
    let fake = FakeApi::start(vec![
        Reply::error(429, "rate_limit_exceeded", "slow down")
            .header("retry-after", "1")
            .header("ratelimit-limit", "3600")
            .header("ratelimit-remaining", "0")
            .header("ratelimit-reset", "4102444800"),
        Reply::json(200, json!({"ok": true}))
            .header("ratelimit-limit", "3600")
            .header("ratelimit-remaining", "3599")
            .header("ratelimit-reset", "4102444800"),
    ])
    .await;
    let (c, _dir) = client(&fake, |_| {});
    let t = Instant::now();
    let r = c.get("/firewalls").await.expect("retried");
    let took = t.elapsed();
    // The backoff alone is at most 50 ms here: the wait is Retry-After's,
    // not RateLimit-Reset's (years away, and capped at 3 s).
    assert!(took >= Duration::from_secs(1), "{took:?}");
    assert!(took < Duration::from_millis(2500), "{took:?}");
    assert_eq!(r.json, json!({"ok": true}));
    assert_eq!(
        r.rate_limit,
        Some(RateLimit {
            limit: 3600,
            remaining: 3599,
            reset: 4102444800
        })
    );
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn non_retryable_code_fails_at_once_with_the_scrubbed_message() {
    let fake = FakeApi::start(vec![
        Reply::error(
            422,
            "invalid_input",
            "port\n\u{1b}[31m is not allowed for icmp",
        ),
        Reply::json(200, json!({})),
    ])
    .await;
    let (c, _dir) = client(&fake, |_| {});
    let e = c.get("/firewalls").await.expect_err("422");
    assert_eq!(e.server_code(), Some("invalid_input"));
    assert_eq!(e.status(), Some(422));
    assert_eq!((e.attempts, e.gave_up), (1, None));
    assert!(
        e.to_string()
            .ends_with("HTTP 422 invalid_input: port\\n\\u{1b}[31m is not allowed for icmp"),
        "{e}"
    );
    assert_eq!(fake.requests().len(), 1);
    assert_eq!(fake.unused(), 1);
}

#[tokio::test]
async fn the_body_code_decides_not_the_status() {
    let fake = FakeApi::start(vec![
        Reply::error(409, "uniqueness_error", "name is already used"),
        Reply::error(409, "conflict", "another action is running"),
        Reply::error(423, "locked", "locked by an action"),
        Reply::json(200, json!({"done": 1})),
        Reply::error(503, "maintenance", "not in the retry list"),
    ])
    .await;
    let (c, _dir) = client(&fake, |_| {});
    let e = c.get("/a").await.expect_err("uniqueness");
    assert_eq!((e.server_code(), e.attempts), (Some("uniqueness_error"), 1));
    let r = c.get("/a").await.expect("conflict and locked retried");
    assert_eq!(r.json["done"], 1);
    let e = c.get("/a").await.expect_err("maintenance");
    assert_eq!(e.attempts, 1);
    assert_eq!(fake.requests().len(), 5);
}

#[tokio::test]
async fn unavailable_503_retried_up_to_the_cap() {
    let fake = FakeApi::start(vec![
        Reply::raw(503, b"down".to_vec()),
        Reply::raw(503, b"down".to_vec()),
        Reply::error(503, "unavailable", "still down"),
        Reply::json(200, json!({})),
    ])
    .await;
    let (c, _dir) = client(&fake, |_| {});
    let e = c.get("/a").await.expect_err("503s");
    assert_eq!((e.attempts, e.gave_up), (3, Some(GaveUp::Attempts)));
    assert_eq!(e.status(), Some(503));
    assert!(e.to_string().ends_with("(gave up after 3 attempts)"), "{e}");
    assert_eq!(fake.requests().len(), 3);
    assert_eq!(fake.unused(), 1);
}

#[tokio::test]
async fn hanging_server_times_out_within_the_bound() {
    let fake = FakeApi::start(vec![Reply::hang(), Reply::hang(), Reply::hang()]).await;
    let (c, _dir) = client(&fake, |cfg| {
        cfg.timeout = Duration::from_millis(300);
        cfg.max_attempts = 2;
    });
    let t = Instant::now();
    let e = c.get("/slow").await.expect_err("timeout");
    let took = t.elapsed();
    assert_eq!(
        e.kind,
        ErrorKind::Timeout(Duration::from_millis(300)),
        "{e}"
    );
    assert_eq!((e.attempts, e.gave_up), (2, Some(GaveUp::Attempts)));
    assert!(took >= Duration::from_millis(600), "{took:?}");
    assert!(took < Duration::from_millis(1500), "{took:?}");
    // A POST may have been acted on: not sent again.
    let post = ApiCall::new(
        Method::Post,
        "/firewalls",
        Some(json!({})),
        "create firewall",
    )
    .expect("call");
    let e = c.call(&post).await.expect_err("timeout");
    assert_eq!((e.attempts, e.gave_up), (1, Some(GaveUp::NotIdempotent)));
    assert!(e.to_string().contains("may have been acted on"), "{e}");
    assert_eq!(fake.requests().len(), 3);
}

#[tokio::test]
async fn total_time_budget_ends_the_attempts() {
    let fake = FakeApi::start((0..10).map(|_| Reply::hang()).collect()).await;
    let (c, _dir) = client(&fake, |cfg| {
        cfg.timeout = Duration::from_millis(400);
        cfg.max_attempts = 10;
        cfg.retry.budget = Duration::from_millis(1000);
    });
    let t = Instant::now();
    let e = c.get("/slow").await.expect_err("budget");
    let took = t.elapsed();
    assert!(took < Duration::from_millis(1400), "{took:?}");
    assert!(e.attempts < 10, "{e}");
    assert_eq!(
        e.gave_up,
        Some(GaveUp::Budget(Duration::from_millis(1000))),
        "{e}"
    );
}

#[tokio::test]
async fn refused_connection_retried_then_reported() {
    let fake = FakeApi::start(vec![]).await;
    let (c, _dir) = client(&fake, |cfg| {
        // A port with nothing listening: bound, then closed.
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        cfg.base_url = format!("http://{}/v1", l.local_addr().expect("addr"));
    });
    let e = c.get("/a").await.expect_err("refused");
    assert!(matches!(e.kind, ErrorKind::Transport(_)), "{e}");
    assert_eq!((e.attempts, e.gave_up), (3, Some(GaveUp::Attempts)));
    assert!(
        !e.to_string().contains("127.0.0.1"),
        "no URL in the message: {e}"
    );
}

#[tokio::test]
async fn post_retried_only_when_the_server_did_not_act() {
    let fake = FakeApi::start(vec![
        Reply::error(429, "rate_limit_exceeded", "slow down").header("retry-after", "0"),
        Reply::error(409, "conflict", "another action is running"),
        Reply::json(201, json!({"actions": []})),
        Reply::raw(504, Vec::new()),
        Reply::error(504, "timeout", "the backend took too long"),
    ])
    .await;
    let (c, _dir) = client(&fake, |_| {});
    let post = ApiCall::new(
        Method::Post,
        "/firewalls",
        Some(json!({})),
        "create firewall",
    )
    .expect("call");
    let r = c.call(&post).await.expect("429 and conflict retried");
    assert_eq!(r.status, 201);
    for _ in 0..2 {
        let e = c.call(&post).await.expect_err("504");
        assert_eq!(
            (e.attempts, e.gave_up),
            (1, Some(GaveUp::NotIdempotent)),
            "{e}"
        );
    }
    assert_eq!(fake.requests().len(), 5);
}
