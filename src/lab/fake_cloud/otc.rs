//! A stateful, in-memory Open Telekom Cloud for tests and the lab demo:
//! one loopback listener on [`FakeServer`] serving IAM (`/v3/auth/tokens`),
//! ECS (Nova `/v2.1/{project}/servers…`), EVS
//! (`/v2/{project}/cloudvolumes/detail`) and VPC (Neutron
//! `/v2.0/security-groups…`, `/v2.0/security-group-rules…`,
//! `/v2.0/ports…`) and KMS (`POST /v1.0/{project}/kms/describe-key`), so
//! one base URL serves as all five endpoints.
//!
//! The world is an [`OtcState`] behind `Arc<Mutex<…>>` ([`OtcFake::state`])
//! that a test seeds and inspects. Every call but IAM's needs a valid
//! `X-Auth-Token` (known, not revoked, not expired), and a token serves
//! only its own project's paths; otherwise 401. Faults ([`Fault`]) are
//! answered before the route. Shapes follow the documented APIs
//! (research §3, §5); what the fake leaves out: the service catalog, KMS beyond
//! describe-key, Nova regexes beyond `^`/`$` anchors, policies (every valid token may
//! do everything).
//!
//! [`FakeServer`]: crate::lab::fake_http::FakeServer

#[path = "otc_evs.rs"]
mod evs;
#[path = "otc_faults.rs"]
pub mod faults;
#[path = "otc_iam_ecs.rs"]
mod iam_ecs;
#[path = "otc_kms.rs"]
pub mod kms;
#[path = "otc_state.rs"]
pub mod state;
#[path = "otc_vpc.rs"]
mod vpc;

#[cfg(test)]
#[path = "otc_tests.rs"]
mod tests;

use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::json;

use crate::lab::fake_http::{FakeServer, Reply, Request};
pub use faults::{Fault, FaultKind};
pub use state::{OtcState, PROJECT_ID};

/// A running fake.
pub struct OtcFake {
    /// The listener.
    pub server: FakeServer,
    /// The world, shared with the handler.
    pub state: Arc<Mutex<OtcState>>,
}

impl OtcFake {
    /// Serves `state` on `bind` (`127.0.0.1:0`: any free port).
    pub async fn start(bind: &str, state: OtcState) -> std::io::Result<OtcFake> {
        let state = Arc::new(Mutex::new(state));
        let shared = state.clone();
        let server = FakeServer::start(bind, Arc::new(move |req| handle(&shared, &req))).await?;
        Ok(OtcFake { server, state })
    }

    /// The base URL, good for the IAM, ECS, EVS and VPC endpoints.
    pub fn url(&self) -> String {
        self.server.url("")
    }

    /// The world, locked (a poisoned lock still yields it).
    pub fn lock(&self) -> MutexGuard<'_, OtcState> {
        lock(&self.state)
    }

    /// Queues a fault.
    pub fn fault(&self, f: Fault) {
        self.lock().faults.push(f);
    }

    /// The requests so far, as `METHOD target`.
    pub fn log(&self) -> Vec<String> {
        self.lock().log.clone()
    }
}

fn lock(s: &Mutex<OtcState>) -> MutexGuard<'_, OtcState> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

/// Neutron's error body.
pub(crate) fn neutron(status: u16, kind: &str, message: &str) -> Reply {
    Reply::json(
        status,
        json!({"NeutronError": {"type": kind, "message": message, "detail": ""}}),
    )
}

/// The Nova/EVS style error body (`{"<kind>": {"code", "message"}}`).
pub(crate) fn openstack(status: u16, kind: &str, message: &str) -> Reply {
    Reply::json(
        status,
        json!({ kind: {"code": status, "message": message} }),
    )
}

fn handle(shared: &Mutex<OtcState>, req: &Request) -> Reply {
    let mut st = lock(shared);
    let path = req.path().to_string();
    let line = format!("{} {}", req.method, path);
    if st.log.len() < 100_000 {
        st.log.push(format!("{} {}", req.method, req.target));
    }
    let fault = st.faults.take(&line);
    if let Some(kind) = fault {
        if kind == FaultKind::RevokeToken {
            let presented = req.header("x-auth-token").unwrap_or("").to_string();
            for t in st.tokens.iter_mut().filter(|t| t.token == presented) {
                t.revoked = true;
            }
        }
        return faults::reply(&kind);
    }
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    if req.method == "POST" && parts == ["v3", "auth", "tokens"] {
        return iam_ecs::tokens(&mut st, req);
    }
    let project_path = matches!(parts.first(), Some(&"v2.1") | Some(&"v2") | Some(&"v1.0"));
    let scope = project_path.then(|| parts.get(1).copied().unwrap_or(""));
    if let Err(why) = token_ok(&st, req, scope) {
        return faults::unauthorized(why);
    }
    let m = req.method.as_str();
    match (m, parts.as_slice()) {
        ("GET", ["v2.1", p, "servers", "detail"]) => iam_ecs::servers(&st, req, p),
        ("GET", ["v2.1", p, "servers", id]) => iam_ecs::server(&st, p, id),
        ("GET", ["v2", p, "cloudvolumes", "detail"]) => evs::volumes(&st, req, p),
        ("POST", ["v1.0", _, "kms", "describe-key"]) => kms::describe(&st, req),
        ("GET", ["v2.0", "security-groups"]) => vpc::groups(&st, req),
        ("POST", ["v2.0", "security-groups"]) => vpc::create_group(&mut st, req),
        ("GET", ["v2.0", "security-groups", id]) => vpc::group(&st, id),
        ("GET", ["v2.0", "security-group-rules"]) => vpc::rules(&st, req),
        ("POST", ["v2.0", "security-group-rules"]) => vpc::create_rule(&mut st, req),
        ("DELETE", ["v2.0", "security-group-rules", id]) => vpc::delete_rule(&mut st, id),
        ("GET", ["v2.0", "ports"]) => vpc::ports(&st, req),
        ("PUT", ["v2.0", "ports", id]) => vpc::update_port(&mut st, req, id),
        _ => openstack(404, "itemNotFound", "The resource could not be found."),
    }
}

/// The request's token is valid, and for a project path (`scope`) is
/// scoped to that project.
fn token_ok(st: &OtcState, req: &Request, scope: Option<&str>) -> Result<(), &'static str> {
    let presented = req.header("x-auth-token").ok_or("no X-Auth-Token header")?;
    let t = st
        .tokens
        .iter()
        .find(|t| t.token == presented)
        .ok_or("unknown token")?;
    if t.revoked {
        return Err("the token has been revoked");
    }
    if t.expires_at <= crate::timefmt::now() {
        return Err("the token has expired");
    }
    match scope {
        Some(p) if p != t.project_id => Err("the token is not scoped to this project"),
        _ => Ok(()),
    }
}

/// `limit` and `marker` of a listing: the slice of `ids` to answer and
/// whether more follow; `Err` for a bad limit or an unknown marker.
pub(crate) fn page_of(
    req: &Request,
    ids: &[&str],
    max: usize,
) -> Result<(usize, usize, bool), Reply> {
    let limit = match req.query("limit") {
        None => max,
        Some(l) => match l.parse::<usize>() {
            Ok(n) if n >= 1 => n.min(max),
            _ => {
                return Err(openstack(
                    400,
                    "badRequest",
                    "limit must be a positive integer",
                ))
            }
        },
    };
    let start = match req.query("marker") {
        None => 0,
        Some(m) => match ids.iter().position(|id| *id == m) {
            Some(i) => i + 1,
            None => return Err(openstack(400, "badRequest", "marker not found")),
        },
    };
    let end = start.saturating_add(limit).min(ids.len());
    Ok((start, end, end < ids.len()))
}

/// The `<key>_links` next link after `last`.
pub(crate) fn next_link(path: &str, limit: usize, last: &str) -> serde_json::Value {
    json!([{"rel": "next", "href": format!("https://fake.invalid{path}?limit={limit}&marker={last}")}])
}
