//! Tests of the volume parser on documented and hostile shapes.

use super::*;
use serde_json::json;

const V: &str = "0d7b3b5f-5a1f-4b8e-9a3e-0123456789ab";
const S: &str = "6f2c1d3e-0000-4a4a-8b8b-abcdefabcdef";
const K: &str = "3b1c9d2e-1111-4c4c-9d9d-0123456789ab";

#[test]
fn documented_shape() {
    let v = json!({"id": V, "name": "data-1", "status": "in-use", "size": 100,
        "metadata": {"__system__encrypted": "1", "__system__cmkid": K, "hw:passthrough": "true"},
        "attachments": [{"server_id": S, "device": "/dev/vdb", "attachment_id": "x",
            "attached_at": "2026-01-01T00:00:00.000000", "host_name": null}]});
    let vol = Volume::from_json(&v).unwrap();
    assert_eq!(vol.id, V);
    assert!(vol.encrypted && vol.kms_encrypted());
    assert_eq!(vol.cmk_id.as_deref(), Some(K));
    assert_eq!(
        vol.attachments,
        vec![Attachment {
            server_id: S.into(),
            device: "/dev/vdb".into()
        }]
    );
    assert!(vol.attached_to(S) && !vol.attached_to(V));
}

#[test]
fn missing_metadata_is_unencrypted() {
    for meta in [json!(null), json!({}), json!({"__system__encrypted": "0"})] {
        let v = json!({"id": V, "name": "d", "metadata": meta, "attachments": []});
        let vol = Volume::from_json(&v).unwrap();
        assert!(!vol.encrypted && !vol.kms_encrypted(), "{meta}");
    }
    let no_key = json!({"id": V, "metadata": {"__system__encrypted": "1"}});
    let vol = Volume::from_json(&no_key).unwrap();
    assert!(vol.encrypted && !vol.kms_encrypted());
    assert_eq!(vol.name, "");
}

#[test]
fn hostile_shapes_refused() {
    let att = |server: &str, dev: &str| json!([{"server_id": server, "device": dev}]);
    let cases = [
        (json!("x"), "not a JSON object"),
        (json!({"name": "d"}), "has no id"),
        (json!({"id": "../../etc"}), "not a UUID"),
        (json!({"id": V, "name": "a\u{1b}[2Jb"}), "control character"),
        (json!({"id": V, "name": "x".repeat(300)}), "longer than 255"),
        (json!({"id": V, "name": 7}), "name is not a string"),
        (
            json!({"id": V, "metadata": {"__system__encrypted": "yes"}}),
            "not \"0\" or \"1\"",
        ),
        (
            json!({"id": V, "metadata": {"__system__encrypted": 1}}),
            "is not a string",
        ),
        (
            json!({"id": V, "metadata": {"__system__cmkid": "k\n"}}),
            "not a KMS key id",
        ),
        (
            json!({"id": V, "metadata": []}),
            "metadata is not an object",
        ),
        (json!({"id": V, "attachments": {}}), "not a list"),
        (
            json!({"id": V, "attachments": att("srv", "/dev/vdb")}),
            "server_id",
        ),
        (
            json!({"id": V, "attachments": att(S, "/dev/../sda")}),
            "device",
        ),
        (
            json!({"id": V, "attachments": [{"device": "/dev/vdb"}]}),
            "no server_id",
        ),
    ];
    for (v, want) in cases {
        let e = Volume::from_json(&v).expect_err(&v.to_string());
        assert!(e.contains(want), "{v}: {e}");
        assert!(!e.chars().any(char::is_control), "{e}");
    }
    let many: Vec<Value> = (0..65)
        .map(|_| json!({"server_id": S, "device": "/dev/vdb"}))
        .collect();
    let e = Volume::from_json(&json!({"id": V, "attachments": many})).unwrap_err();
    assert!(e.contains("more than 64 attachments"), "{e}");
    let meta: serde_json::Map<String, Value> =
        (0..300).map(|i| (format!("k{i}"), json!("v"))).collect();
    let e = Volume::from_json(&json!({"id": V, "metadata": meta})).unwrap_err();
    assert!(e.contains("metadata entries"), "{e}");
}
