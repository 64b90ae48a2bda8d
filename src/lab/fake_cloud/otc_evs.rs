//! The EVS route of the OTC fake: `GET /v2/{project}/cloudvolumes/detail`
//! with `limit` (capped at [`OtcState::evs_page_max`]) and `marker` (the
//! last id of the previous page; unknown: 400), a `volumes_links` next
//! link while more follow, and `count` (all volumes).

use serde_json::{json, Value};

use super::state::OtcState;
use super::{next_link, page_of};
use crate::lab::fake_http::{Reply, Request};

pub(super) fn volumes(st: &OtcState, req: &Request, _project: &str) -> Reply {
    let ids: Vec<&str> = st.volumes.iter().map(|v| v.id.as_str()).collect();
    let (start, end, more) = match page_of(req, &ids, st.evs_page_max) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let page: Vec<Value> = st.volumes[start..end].iter().map(|v| v.json()).collect();
    let mut body = json!({"volumes": page, "count": st.volumes.len()});
    if more {
        if let Some(last) = ids.get(end.wrapping_sub(1)) {
            body["volumes_links"] = next_link(req.path(), end - start, last);
        }
    }
    Reply::json(200, body)
}
