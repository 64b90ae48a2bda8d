//! Lists that come in pages, Hetzner style: `page=N` in the query, the
//! items under a key of the body, and `meta.pagination.next_page` (null on
//! the last page). The pages must advance, and at most a capped number are
//! followed, so a hostile or broken server cannot keep harden reading.

use serde_json::Value;

use super::{ApiCall, ApiClient, ApiError, ErrorKind};
use crate::contract::api::ApiCallError;

/// The most pages followed by default (50 items each: 5000 objects).
pub const DEFAULT_MAX_PAGES: u32 = 100;

impl ApiClient {
    /// Every item under `key` of every page of `GET path`, in order.
    pub async fn get_all_pages(&self, path: &str, key: &str) -> Result<Vec<Value>, ApiError> {
        Ok(self.get_pages(path, key).await?.0)
    }

    /// [`ApiClient::get_all_pages`] with the number of pages read.
    pub async fn get_pages(&self, path: &str, key: &str) -> Result<(Vec<Value>, u32), ApiError> {
        let query = path.split_once('?').map(|(_, q)| q).unwrap_or("");
        if query.split('&').any(|kv| kv.starts_with("page=")) {
            let e = ApiCallError::Describe("a paged path may not set page= itself".into());
            return Err(self.refused(path, e));
        }
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut items = Vec::new();
        let mut page: u64 = 1;
        let mut read: u32 = 0;
        loop {
            let call = ApiCall::get(format!("{path}{sep}page={page}"))
                .map_err(|e| self.refused(path, e))?;
            let resp = self.call(&call).await?;
            read += 1;
            let bad = |why: String| ApiError {
                api: self.name.clone(),
                call: call.describe.clone(),
                attempts: 1,
                kind: ErrorKind::BadAnswer(why),
                gave_up: None,
            };
            match resp.json.get(key) {
                Some(Value::Array(a)) => items.extend(a.iter().cloned()),
                _ => return Err(bad(format!("no list {key:?} in the answer"))),
            }
            let next = resp.json.pointer("/meta/pagination/next_page");
            let next = match next {
                None | Some(Value::Null) => return Ok((items, read)),
                Some(v) => v
                    .as_u64()
                    .ok_or_else(|| bad("meta.pagination.next_page is not a number".into()))?,
            };
            if next <= page {
                return Err(bad(format!(
                    "meta.pagination.next_page is {next} on page {page}: the pages do not advance"
                )));
            }
            if next > u64::from(self.max_pages) {
                return Err(bad(format!(
                    "more than {} pages; harden reads no more",
                    self.max_pages
                )));
            }
            page = next;
        }
    }
}
