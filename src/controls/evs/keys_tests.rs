use serde_json::{json, Value};

use super::*;
use crate::backend::http::otc::Attachment;

fn volume(n: usize, key: String) -> Volume {
    Volume {
        id: format!("00000000-0000-4000-8000-{n:012}"),
        name: String::new(),
        encrypted: true,
        cmk_id: Some(key),
        attachments: vec![Attachment {
            server_id: "6f2c1d3e-0000-4a4a-8b8b-abcdefabcdef".into(),
            device: "/dev/vdb".into(),
        }],
    }
}

fn key(n: usize) -> String {
    format!("3b1c9d2e-1111-4c4c-9d9d-{n:012}")
}

#[test]
fn distinct_keys_are_described_once_and_at_most_max_keys() {
    let vols: Vec<Volume> = (0..40).map(|n| volume(n, key(n))).collect();
    let mut shared = vols.clone();
    shared.push(volume(99, key(0).to_ascii_uppercase()));
    let probes = probes(&shared);
    assert_eq!(
        probes.len(),
        MAX_KEYS,
        "capped, the upper-case twin not twice"
    );
    let Probe::Api { body, path, .. } = &probes[0] else {
        panic!("{:?}", probes[0])
    };
    assert_eq!(path, DESCRIBE_KEY);
    assert_eq!(
        body.as_deref(),
        Some(r#"{"key_id":"3b1c9d2e-1111-4c4c-9d9d-000000000000"}"#)
    );
    // Keys past the cap are not read: failed, saying so; none is in sync
    // without an answer.
    let enabled = json!({"key_info": {"key_id": key(0), "key_state": "2"}});
    let answer = |id: &str| -> Option<&Value> { (id == probe_id(&key(0))).then_some(&enabled) };
    let f = findings(&vols, answer);
    assert_eq!(f.len(), 40);
    assert_eq!(f[0].status, crate::report::model::Status::InSync);
    assert!(f[0].actual.contains("no alias"), "{:?}", f[0]);
    assert!(f[1..]
        .iter()
        .all(|f| f.status == crate::report::model::Status::Failed));
    assert!(f[39]
        .message
        .as_deref()
        .is_some_and(|m| m.contains("at most 32 distinct keys")));
}
