//! Lists that come in pages, OpenStack style (Neutron, EVS, Nova):
//! `limit=N&marker=<last id>` in the query, the items under a key of the
//! body, and a `<key>_links` entry with `rel: "next"` while more follow.
//! The next page is asked for while the answer has a next link or is a
//! full page. A page larger than the limit, an item without a string
//! `id`, an id seen twice (the pages do not advance), more than
//! `max_pages` pages or more than `max_items` items are refused with
//! `otc-answer`: a hostile or broken server cannot keep harden reading.

use std::collections::HashSet;

use serde_json::Value;

use super::auth::OtcAuth;
use super::error::OtcError;
use crate::backend::http::{ApiCall, ApiClient};

/// Limits of one listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListLimits {
    /// Items per page, 1-1000 (EVS's maximum; Neutron allows 2000).
    pub page_size: u32,
    /// The most pages read.
    pub max_pages: u32,
    /// The most items accepted in all.
    pub max_items: usize,
}

impl Default for ListLimits {
    fn default() -> Self {
        ListLimits {
            page_size: 1000,
            max_pages: 50,
            max_items: 10_000,
        }
    }
}

/// Every item under `key` of every page of `GET path` (a path that sets
/// neither `limit=` nor `marker=` itself), in the order the API lists
/// them.
pub async fn list_all(
    auth: &OtcAuth,
    api: &ApiClient,
    path: &str,
    key: &str,
    limits: ListLimits,
) -> Result<Vec<Value>, OtcError> {
    Ok(list_pages(auth, api, path, key, limits).await?.0)
}

/// [`list_all`] with the number of pages read.
pub async fn list_pages(
    auth: &OtcAuth,
    api: &ApiClient,
    path: &str,
    key: &str,
    limits: ListLimits,
) -> Result<(Vec<Value>, u32), OtcError> {
    if !(1..=1000).contains(&limits.page_size) || limits.max_pages == 0 {
        return Err(OtcError::Setting(
            "the page size must be 1 to 1000 and at least one page read".into(),
        ));
    }
    let query = path.split_once('?').map(|(_, q)| q).unwrap_or("");
    if query
        .split('&')
        .any(|kv| kv.starts_with("limit=") || kv.starts_with("marker="))
    {
        return Err(OtcError::Setting(format!(
            "a paged path may not set limit= or marker= itself: {}",
            super::ids::shown(path)
        )));
    }
    let sep = if path.contains('?') { '&' } else { '?' };
    let base = format!("{path}{sep}limit={}", limits.page_size);
    let links = format!("{key}_links");
    let mut items: Vec<Value> = Vec::new();
    let mut seen = HashSet::new();
    let mut marker: Option<String> = None;
    for page in 0..limits.max_pages {
        let path = match &marker {
            Some(m) => format!("{base}&marker={m}"),
            None => base.clone(),
        };
        let call = ApiCall::get(&path).map_err(|e| OtcError::Setting(e.to_string()))?;
        let resp = auth.call(api, &call).await?;
        let bad = |why: String| OtcError::Answer {
            call: call.describe.clone(),
            why,
        };
        let list = resp
            .json
            .get(key)
            .and_then(Value::as_array)
            .ok_or_else(|| bad(format!("it has no list {key:?}")))?;
        if list.len() > limits.page_size as usize {
            return Err(bad(format!(
                "{} {key} on a page of at most {}",
                list.len(),
                limits.page_size
            )));
        }
        let mut last = None;
        for v in list {
            let id = v
                .get("id")
                .and_then(Value::as_str)
                .filter(|id| super::ids::text_ok(id, 128).is_ok() && is_marker_safe(id))
                .ok_or_else(|| bad("an item's \"id\" is missing or not a UUID".into()))?;
            if !seen.insert(id.to_string()) {
                return Err(bad(format!(
                    "{} is listed twice: the pages do not advance",
                    super::ids::shown(id)
                )));
            }
            if items.len() >= limits.max_items {
                return Err(bad(format!(
                    "more than {} {key}; harden reads no more",
                    limits.max_items
                )));
            }
            last = Some(id.to_string());
            items.push(v.clone());
        }
        let full = list.len() == limits.page_size as usize;
        if list.is_empty() || !(full || has_next_link(&resp.json, &links)) {
            return Ok((items, page + 1));
        }
        marker = last;
    }
    Err(OtcError::Answer {
        call: format!("GET {base}"),
        why: format!("more than {} pages; harden reads no more", limits.max_pages),
    })
}

/// An id that can go into a query unescaped (UUIDs and the like).
fn is_marker_safe(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

fn has_next_link(json: &Value, links: &str) -> bool {
    json.get(links).and_then(Value::as_array).is_some_and(|l| {
        l.iter()
            .any(|x| x.get("rel").and_then(Value::as_str) == Some("next"))
    })
}
