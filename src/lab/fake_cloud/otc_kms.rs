//! The KMS route of the OTC fake: `POST /v1.0/{project}/kms/describe-key`
//! with `{"key_id": "<uuid>"}`, answered `{"key_info": {…}}` in KMS's
//! documented shape from the keys of [`OtcState::keys`] (their state can
//! be changed between runs). Errors in KMS's shape (`{"error":
//! {"error_code", "error_msg"}}`): 400 for a body that is not JSON or has
//! no string `key_id`, 403 while [`OtcState::kms_forbidden`] (the IAM
//! user lacks `kms:cmk:get`), 404 for an unknown key.

use serde_json::{json, Value};

use super::state::OtcState;
use crate::lab::fake_http::{Reply, Request};

/// A KMS key (CMK) of the fake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// The key id (a UUID).
    pub id: String,
    /// Its alias.
    pub alias: String,
    /// `key_state` as sent (`"2"` enabled, `"3"` disabled, `"4"` pending
    /// deletion, `"5"` pending import; anything, for hostile tests).
    pub state: String,
    /// `scheduled_deletion_date` as sent (milliseconds; empty: none).
    pub deletion: String,
}

impl Key {
    /// An enabled key.
    pub fn enabled(id: &str, alias: &str) -> Key {
        Key {
            id: id.into(),
            alias: alias.into(),
            state: "2".into(),
            deletion: String::new(),
        }
    }

    /// KMS's `key_info`.
    pub fn json(&self, domain: &str) -> Value {
        json!({"key_id": self.id, "domain_id": domain, "key_alias": self.alias,
            "realm": "eu-de", "key_description": "", "creation_date": "1767225600000",
            "scheduled_deletion_date": self.deletion, "key_state": self.state,
            "default_key_flag": "0", "key_type": "1", "expiration_time": "",
            "origin": "kms"})
    }
}

fn kms_error(status: u16, code: &str, msg: &str) -> Reply {
    Reply::json(
        status,
        json!({"error": {"error_code": code, "error_msg": msg}}),
    )
}

pub(super) fn describe(st: &OtcState, req: &Request) -> Reply {
    let asked = serde_json::from_slice::<Value>(&req.body)
        .ok()
        .and_then(|v| v.get("key_id").and_then(Value::as_str).map(str::to_string));
    let Some(asked) = asked else {
        return kms_error(400, "KMS.0201", "Invalid request URL or body.");
    };
    if st.kms_forbidden {
        return kms_error(
            403,
            "KMS.0303",
            "Policy doesn't allow kms:cmk:get to be performed.",
        );
    }
    match st.keys.iter().find(|k| k.id == asked) {
        Some(k) => Reply::json(200, json!({"key_info": k.json(&st.user.domain)})),
        None => kms_error(404, "KMS.0207", "The key does not exist."),
    }
}
