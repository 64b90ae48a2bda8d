//! EVS volume listing against the fake API: `limit`/`marker` paging over
//! several pages, the "not KMS-encrypted on server S" answer (a volume
//! without the metadata keys counts as unencrypted), and garbage, hostile
//! or huge answers refused with a typed error.

use harden::backend::http::otc::{
    list_volumes, not_kms_encrypted, server_volumes_not_kms_encrypted, EvsLimits, Project,
};
use harden::backend::http::ErrorKind;
use serde_json::json;

use super::{otc, page, token_reply, vid, volume, KEY, LIST, OTHER, SERVER, TOKEN1};
use crate::fake_api::server::{FakeApi, Reply};

fn enc() -> serde_json::Value {
    json!({"__system__encrypted": "1", "__system__cmkid": KEY})
}

#[tokio::test]
async fn pages_followed_by_marker_and_the_unencrypted_found() {
    let limits = EvsLimits {
        page_size: 2,
        ..EvsLimits::default()
    };
    let fake = FakeApi::start(vec![
        token_reply(TOKEN1, 24 * 3600),
        page(
            vec![
                volume(1, Some(SERVER), enc()),
                volume(2, Some(SERVER), json!({})),
            ],
            true,
        ),
        // A full page without a next link: EVS may leave it out; read on.
        page(
            vec![
                volume(3, Some(SERVER), json!({"__system__encrypted": "1"})),
                volume(4, Some(OTHER), json!({})),
            ],
            false,
        ),
        // Full again: the empty page after it ends the list.
        page(vec![volume(5, None, json!(null)), volume_no_meta(6)], false),
        page(vec![], false),
    ])
    .await;
    let o = otc(&fake, Project::Name("eu-de".into()));
    let all = list_volumes(&o.auth, &o.evs, limits).await.expect("pages");
    let ids: Vec<String> = all.iter().map(|v| v.id.clone()).collect();
    assert_eq!(ids, (1..=6).map(vid).collect::<Vec<_>>());
    let base = LIST.replace("limit=1000", "limit=2");
    let targets: Vec<String> = fake.requests()[1..]
        .iter()
        .map(|r| r.target.clone())
        .collect();
    assert_eq!(
        targets,
        [
            base.clone(),
            format!("{base}&marker={}", vid(2)),
            format!("{base}&marker={}", vid(4)),
            format!("{base}&marker={}", vid(6)),
        ]
    );
    assert!(all[0].kms_encrypted() && all[0].cmk_id.as_deref() == Some(KEY));
    assert_eq!(all[1].attachments[0].device, "/dev/vdb");

    // On SERVER: 2 has no metadata keys, 3 is encrypted without a KMS key
    // id; 1 is fine, 4 is on another server, 5 and 6 are not attached.
    let bad: Vec<&str> = not_kms_encrypted(&all, SERVER)
        .iter()
        .map(|v| v.id.as_str())
        .collect();
    assert_eq!(bad, [vid(2), vid(3)]);
    assert_eq!(not_kms_encrypted(&all, OTHER).len(), 1);
    assert!(not_kms_encrypted(&all, "11111111-0000-4000-8000-000000000000").is_empty());
    assert_eq!((fake.unused(), fake.unexpected()), (0, 0));

    // The same through the one-call helper; a hostile server id is refused unsent.
    let fake = FakeApi::start(vec![
        token_reply(TOKEN1, 24 * 3600),
        page(
            vec![
                volume(1, Some(SERVER), json!({})),
                volume(2, Some(SERVER), enc()),
            ],
            false,
        ),
    ])
    .await;
    let o = otc(&fake, Project::Name("eu-de".into()));
    let bad = server_volumes_not_kms_encrypted(&o.auth, &o.evs, EvsLimits::default(), SERVER)
        .await
        .expect("helper");
    assert_eq!(
        bad.iter().map(|v| v.id.clone()).collect::<Vec<_>>(),
        [vid(1)]
    );
    let e = server_volumes_not_kms_encrypted(&o.auth, &o.evs, EvsLimits::default(), "x&y=1")
        .await
        .expect_err("bad id");
    assert_eq!(e.code(), "otc-setting");
    assert_eq!(fake.requests().len(), 2);
}

fn volume_no_meta(n: u32) -> serde_json::Value {
    json!({"id": vid(n), "name": "bare", "attachments": []})
}

#[tokio::test]
async fn pages_that_do_not_advance_or_never_end_are_refused() {
    let limits = EvsLimits {
        page_size: 1,
        max_pages: 3,
        ..EvsLimits::default()
    };
    let fake = FakeApi::start(vec![
        token_reply(TOKEN1, 24 * 3600),
        page(vec![volume(1, None, json!({}))], true),
        page(vec![volume(1, None, json!({}))], true),
    ])
    .await;
    let o = otc(&fake, Project::Name("eu-de".into()));
    let e = list_volumes(&o.auth, &o.evs, limits)
        .await
        .expect_err("repeat");
    assert_eq!(e.code(), "otc-answer");
    assert!(e.to_string().contains("listed twice"), "{e}");

    let mut script = vec![token_reply(TOKEN1, 24 * 3600)];
    script.extend((1..=5).map(|n| page(vec![volume(n, None, json!({}))], true)));
    let fake = FakeApi::start(script).await;
    let o = otc(&fake, Project::Name("eu-de".into()));
    let e = list_volumes(&o.auth, &o.evs, limits)
        .await
        .expect_err("endless");
    assert!(e.to_string().contains("more than 3 pages"), "{e}");
    assert_eq!(fake.requests().len(), 4, "one token, three pages");

    // A page larger than the limit asked for, and a cap on all volumes.
    let fake = FakeApi::start(vec![
        token_reply(TOKEN1, 24 * 3600),
        page(
            vec![volume(1, None, json!({})), volume(2, None, json!({}))],
            false,
        ),
    ])
    .await;
    let o = otc(&fake, Project::Name("eu-de".into()));
    let e = list_volumes(&o.auth, &o.evs, limits)
        .await
        .expect_err("oversized page");
    assert!(
        e.to_string().contains("2 volumes on a page of at most 1"),
        "{e}"
    );
    let capped = EvsLimits {
        max_volumes: 2,
        ..EvsLimits::default()
    };
    let three = (1..=3).map(|n| volume(n, None, json!({}))).collect();
    let fake = FakeApi::start(vec![token_reply(TOKEN1, 24 * 3600), page(three, false)]).await;
    let o = otc(&fake, Project::Name("eu-de".into()));
    let e = list_volumes(&o.auth, &o.evs, capped)
        .await
        .expect_err("too many");
    assert!(e.to_string().contains("more than 2 volumes"), "{e}");
}

#[tokio::test]
async fn garbage_hostile_and_huge_answers_refused() {
    let hostile_name = json!({"id": vid(1), "name": "evil\u{1b}]0;pwned\u{7}", "attachments": []});
    let cases: Vec<(Reply, &str, &str)> = vec![
        (
            Reply::raw(200, b"<html>gateway</html>".to_vec()),
            "api-bad-answer",
            "not JSON",
        ),
        (
            Reply::json(200, json!({"servers": []})),
            "otc-answer",
            "no list \"volumes\"",
        ),
        (
            Reply::json(200, json!({"volumes": {}})),
            "otc-answer",
            "no list \"volumes\"",
        ),
        (
            Reply::json(200, json!({"volumes": [hostile_name]})),
            "otc-answer",
            "control character",
        ),
        (
            Reply::json(
                200,
                json!({"volumes": [{"id": "../../../../x", "name": "d"}]}),
            ),
            "otc-answer",
            "not a UUID",
        ),
        (
            Reply::json(
                200,
                json!({"volumes": [volume(1, Some("srv\r\nX: 1"), json!({}))]}),
            ),
            "otc-answer",
            "server_id",
        ),
        (
            Reply::json(
                200,
                json!({"volumes": [volume(1, None, json!({"__system__encrypted": true}))]}),
            ),
            "otc-answer",
            "__system__encrypted is not a string",
        ),
        (
            Reply::raw(
                200,
                format!("{{\"volumes\":[],\"x\":\"{}\"}}", "a".repeat(300 * 1024)).into_bytes(),
            )
            .chunked(),
            "api-body-too-large",
            "larger than 262144 bytes",
        ),
    ];
    for (reply, code, want) in cases {
        let fake = FakeApi::start(vec![token_reply(TOKEN1, 24 * 3600), reply]).await;
        let o = otc(&fake, Project::Name("eu-de".into()));
        let e = list_volumes(&o.auth, &o.evs, EvsLimits::default())
            .await
            .expect_err(want);
        let shown = e.to_string();
        assert_eq!(e.code(), code, "{shown}");
        assert!(shown.contains(want), "{want}: {shown}");
        assert!(!shown.chars().any(char::is_control), "{shown}");
        assert!(!shown.contains(TOKEN1), "{shown}");
        if code == "api-body-too-large" {
            let harden::backend::http::otc::OtcError::Api(api) = &e else {
                panic!()
            };
            assert_eq!(api.kind, ErrorKind::BodyTooLarge { limit: 256 * 1024 });
        }
        assert_eq!(fake.requests().len(), 2, "{want}: not retried");
    }
}
