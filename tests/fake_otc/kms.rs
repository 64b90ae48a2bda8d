//! KMS `describe-key` against the scripted fake: the documented request
//! (`POST /v1.0/{project_id}/kms/describe-key`, `{"key_id"}`, the
//! project token) and answer, the errors (403 without `kms:cmk:get`,
//! 404, 400) as typed errors that never show the token, and hostile
//! answers refused with `otc-answer`; a key id that is no UUID is
//! refused unsent.

use harden::backend::http::otc::{describe_key, KeyState, Project};
use harden::backend::http::{ApiClient, Credential};
use serde_json::{json, Value};

use super::{otc, test_config, token_reply, KEY, PROJECT, TOKEN1};
use crate::fake_api::server::{FakeApi, Reply};

fn kms(fake: &FakeApi) -> ApiClient {
    ApiClient::new(&test_config("otc-kms", fake.url("/kms"), Credential::None)).expect("kms")
}

fn key_info(state: &str, alias: &str) -> Reply {
    Reply::json(
        200,
        json!({"key_info": {"key_id": KEY, "domain_id": "b168fe00ff56492495a7d22974df2d0b",
            "key_alias": alias, "realm": "eu-de", "key_description": "",
            "creation_date": "1502799822000", "scheduled_deletion_date": "",
            "key_state": state, "default_key_flag": "0", "key_type": "1",
            "expiration_time": "", "origin": "kms"}}),
    )
}

#[tokio::test]
async fn describe_key_posts_the_key_id_and_reads_the_state() {
    let fake = FakeApi::start(vec![
        token_reply(TOKEN1, 24 * 3600),
        key_info("3", "evs/db"),
    ])
    .await;
    let o = otc(&fake, Project::Name("eu-de".into()));
    let k = describe_key(&o.auth, &kms(&fake), KEY).await.expect("key");
    assert_eq!((k.state, k.alias.as_str()), (KeyState::Disabled, "evs/db"));
    let reqs = fake.requests();
    let post = &reqs[1];
    assert_eq!(
        (post.method.as_str(), post.target.clone()),
        ("POST", format!("/kms/v1.0/{PROJECT}/kms/describe-key"))
    );
    assert_eq!(post.header("x-auth-token"), Some(TOKEN1));
    let body: Value = serde_json::from_slice(&post.body).expect("json body");
    assert_eq!(body, json!({"key_id": KEY}));

    let e = describe_key(&o.auth, &kms(&fake), "k\"}, {\"x")
        .await
        .expect_err("no UUID");
    assert_eq!(e.code(), "otc-setting");
    assert_eq!(fake.requests().len(), 2, "refused unsent");
}

#[tokio::test]
async fn errors_and_hostile_answers_are_typed_and_scrubbed() {
    let cases: Vec<(Reply, &str, Option<u16>, &str)> = vec![
        (
            Reply::json(
                403,
                json!({"error": {"error_code": "KMS.0303",
                "error_msg": format!("Policy doesn't allow kms:cmk:get ({TOKEN1})")}}),
            ),
            "api-answer",
            Some(403),
            "HTTP 403",
        ),
        (
            Reply::json(
                404,
                json!({"error": {"error_code": "KMS.0207", "error_msg": "The key does not exist."}}),
            ),
            "api-answer",
            Some(404),
            "404",
        ),
        (
            Reply::json(
                400,
                json!({"error": {"error_code": "KMS.0201", "error_msg": "Invalid request URL or body."}}),
            ),
            "api-answer",
            Some(400),
            "400",
        ),
        (
            Reply::raw(200, b"{\"key_info\": ".to_vec()),
            "api-bad-answer",
            None,
            "not JSON",
        ),
        (
            key_info("22", "evs/db"),
            "otc-answer",
            None,
            "not one of KMS's states",
        ),
        (
            key_info("2", "evil\u{1b}]0;pwned\u{7}"),
            "otc-answer",
            None,
            "key_alias",
        ),
    ];
    for (reply, code, status, want) in cases {
        let fake = FakeApi::start(vec![token_reply(TOKEN1, 24 * 3600), reply]).await;
        let o = otc(&fake, Project::Name("eu-de".into()));
        let e = describe_key(&o.auth, &kms(&fake), KEY)
            .await
            .expect_err(want);
        let shown = format!("{e}");
        assert_eq!((e.code(), e.status()), (code, status), "{shown}");
        assert!(shown.contains(want), "{want}: {shown}");
        assert!(!shown.chars().any(char::is_control), "{shown:?}");
        assert!(!format!("{shown}{e:?}").contains(TOKEN1), "{shown}");
        assert_eq!(
            fake.requests().len(),
            2,
            "{want}: one describe, not retried"
        );
    }
}
