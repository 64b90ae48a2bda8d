//! EVS: every volume of the token's project, `GET
//! /v2/{project_id}/cloudvolumes/detail?limit=N[&marker=<last id>]`, and
//! the question the disk check asks: which volumes attached to a server
//! are not encrypted with a KMS key.
//!
//! Paging is OpenStack's (`limit`/`marker`, `volumes_links`), read by
//! [`super::pages::list_all`] within [`EvsLimits`].

use serde_json::Value;

use super::auth::OtcAuth;
use super::error::OtcError;
use super::pages::{list_all, ListLimits};
use super::volume::Volume;
use crate::backend::http::ApiClient;

/// Limits of a volume listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvsLimits {
    /// Volumes per page, 1-1000 (EVS's maximum and default is 1000).
    pub page_size: u32,
    /// The most pages read.
    pub max_pages: u32,
    /// The most volumes accepted in all.
    pub max_volumes: usize,
}

impl Default for EvsLimits {
    fn default() -> Self {
        EvsLimits {
            page_size: 1000,
            max_pages: 50,
            max_volumes: 10_000,
        }
    }
}

/// Every volume of the project, in the order EVS lists them.
pub async fn list_volumes(
    auth: &OtcAuth,
    evs: &ApiClient,
    limits: EvsLimits,
) -> Result<Vec<Volume>, OtcError> {
    let project = auth.project_id().await?;
    let path = format!("/v2/{project}/cloudvolumes/detail");
    let limits = ListLimits {
        page_size: limits.page_size,
        max_pages: limits.max_pages,
        max_items: limits.max_volumes,
    };
    let items = list_all(auth, evs, &path, "volumes", limits).await?;
    parse_volumes(&items, &format!("GET {path}"))
}

/// The volumes of a listing (the JSON items of `cloudvolumes/detail`).
pub fn parse_volumes(items: &[Value], call: &str) -> Result<Vec<Volume>, OtcError> {
    items
        .iter()
        .map(|v| {
            Volume::from_json(v).map_err(|why| OtcError::Answer {
                call: call.to_string(),
                why,
            })
        })
        .collect()
}

/// The volumes attached to `server_id` that are not encrypted with a KMS
/// key (no `__system__encrypted: "1"`, or no `__system__cmkid`).
pub fn not_kms_encrypted<'a>(volumes: &'a [Volume], server_id: &str) -> Vec<&'a Volume> {
    volumes
        .iter()
        .filter(|v| v.attached_to(server_id) && !v.kms_encrypted())
        .collect()
}

/// [`list_volumes`] then [`not_kms_encrypted`] for `server_id` (a UUID;
/// another is refused before anything is sent).
pub async fn server_volumes_not_kms_encrypted(
    auth: &OtcAuth,
    evs: &ApiClient,
    limits: EvsLimits,
    server_id: &str,
) -> Result<Vec<Volume>, OtcError> {
    if !super::ids::is_uuid(server_id) {
        return Err(OtcError::Setting(format!(
            "server id {:?} is not a UUID",
            super::ids::shown(server_id)
        )));
    }
    let all = list_volumes(auth, evs, limits).await?;
    Ok(not_kms_encrypted(&all, server_id)
        .into_iter()
        .cloned()
        .collect())
}
