//! The `evs-key` findings: the KMS key (CMK) each KMS-encrypted volume
//! attached to the host's server is encrypted with must be enabled, or
//! the volume's data cannot be read (disabled, waiting for key material)
//! or will be lost (scheduled for deletion). The keys are read once each
//! ([`probes`]: `POST /v1.0/{project_id}/kms/describe-key`, at most
//! [`MAX_KEYS`] distinct ones); one finding per volume: in sync when the
//! key is enabled (naming its alias), drift when it is in another state
//! (naming the volume, the key, the state in words and, when scheduled
//! for deletion, the date), failed when it cannot be read (403: the IAM
//! permission `kms:cmk:get` is missing; 404: no such key) or its answer
//! is refused.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::backend::http::otc::kms::{
    describe_body, parse_key, KeyState, DESCRIBE_KEY, PERMISSION,
};
use crate::backend::http::otc::{parse_volumes, Volume};
use crate::contract::api::Service;
use crate::contract::Probe;
use crate::controls::cloud::server::Server;
use crate::report::model::{Finding, Fix};

/// The most distinct keys described for one host.
pub const MAX_KEYS: usize = 32;

/// What every key finding says was read.
pub const READ: &str = "POST /v1.0/{project_id}/kms/describe-key, key_info.key_state";

/// The probe id of key `id`.
pub fn probe_id(key: &str) -> String {
    format!("kms-key-{}", key.to_ascii_lowercase())
}

/// The KMS-encrypted volumes attached to `server` in the listing (none
/// when the listing is missing or refused: the `evs-volumes` finding
/// says so).
pub fn encrypted_attached(server: &Server, listing: Option<&Value>) -> Vec<Volume> {
    let Some(Value::Array(items)) = listing else {
        return Vec::new();
    };
    let Ok(all) = parse_volumes(items, "GET /v2/{project_id}/cloudvolumes/detail") else {
        return Vec::new();
    };
    all.into_iter()
        .filter(|v| v.attached_to(&server.id) && v.kms_encrypted())
        .collect()
}

/// The describe probes of the distinct keys of `volumes` (the first
/// [`MAX_KEYS`], in id order).
pub fn probes(volumes: &[Volume]) -> Vec<Probe> {
    keys(volumes)
        .into_iter()
        .take(MAX_KEYS)
        .map(|k| {
            Probe::api_post_read(
                Some(Service::OtcKms),
                &probe_id(&k),
                DESCRIBE_KEY,
                &describe_body(&k),
            )
        })
        .collect()
}

fn keys(volumes: &[Volume]) -> BTreeSet<String> {
    volumes
        .iter()
        .filter_map(|v| v.cmk_id.as_ref().map(|k| k.to_ascii_lowercase()))
        .collect()
}

/// One `evs-key` finding per volume, from the answers `answer(probe id)`.
pub fn findings<'a>(
    volumes: &[Volume],
    answer: impl Fn(&str) -> Option<&'a Value>,
) -> Vec<Finding> {
    volumes
        .iter()
        .filter_map(|v| {
            v.cmk_id
                .as_ref()
                .map(|k| finding(v, k, answer(&probe_id(k))))
        })
        .collect()
}

fn finding(v: &Volume, key: &str, answer: Option<&Value>) -> Finding {
    let name = if v.name.is_empty() {
        "unnamed"
    } else {
        v.name.as_str()
    };
    let volume = format!("{} ({name})", v.id);
    let f = Finding::new(
        "evs",
        "evs-key",
        volume.clone(),
        crate::tom::DISK_ENCRYPTION.id,
    );
    let expected = format!("KMS key {key} enabled (key_state 2)");
    let Some(answer) = answer else {
        return f.failed(format!(
            "volume {volume}: KMS key {key} was not read: harden describes at most {MAX_KEYS} distinct keys per host (read: {READ})"
        ));
    };
    if let Some(e) = answer.get("read_error") {
        return f.failed(read_failed(&volume, key, e));
    }
    let k = match parse_key(answer, key) {
        Ok(k) => k,
        Err(why) => {
            return f.failed(format!(
                "volume {volume}: the KMS answer for key {key} is refused: {why} (read: {READ})"
            ))
        }
    };
    let alias = if k.alias.is_empty() {
        "no alias".to_string()
    } else {
        format!("alias {}", k.alias)
    };
    if k.state == KeyState::Enabled {
        return f
            .ok(format!("KMS key {key} ({alias}) enabled"))
            .with_message(format!(
                "volume {volume} is encrypted with it; read: {READ}"
            ));
    }
    let (state, fix) = match (k.state, k.deletion) {
        (KeyState::PendingDeletion, Some(at)) => {
            let when = crate::timefmt::rfc3339(at);
            (
                format!("scheduled for deletion on {when}"),
                format!("cancel the key's deletion in KMS before {when} and enable it; once the key is deleted the volume's data, its snapshots and backups cannot be decrypted by anyone"),
            )
        }
        (KeyState::Disabled, _) => (
            "disabled".to_string(),
            "enable the key in KMS (or move the data to a volume encrypted with an enabled key)"
                .to_string(),
        ),
        (s, _) => (
            s.words().to_string(),
            "finish the key in KMS (import its key material) and enable it".to_string(),
        ),
    };
    let code = match k.state {
        KeyState::Creating => 1,
        KeyState::Enabled => 2,
        KeyState::Disabled => 3,
        KeyState::PendingDeletion => 4,
        KeyState::PendingImport => 5,
    };
    f.drift(
        expected,
        format!("KMS key {key} ({alias}) is {state} (key_state {code})"),
        Fix::None,
    )
    .with_message(format!(
        "volume {volume} is encrypted with KMS key {key}, which is {state}: EVS cannot use the key, so the volume's data cannot be read once the volume is detached or the server restarted; {fix} (read: {READ})"
    ))
}

fn read_failed(volume: &str, key: &str, e: &Value) -> String {
    let status = e.get("status").and_then(Value::as_u64);
    let why = match status {
        Some(403) => format!(
            "KMS refused to describe it (403): grant harden's IAM user the permission {PERMISSION} (for example the KMS read-only role) in the project"
        ),
        Some(404) => "KMS has no such key (404): it was deleted or is in another project; the volume's data cannot be decrypted without it".to_string(),
        _ => {
            let msg = e.get("message").and_then(Value::as_str).unwrap_or("the read failed");
            crate::backend::http::otc::kms::shown_error(msg)
        }
    };
    format!("volume {volume}: KMS key {key} cannot be checked: {why} (read: {READ})")
}

#[cfg(test)]
#[path = "keys_tests.rs"]
mod tests;
