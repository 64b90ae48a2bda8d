//! Retries decided by the error code (research §1): `conflict`,
//! `rate_limit_exceeded` (waiting for `RateLimit-Reset`), `bad_gateway`,
//! `timeout` (GET only: a POST may have acted), `locked`, `unavailable` and
//! a 502 without a body are retried; `uniqueness_error`, `protected`,
//! `invalid_input`, `token_readonly` and `unauthorized` are not. A
//! read-only token on a write is its own error, the token never shown.

use std::time::{Duration, Instant};

use harden::backend::http::cloud::CloudError;
use harden::backend::http::GaveUp;
use harden::lab::fake_cloud::hcloud::Fault;
use harden::lab::fake_http::Reply;
use serde_json::json;

use super::*;

fn attempts(e: &CloudError) -> u32 {
    match e {
        CloudError::Api(a) | CloudError::ReadOnlyToken(a) => a.attempts,
        _ => panic!("not an API error: {e}"),
    }
}

#[tokio::test]
async fn conflict_retried_then_the_write_succeeds() {
    let p = project().await;
    let id = p.fake.state().add_firewall("fw", json!([])).expect("fw");
    p.fake.fault_on("POST", "/firewalls", Fault::Conflict);
    p.fake.fault_on("POST", "/firewalls", Fault::Locked);
    let r = p
        .set_rules(id, json!([tcp("22", &["10.0.0.0/8"])]))
        .await
        .expect("retried");
    assert_eq!(r.status, 201);
    let posts = p.fake.state().requests_to("POST", "/firewalls");
    assert_eq!(posts.len(), 3, "conflict, locked, then done");
    assert_eq!(p.fake.state().firewalls[&id].rules.len(), 1);
}

#[tokio::test]
async fn rate_limited_waits_for_the_reset() {
    let p = project().await;
    p.fake.fault(Fault::RateLimited { reset_in: 2 });
    let t = Instant::now();
    let r = p
        .cloud
        .get(None, "/firewalls", None)
        .await
        .expect("after the reset");
    let took = t.elapsed();
    // RateLimit-Reset is in whole seconds: 1 to 2 s from the client's now.
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "{took:?}"
    );
    assert_eq!(r["firewalls"], json!([]));
    assert_eq!(p.fake.requests().len(), 2);
    // Every answer carries the budget.
    let Cloud::Single(api) = &p.cloud else {
        panic!()
    };
    let resp = api.get("/firewalls").await.expect("get");
    let rl = resp.rate_limit.expect("RateLimit-* headers");
    assert_eq!((rl.limit, rl.remaining), (3600, 3597));
    assert!(rl.reset >= harden::timefmt::now());
}

#[tokio::test]
async fn uniqueness_error_is_not_retried() {
    let p = project().await;
    p.create("harden-web", json!([])).await.expect("first");
    let e = p
        .create("harden-web", json!([]))
        .await
        .expect_err("duplicate");
    let CloudError::Api(a) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(
        (a.status(), a.server_code()),
        (Some(409), Some("uniqueness_error"))
    );
    assert_eq!(a.attempts, 1);
    assert_eq!(p.fake.state().requests_to("POST", "/firewalls").len(), 2);
}

#[tokio::test]
async fn read_only_token_on_a_write_is_a_clear_error_without_the_token() {
    let p = project_with(RO, |_| {}).await;
    p.fake.state().add_firewall("fw", json!([])).expect("fw");
    let list = p
        .cloud
        .get(None, "/firewalls", Some("firewalls"))
        .await
        .expect("reads work");
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    let e = p
        .create("harden-web", json!([]))
        .await
        .expect_err("read-only");
    assert_eq!(e.code(), "hcloud-token-readonly");
    assert_eq!(attempts(&e), 1);
    let shown = format!("{e} {e:?}");
    assert!(e.to_string().contains("the API token is read-only"), "{e}");
    assert!(e.to_string().contains("Read & Write token"), "{e}");
    assert!(!shown.contains("fedcba9876543210"), "{shown}");
    assert!(p.fake.state().firewall("harden-web").is_none());
    // A wrong token: 401, once.
    let p = project_with("hc-WRONG-token-000000000000", |_| {}).await;
    let e = p
        .cloud
        .get(None, "/firewalls", None)
        .await
        .expect_err("401");
    let CloudError::Api(a) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(
        (a.status(), a.server_code(), a.attempts),
        (Some(401), Some("unauthorized"), 1)
    );
    assert!(!e.to_string().contains("000000000000"), "{e}");
}

#[tokio::test]
async fn gateway_and_server_trouble_retried() {
    let p = project().await;
    for f in [
        Fault::BadGateway { json: false },
        Fault::BadGateway { json: true },
        Fault::Unavailable,
        Fault::Timeout,
    ] {
        p.fake.fault(f);
    }
    // 4 faults, 3 attempts per call: the first call gives up after three.
    let e = p
        .cloud
        .get(None, "/firewalls", None)
        .await
        .expect_err("three faults");
    let CloudError::Api(a) = &e else {
        panic!("{e:?}")
    };
    assert_eq!((a.attempts, a.gave_up), (3, Some(GaveUp::Attempts)), "{e}");
    assert_eq!(a.server_code(), Some("unavailable"));
    p.cloud
        .get(None, "/firewalls", None)
        .await
        .expect("504 timeout retried on a GET");
    assert_eq!(p.fake.requests().len(), 5);
    // A POST is not repeated after a timeout: it may have been acted on.
    p.fake.fault_on("POST", "/firewalls", Fault::Timeout);
    let e = p
        .create("harden-web", json!([]))
        .await
        .expect_err("504 on POST");
    let CloudError::Api(a) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(a.gave_up, Some(GaveUp::NotIdempotent));
    // A 502 without a body on a POST: nothing was acted on, retried.
    p.fake
        .fault_on("POST", "/firewalls", Fault::BadGateway { json: false });
    p.create("harden-web", json!([]))
        .await
        .expect("502 retried");
}

#[tokio::test]
async fn the_code_decides_what_is_retried() {
    let p = project().await;
    let not_retried = [
        (409, "uniqueness_error"),
        (423, "protected"),
        (400, "invalid_input"),
        (403, "token_readonly"),
        (401, "unauthorized"),
        (503, "maintenance"),
    ];
    for (status, code) in not_retried {
        p.fake.fault(Fault::Reply(Reply::error(status, code, "no")));
        let before = p.fake.requests().len();
        let e = p.cloud.get(None, "/firewalls", None).await.expect_err(code);
        assert_eq!(e.code(), "api-answer", "{code}");
        assert_eq!(attempts(&e), 1, "{code}");
        assert_eq!(p.fake.requests().len() - before, 1, "{code}");
    }
    let retried = [
        (409, "conflict"),
        (429, "rate_limit_exceeded"),
        (502, "bad_gateway"),
        (504, "timeout"),
        (423, "locked"),
    ];
    for (status, code) in retried {
        let r = Reply::error(status, code, "again").header("retry-after", "0");
        p.fake.fault(Fault::Reply(r));
        let before = p.fake.requests().len();
        p.cloud.get(None, "/firewalls", None).await.expect(code);
        assert_eq!(p.fake.requests().len() - before, 2, "{code}");
    }
}

#[tokio::test]
async fn a_slow_answer_trips_the_timeout_and_is_retried() {
    let p = project_with(RW, |c| c.timeout = Duration::from_millis(300)).await;
    p.fake.fault(Fault::Slow(Duration::from_secs(3)));
    let t = Instant::now();
    p.cloud
        .get(None, "/servers", None)
        .await
        .expect("second attempt");
    let took = t.elapsed();
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(2),
        "{took:?}"
    );
    assert_eq!(p.fake.requests().len(), 2);
}
