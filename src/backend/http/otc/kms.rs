//! KMS: what harden reads of the key (CMK) an EVS volume is encrypted
//! with, `POST /v1.0/{project_id}/kms/describe-key` with `{"key_id"}`
//! (a read, though a POST: see `contract::api::POST_READS`), answered
//! `{"key_info": {"key_id", "key_alias", "key_state",
//! "scheduled_deletion_date", …}}`. Every field is checked: the id is
//! the UUID asked for, the alias at most 255 bytes without a control
//! character, the state one of KMS's documented one-digit codes, the
//! deletion date a Unix time in milliseconds; an answer that breaks a
//! rule is refused whole.

use serde_json::{json, Map, Value};

use super::auth::OtcAuth;
use super::error::OtcError;
use super::ids;
use crate::backend::http::{ApiCall, ApiClient};
use crate::contract::api::Method;

/// The describe call's path (the backend fills in the project id).
pub const DESCRIBE_KEY: &str = "/v1.0/{project_id}/kms/describe-key";
/// The IAM permission the describe needs.
pub const PERMISSION: &str = "kms:cmk:get";

/// A key's state (`key_state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyState {
    /// `"1"`: being created.
    Creating,
    /// `"2"`: enabled, usable.
    Enabled,
    /// `"3"`: disabled.
    Disabled,
    /// `"4"`: scheduled for deletion.
    PendingDeletion,
    /// `"5"`: waiting for imported key material.
    PendingImport,
}

impl KeyState {
    /// The state of a `key_state` code.
    pub fn from_code(s: &str) -> Option<KeyState> {
        Some(match s {
            "1" => KeyState::Creating,
            "2" => KeyState::Enabled,
            "3" => KeyState::Disabled,
            "4" => KeyState::PendingDeletion,
            "5" => KeyState::PendingImport,
            _ => return None,
        })
    }

    /// The state in words.
    pub fn words(self) -> &'static str {
        match self {
            KeyState::Creating => "being created",
            KeyState::Enabled => "enabled",
            KeyState::Disabled => "disabled",
            KeyState::PendingDeletion => "scheduled for deletion",
            KeyState::PendingImport => "waiting for its key material to be imported",
        }
    }
}

/// A described key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// The key id (a UUID).
    pub id: String,
    /// Its alias (may be empty).
    pub alias: String,
    /// Its state.
    pub state: KeyState,
    /// When it will be deleted (Unix seconds), for a key scheduled so.
    pub deletion: Option<u64>,
}

/// The describe body for `key_id`.
pub fn describe_body(key_id: &str) -> Value {
    json!({ "key_id": key_id })
}

/// The key of a describe answer for `asked`; the error says what is wrong.
pub fn parse_key(v: &Value, asked: &str) -> Result<KeyInfo, String> {
    let o = v
        .get("key_info")
        .and_then(Value::as_object)
        .ok_or("it has no object \"key_info\"")?;
    let id = text(o, "key_id")?.ok_or("key_info has no key_id")?;
    if !id.eq_ignore_ascii_case(asked) {
        return Err(format!(
            "key_id {:?} is not the key asked for",
            ids::shown(id)
        ));
    }
    let alias = text(o, "key_alias")?.unwrap_or("");
    ids::text_ok(alias, 255).map_err(|w| format!("key_alias {w}"))?;
    let code = text(o, "key_state")?.ok_or("key_info has no key_state")?;
    let state = KeyState::from_code(code).ok_or_else(|| {
        format!(
            "key_state {:?} is not one of KMS's states 1-5",
            ids::shown(code)
        )
    })?;
    let deletion = match text(o, "scheduled_deletion_date")? {
        None | Some("") => None,
        Some(ms) => Some(millis(ms).ok_or_else(|| {
            format!(
                "scheduled_deletion_date {:?} is not a time in milliseconds",
                ids::shown(ms)
            )
        })?),
    };
    if state == KeyState::PendingDeletion && deletion.is_none() {
        return Err(
            "the key is scheduled for deletion but names no scheduled_deletion_date".into(),
        );
    }
    Ok(KeyInfo {
        id: id.to_string(),
        alias: alias.to_string(),
        state,
        deletion,
    })
}

/// A string field; absent or null is `None`, another type an error.
fn text<'a>(o: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, String> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("{key} is not a string")),
    }
}

/// Milliseconds since 1970 (at most 13 digits, before the year 2286) as
/// seconds.
fn millis(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 13 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<u64>().ok().map(|ms| ms / 1000)
}

/// Describes `key_id` (a UUID; another is refused before anything is
/// sent) through `kms`.
pub async fn describe_key(
    auth: &OtcAuth,
    kms: &ApiClient,
    key_id: &str,
) -> Result<KeyInfo, OtcError> {
    if !ids::is_uuid(key_id) {
        return Err(OtcError::Setting(format!(
            "KMS key id {:?} is not a UUID",
            ids::shown(key_id)
        )));
    }
    let project = auth.project_id().await?;
    let path = DESCRIBE_KEY.replace(crate::contract::api::PROJECT_ID, &project);
    let describe = format!("POST {DESCRIBE_KEY}");
    let call = ApiCall::new(Method::Post, path, Some(describe_body(key_id)), &describe)
        .map_err(|e| OtcError::Setting(e.to_string()))?;
    let resp = auth.call(kms, &call).await?;
    parse_key(&resp.json, key_id).map_err(|why| OtcError::Answer {
        call: describe,
        why,
    })
}

#[cfg(test)]
#[path = "kms_tests.rs"]
mod tests;

/// An error text for a message: control characters escaped, at most 300
/// characters.
pub fn shown_error(s: &str) -> String {
    crate::notify::scrub_body(s.as_bytes(), &[])
        .chars()
        .take(300)
        .collect()
}
