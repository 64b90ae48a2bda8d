//! Unit tests of the action parser: hostile action JSON is refused with a
//! reason, never a panic; a valid answer is read in full.

use serde_json::json;

use super::*;

#[test]
fn actions_and_action_read_and_deduplicated() {
    let v = json!({"actions": [
        {"id": 2, "command": "set_firewall_rules", "status": "running", "error": null},
        {"id": 3, "command": "apply_firewall", "status": "success"},
        {"id": 2, "command": "set_firewall_rules", "status": "running"}],
        "action": {"id": 9, "status": "running"}});
    let a = actions_of(&v, "tok-secret").expect("valid");
    let ids: Vec<u64> = a.iter().map(|a| a.id).collect();
    assert_eq!(ids, [2, 3, 9]);
    assert_eq!(a[0].command, "set_firewall_rules");
    assert_eq!(a[1].status, ActionStatus::Success);
    assert!(actions_of(&json!({"firewall": {}}), "")
        .expect("none")
        .is_empty());
    assert!(actions_of(&json!({"actions": [], "action": null}), "")
        .expect("none")
        .is_empty());
    assert!(actions_of(&json!(null), "").expect("no body").is_empty());
}

#[test]
fn hostile_actions_refused() {
    let bad = [
        json!({"actions": {"id": 1}}),
        json!({"action": [1]}),
        json!({"actions": [7]}),
        json!({"actions": [{"status": "running"}]}),
        json!({"actions": [{"id": "1", "status": "running"}]}),
        json!({"actions": [{"id": 0, "status": "running"}]}),
        json!({"actions": [{"id": -4, "status": "running"}]}),
        json!({"actions": [{"id": 1.5, "status": "running"}]}),
        json!({"actions": [{"id": 1e300, "status": "running"}]}),
        json!({"actions": [{"id": 9223372036854775808u64, "status": "running"}]}),
        json!({"actions": [{"id": 1, "status": "done"}]}),
        json!({"actions": [{"id": 1}]}),
        json!({"actions": [{"id": 1, "status": "running", "command": 5}]}),
    ];
    for v in bad {
        let e = actions_of(&v, "").expect_err(&v.to_string());
        assert!(!e.chars().any(char::is_control), "{e}");
    }
    let many: Vec<_> = (1..=MAX_ACTIONS as u64 + 1)
        .map(|i| json!({"id": i, "status": "success"}))
        .collect();
    let e = actions_of(&json!({ "actions": many }), "").expect_err("too many");
    assert!(e.contains("more than 500"), "{e}");
    let max = json!({"actions": [{"id": MAX_ACTION_ID, "status": "success"}]});
    assert_eq!(
        actions_of(&max, "").expect("largest id")[0].id,
        MAX_ACTION_ID
    );
}

#[test]
fn error_text_scrubbed() {
    let v = json!({"id": 5, "command": "apply\u{1b}[2J_firewall", "status": "error",
        "error": {"code": "firewall_resource_not_found\n", "message": "tok-secret-123 \u{202e}gone"}});
    let a = parse_action(&v, "tok-secret-123").expect("valid");
    let (code, message) = a.error.clone().expect("error");
    assert_eq!(code, "firewall_resource_not_found");
    assert_eq!(message, "<redacted> \\u{202e}gone");
    assert_eq!(a.command, "apply\\u{1b}[2J_firewall");
    let bare = parse_action(&json!({"id": 5, "status": "error"}), "").expect("valid");
    assert_eq!(bare.error, Some(("unknown".into(), String::new())));
}

#[test]
fn wait_settings_bounded() {
    assert!(ActionWait::default().validate().is_ok());
    let d = ActionWait::default();
    for w in [
        ActionWait {
            poll: Duration::ZERO,
            ..d
        },
        ActionWait {
            poll: Duration::from_secs(61),
            ..d
        },
        ActionWait { max_polls: 0, ..d },
        ActionWait {
            max_polls: 10_001,
            ..d
        },
        ActionWait {
            budget: Duration::ZERO,
            ..d
        },
        ActionWait {
            budget: d.poll,
            ..d
        },
        ActionWait {
            budget: Duration::from_secs(3601),
            ..d
        },
    ] {
        assert!(w.validate().is_err(), "{w:?}");
    }
}
