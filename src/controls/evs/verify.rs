//! The findings of the `evs` control, from the server lookup and the
//! volume listing: one `evs-volume` per volume attached to the server
//! (in sync when KMS-encrypted, naming the key; drift otherwise), or one
//! `evs-volumes` drift when there is nothing to prove (no volume
//! attached) or no way to tell (the server is not found, the listing is
//! missing or malformed). Each says what was read and what was expected.
//! Report-only: EVS encryption is set when a volume is created and
//! cannot be switched on later.

use serde_json::Value;

use crate::backend::http::otc::{parse_volumes, Volume};
use crate::controls::cloud::server::Server;
use crate::report::model::{Finding, Fix};

const TOM: &str = crate::tom::DISK_ENCRYPTION.id;

/// What every finding says was read.
pub const READ: &str =
    "GET /v2/{project_id}/cloudvolumes/detail, metadata __system__encrypted and __system__cmkid";

/// What a volume must show.
pub const EXPECTED: &str =
    "encrypted by EVS with a KMS key (__system__encrypted = \"1\" and a __system__cmkid)";

fn volumes_finding(item: &str) -> Finding {
    Finding::new("evs", "evs-volumes", item, TOM)
}

/// The findings for the host's server `wanted` (as the inventory names
/// it), the lookup's result and the listing's answer (a JSON array).
pub fn findings(
    wanted: &str,
    found: Result<Server, String>,
    listing: Option<&Value>,
) -> Vec<Finding> {
    let server = match found {
        Ok(s) => s,
        Err(why) => {
            return vec![volumes_finding(wanted)
                .drift(
                    format!("the host's {wanted}, with its volumes {EXPECTED}"),
                    why,
                    Fix::None,
                )
                .with_message(format!(
                    "the volumes cannot be checked: harden cannot tell which ECS server is this host (read: GET /v2.1/{{project_id}}/servers; name it in hosts[].cloud); {READ} not judged"
                ))]
        }
    };
    let item = format!("server {} ({})", server.id, server.name);
    let items: &[Value] = match listing {
        Some(Value::Array(a)) => a,
        _ => {
            return vec![volumes_finding(&item)
                .drift(EXPECTED, "no volume listing", Fix::None)
                .with_message(format!(
                    "the volume listing was not answered as a list (read: {READ})"
                ))]
        }
    };
    let volumes = match parse_volumes(items, "GET /v2/{project_id}/cloudvolumes/detail") {
        Ok(v) => v,
        Err(e) => {
            return vec![volumes_finding(&item)
                .drift(EXPECTED, "an unusable volume listing", Fix::None)
                .with_message(format!("{e}"))]
        }
    };
    let attached: Vec<&Volume> = volumes
        .iter()
        .filter(|v| v.attached_to(&server.id))
        .collect();
    if attached.is_empty() {
        return vec![volumes_finding(&item)
            .drift(
                format!("at least one volume attached to {item}, {EXPECTED}"),
                format!(
                    "no volume of the {} listed is attached to it",
                    volumes.len()
                ),
                Fix::None,
            )
            .with_message(format!(
                "nothing proves the host's data is on an encrypted provider volume (read: {READ})"
            ))];
    }
    attached
        .into_iter()
        .map(|v| volume_finding(&server, v))
        .collect()
}

fn devices(v: &Volume, server: &str) -> String {
    let d: Vec<&str> = v
        .attachments
        .iter()
        .filter(|a| a.server_id.eq_ignore_ascii_case(server))
        .map(|a| a.device.as_str())
        .collect();
    d.join(", ")
}

fn volume_finding(server: &Server, v: &Volume) -> Finding {
    let name = if v.name.is_empty() {
        "unnamed".to_string()
    } else {
        v.name.clone()
    };
    let item = format!("{} ({name})", v.id);
    let f = Finding::new("evs", "evs-volume", item, TOM);
    let at = format!(
        "attached to server {} as {}",
        server.id,
        devices(v, &server.id)
    );
    match (&v.cmk_id, v.encrypted) {
        (Some(key), true) => f
            .ok(format!("encrypted by EVS with KMS key {key}"))
            .with_message(format!("{at}; read: {READ}")),
        (key, encrypted) => {
            let actual = match (encrypted, key) {
                (true, None) => {
                    "__system__encrypted = \"1\" but no __system__cmkid: no KMS key named"
                        .to_string()
                }
                _ => "not encrypted by EVS (__system__encrypted is not \"1\")".to_string(),
            };
            f.drift(EXPECTED, actual, Fix::None).with_message(format!(
                "{at}; read: {READ}. The provider volume is not encrypted, even if the guest encrypts it with LUKS: its snapshots, backups and images are taken below the guest. EVS encryption can only be set when a volume is created: migrate the data to a new volume created encrypted with a KMS key, then detach and delete this one"
            ))
        }
    }
}
