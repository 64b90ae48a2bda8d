//! OTC error answers against the fake API: 403 fails at once (no new
//! token), API Gateway throttling (429 `APIGW.0308`) is retried, 503 is
//! retried until the attempt cap and then given up, and IAM answers
//! without a usable token are refused with `otc-token`.

use std::time::Duration;

use harden::backend::http::otc::{list_volumes, EvsLimits, OtcError, Project};
use harden::backend::http::{ErrorKind, GaveUp};
use serde_json::json;

use super::{otc, page, token_reply, volume, TOKEN1};
use crate::fake_api::server::{FakeApi, Reply};

#[tokio::test]
async fn forbidden_fails_at_once() {
    let fake = FakeApi::start(vec![
        token_reply(TOKEN1, 24 * 3600),
        Reply::json(
            403,
            json!({"error": {"code": "EVS.0002", "message": "Policy doesn't allow evs:volumes:list"}}),
        ),
    ])
    .await;
    let o = otc(&fake, Project::Name("eu-de".into()));
    let e = list_volumes(&o.auth, &o.evs, EvsLimits::default())
        .await
        .expect_err("403");
    let OtcError::Api(api) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(
        (api.status(), api.attempts, api.gave_up),
        (Some(403), 1, None)
    );
    assert_eq!(api.server_code(), Some("EVS.0002"));
    assert!(e.to_string().contains("evs:volumes:list"), "{e}");
    assert_eq!(o.auth.tokens_issued(), 1, "a 403 is not a token problem");
    assert_eq!((fake.unused(), fake.unexpected()), (0, 0));
}

#[tokio::test]
async fn throttled_429_is_retried() {
    let throttled = json!({"error_msg": "The throttling threshold has been reached: policy user over ratelimit",
        "error_code": "APIGW.0308", "request_id": "r1"});
    let fake = FakeApi::start(vec![
        token_reply(TOKEN1, 24 * 3600),
        Reply::json(429, throttled.clone()).header("retry-after", "1"),
        Reply::json(429, throttled),
        page(vec![volume(1, None, json!({}))], false),
    ])
    .await;
    let o = otc(&fake, Project::Name("eu-de".into()));
    let t = std::time::Instant::now();
    let v = list_volumes(&o.auth, &o.evs, EvsLimits::default())
        .await
        .expect("retried");
    assert!(
        t.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    assert_eq!(v.len(), 1);
    assert_eq!(fake.requests().len(), 4);
    assert!(fake.requests()[1..]
        .iter()
        .all(|r| r.header("x-auth-token") == Some(TOKEN1)));
    assert_eq!((fake.unused(), fake.unexpected()), (0, 0));
}

#[tokio::test]
async fn server_errors_retried_then_given_up() {
    let fake = FakeApi::start(vec![
        token_reply(TOKEN1, 24 * 3600),
        Reply::raw(503, b"<html>Service Unavailable</html>".to_vec()),
        Reply::raw(502, b"bad gateway".to_vec()),
        Reply::raw(503, b"<html>Service Unavailable</html>".to_vec()),
    ])
    .await;
    let o = otc(&fake, Project::Name("eu-de".into()));
    let e = list_volumes(&o.auth, &o.evs, EvsLimits::default())
        .await
        .expect_err("gave up");
    let OtcError::Api(api) = &e else {
        panic!("{e:?}")
    };
    assert_eq!((api.status(), api.attempts), (Some(503), 3));
    assert_eq!(api.gave_up, Some(GaveUp::Attempts));
    assert!(e.to_string().contains("gave up after 3 attempts"), "{e}");
    assert_eq!((fake.unused(), fake.unexpected()), (0, 0));

    // IAM itself unavailable, then back: a token POST is retried (nothing acted).
    let fake = FakeApi::start(vec![Reply::raw(503, vec![]), token_reply(TOKEN1, 3600)]).await;
    let o = otc(&fake, Project::Name("eu-de".into()));
    assert!(o.auth.token().await.is_ok());
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn unusable_token_answers_refused() {
    let at = "2030-01-01T00:00:00.000000Z";
    let body = json!({"token": {"expires_at": at, "project": {"id": super::PROJECT}}});
    let cases: Vec<(Reply, &str, &str)> = vec![
        (
            Reply::json(201, body.clone()),
            "otc-token",
            "without an X-Subject-Token",
        ),
        (
            Reply::json(201, body.clone()).header("x-subject-token", "a b"),
            "api-bad-answer",
            "X-Subject-Token",
        ),
        (
            Reply::json(201, body.clone()).header("x-subject-token", &"t".repeat(70 * 1024)),
            "api-bad-answer",
            "X-Subject-Token",
        ),
        (
            Reply::json(
                201,
                json!({"token": {"expires_at": "soon", "project": {"id": "p"}}}),
            )
            .header("x-subject-token", TOKEN1),
            "otc-token",
            "expires_at",
        ),
        (
            Reply::json(
                201,
                json!({"token": {"expires_at": at, "domain": {"id": "d"}}}),
            )
            .header("x-subject-token", TOKEN1),
            "otc-token",
            "project.id",
        ),
        (
            Reply::raw(201, b"{not json".to_vec()).header("x-subject-token", TOKEN1),
            "api-bad-answer",
            "not JSON",
        ),
    ];
    for (reply, code, want) in cases {
        let fake = FakeApi::start(vec![reply]).await;
        let o = otc(&fake, Project::Name("eu-de".into()));
        let e = o.auth.token().await.expect_err(want);
        assert_eq!(e.code(), code, "{e}");
        assert!(e.to_string().contains(want), "{e}");
        assert!(!e.to_string().contains(TOKEN1), "{e}");
        if let OtcError::Api(api) = &e {
            assert!(matches!(api.kind, ErrorKind::BadAnswer(_)), "{e}");
        }
        assert_eq!(fake.requests().len(), 1, "{want}: not retried");
    }
}
