use serde_json::json;

use super::*;

const K: &str = "3b1c9d2e-1111-4c4c-9d9d-0123456789ab";

fn info(state: &str, extra: Value) -> Value {
    let mut v = json!({"key_info": {"key_id": K, "key_alias": "evs/data", "key_state": state,
        "domain_id": "d1", "creation_date": "1502092800000", "default_key_flag": "0"}});
    if let (Some(o), Value::Object(e)) = (v["key_info"].as_object_mut(), extra) {
        o.extend(e);
    }
    v
}

#[test]
fn states_alias_and_deletion_date_read() {
    let k = parse_key(&info("2", json!({})), K).expect("enabled");
    assert_eq!(
        (k.state, k.alias.as_str(), k.deletion),
        (KeyState::Enabled, "evs/data", None)
    );
    let k = parse_key(&info("3", json!({})), K).expect("disabled");
    assert_eq!(k.state.words(), "disabled");
    let k = parse_key(
        &info("4", json!({"scheduled_deletion_date": "1798761600000"})),
        K,
    )
    .expect("pending deletion");
    assert_eq!(
        (k.state, k.deletion),
        (KeyState::PendingDeletion, Some(1_798_761_600))
    );
    assert_eq!(
        parse_key(&info("5", json!({})), K).expect("import").state,
        KeyState::PendingImport
    );
}

#[test]
fn hostile_answers_refused() {
    let cases = [
        (json!({"key": {}}), "no object \"key_info\""),
        (info("9", json!({})), "not one of KMS's states"),
        (
            info(&"2".repeat(100_000), json!({})),
            "not one of KMS's states",
        ),
        (
            info("2", json!({"key_state": 2})),
            "key_state is not a string",
        ),
        (
            info("2", json!({"key_alias": "evil\u{1b}]0;x\u{7}"})),
            "key_alias it contains",
        ),
        (
            info("2", json!({"key_alias": "a".repeat(256)})),
            "key_alias it is longer",
        ),
        (
            info("2", json!({"key_id": "../../x"})),
            "not the key asked for",
        ),
        (info("4", json!({})), "names no scheduled_deletion_date"),
        (
            info("4", json!({"scheduled_deletion_date": "soon\n"})),
            "not a time in milliseconds",
        ),
        (
            info(
                "4",
                json!({"scheduled_deletion_date": "99999999999999999999"}),
            ),
            "not a time",
        ),
    ];
    for (v, want) in cases {
        let e = parse_key(&v, K).expect_err(want);
        assert!(e.contains(want), "{want}: {e}");
        assert!(!e.chars().any(char::is_control), "{e:?}");
        assert!(e.len() < 300, "{e}");
    }
}
