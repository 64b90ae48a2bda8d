//! EVS: every volume of the token's project, `GET
//! /v2/{project_id}/cloudvolumes/detail?limit=N[&marker=<last id>]`, and
//! the question the disk check asks: which volumes attached to a server
//! are not encrypted with a KMS key.
//!
//! Paging: the next page is asked for while the answer has a
//! `volumes_links` entry with `rel: "next"` or a full page (the marker is
//! the last volume's id). A page larger than the limit, an id seen twice
//! (the pages do not advance), more than `max_pages` pages or more than
//! `max_volumes` volumes are refused with `otc-answer`.

use std::collections::HashSet;

use serde_json::Value;

use super::auth::OtcAuth;
use super::error::OtcError;
use super::volume::Volume;
use crate::backend::http::{ApiCall, ApiClient};

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
    if !(1..=1000).contains(&limits.page_size) || limits.max_pages == 0 {
        return Err(OtcError::Setting(
            "the EVS page size must be 1 to 1000 and at least one page read".into(),
        ));
    }
    let project = auth.project_id().await?;
    let base = format!(
        "/v2/{project}/cloudvolumes/detail?limit={}",
        limits.page_size
    );
    let mut volumes: Vec<Volume> = Vec::new();
    let mut seen = HashSet::new();
    let mut marker: Option<String> = None;
    for _page in 0..limits.max_pages {
        let path = match &marker {
            Some(m) => format!("{base}&marker={m}"),
            None => base.clone(),
        };
        let call = ApiCall::get(&path).map_err(|e| OtcError::Setting(e.to_string()))?;
        let resp = auth.call(evs, &call).await?;
        let bad = |why: String| OtcError::Answer {
            call: call.describe.clone(),
            why,
        };
        let list = resp
            .json
            .get("volumes")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("it has no list \"volumes\"".into()))?;
        if list.len() > limits.page_size as usize {
            return Err(bad(format!(
                "{} volumes on a page of at most {}",
                list.len(),
                limits.page_size
            )));
        }
        for v in list {
            let vol = Volume::from_json(v).map_err(bad)?;
            if !seen.insert(vol.id.clone()) {
                return Err(bad(format!(
                    "volume {} is listed twice: the pages do not advance",
                    vol.id
                )));
            }
            if volumes.len() >= limits.max_volumes {
                return Err(bad(format!(
                    "more than {} volumes; harden reads no more",
                    limits.max_volumes
                )));
            }
            volumes.push(vol);
        }
        let full = list.len() == limits.page_size as usize;
        if list.is_empty() || !(full || has_next_link(&resp.json)) {
            return Ok(volumes);
        }
        marker = volumes.last().map(|v| v.id.clone());
    }
    Err(OtcError::Answer {
        call: format!("GET {base}"),
        why: format!("more than {} pages; harden reads no more", limits.max_pages),
    })
}

fn has_next_link(json: &Value) -> bool {
    json.get("volumes_links")
        .and_then(Value::as_array)
        .is_some_and(|l| {
            l.iter()
                .any(|x| x.get("rel").and_then(Value::as_str) == Some("next"))
        })
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
