//! One EVS volume as harden reads it from `cloudvolumes/detail`: its id,
//! name, KMS encryption (the `__system__encrypted` and `__system__cmkid`
//! metadata, since the list call documents its `encrypted` field as not
//! supported) and its attachments. Everything is checked: ids are UUIDs,
//! devices `/dev/<name>`, names free of control characters, counts capped;
//! a volume that breaks a rule is refused, never guessed at.

use serde_json::{Map, Value};

use super::ids;

/// The metadata key that says a volume is encrypted (`"1"`) or not (`"0"`).
pub const ENCRYPTED_KEY: &str = "__system__encrypted";
/// The metadata key naming the KMS key (CMK) id.
pub const CMK_KEY: &str = "__system__cmkid";
/// The most attachments read for one volume.
pub const MAX_ATTACHMENTS: usize = 64;
/// The most metadata entries read for one volume.
pub const MAX_METADATA: usize = 256;

/// An EVS volume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume {
    /// The volume id (a UUID).
    pub id: String,
    /// Its name (may be empty).
    pub name: String,
    /// `__system__encrypted` is `"1"`; absent means not encrypted.
    pub encrypted: bool,
    /// `__system__cmkid`, the KMS key it is encrypted with.
    pub cmk_id: Option<String>,
    /// The servers it is attached to.
    pub attachments: Vec<Attachment>,
}

/// A volume's attachment to a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The ECS server id (a UUID).
    pub server_id: String,
    /// The device the server sees (`/dev/vdb`).
    pub device: String,
}

impl Volume {
    /// Encrypted by EVS with a named KMS key.
    pub fn kms_encrypted(&self) -> bool {
        self.encrypted && self.cmk_id.is_some()
    }

    /// Attached to `server_id`.
    pub fn attached_to(&self, server_id: &str) -> bool {
        self.attachments
            .iter()
            .any(|a| a.server_id.eq_ignore_ascii_case(server_id))
    }

    /// One volume of a `volumes` list; the error says what is wrong.
    pub fn from_json(v: &Value) -> Result<Volume, String> {
        let o = v.as_object().ok_or("a volume is not a JSON object")?;
        let id = str_field(o, "id")?.ok_or("a volume has no id")?;
        if !ids::is_uuid(id) {
            return Err(format!("volume id {:?} is not a UUID", ids::shown(id)));
        }
        let at = |why: String| format!("volume {id}: {why}");
        let name = str_field(o, "name").map_err(at)?.unwrap_or("");
        ids::text_ok(name, 255).map_err(|w| at(format!("its name {w}")))?;
        let (encrypted, cmk_id) = encryption(o.get("metadata")).map_err(at)?;
        let attachments = attachments(o.get("attachments")).map_err(at)?;
        Ok(Volume {
            id: id.to_string(),
            name: name.to_string(),
            encrypted,
            cmk_id,
            attachments,
        })
    }
}

/// A string field: absent or null is `None`; another type is an error.
fn str_field<'a>(o: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, String> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("{key} is not a string")),
    }
}

fn encryption(meta: Option<&Value>) -> Result<(bool, Option<String>), String> {
    let m = match meta {
        None | Some(Value::Null) => return Ok((false, None)),
        Some(Value::Object(m)) => m,
        Some(_) => return Err("metadata is not an object".into()),
    };
    if m.len() > MAX_METADATA {
        return Err(format!("more than {MAX_METADATA} metadata entries"));
    }
    let encrypted = match str_field(m, ENCRYPTED_KEY)? {
        None | Some("0") => false,
        Some("1") => true,
        Some(other) => {
            return Err(format!(
                "metadata {ENCRYPTED_KEY} is {:?}, not \"0\" or \"1\"",
                ids::shown(other)
            ))
        }
    };
    let cmk_id = match str_field(m, CMK_KEY)? {
        None | Some("") => None,
        Some(k) if ids::is_uuid(k) => Some(k.to_string()),
        Some(k) => {
            return Err(format!(
                "metadata {CMK_KEY} {:?} is not a KMS key id",
                ids::shown(k)
            ))
        }
    };
    Ok((encrypted, cmk_id))
}

fn attachments(v: Option<&Value>) -> Result<Vec<Attachment>, String> {
    let list = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => return Err("attachments is not a list".into()),
    };
    if list.len() > MAX_ATTACHMENTS {
        return Err(format!("more than {MAX_ATTACHMENTS} attachments"));
    }
    list.iter()
        .map(|a| {
            let o = a.as_object().ok_or("an attachment is not an object")?;
            let server_id = str_field(o, "server_id")?.ok_or("an attachment has no server_id")?;
            if !ids::is_uuid(server_id) {
                return Err(format!(
                    "attachment server_id {:?} is not a UUID",
                    ids::shown(server_id)
                ));
            }
            let device = str_field(o, "device")?.ok_or("an attachment has no device")?;
            if !ids::is_device(device) {
                return Err(format!(
                    "attachment device {:?} is not /dev/<name>",
                    ids::shown(device)
                ));
            }
            Ok(Attachment {
                server_id: server_id.to_string(),
                device: device.to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
#[path = "volume_tests.rs"]
mod tests;
