//! A stateful, in-memory Hetzner Cloud API (`/v1`) on the fake HTTP core
//! ([`FakeServer`]), for tests and the lab demo: the production client
//! pointed at [`HcloudFake::url`] sees the documented shapes.
//!
//! - **Auth:** `Authorization: Bearer <token>` of a seeded token; a
//!   missing or unknown one is 401 `unauthorized`, a read-only one on a
//!   method other than GET 403 `token_readonly`.
//! - **Servers:** `GET /servers?name=`, `GET /servers/{id}` with
//!   `public_net`/`private_net` as Hetzner answers them.
//! - **Firewalls:** `GET /firewalls?name=&page=&per_page=` (≤ 50, with
//!   `meta.pagination`), `GET/PUT/DELETE /firewalls/{id}`, `POST
//!   /firewalls` (201, firewall + actions; 409 `uniqueness_error` on a
//!   duplicate name) and the `set_rules`, `apply_to_resources`,
//!   `remove_from_resources` actions. Rules are validated and read back
//!   normalised (`hcloud_rules.rs`).
//! - **Actions:** each stays `running` for [`HcloudState::action_polls`]
//!   polls, then succeeds, unless an [`ActionScript`] says otherwise (an
//!   `error` after N polls, or never done; a change whose action ends in
//!   error is not made). `GET /actions?id=…` and `GET /actions/{id}`; the
//!   bare `GET /actions` is 400.
//! - **Every answer** carries `RateLimit-Limit/Remaining/Reset`.
//! - **Faults:** a queue of [`Fault`]s answered instead of (or, `Slow`,
//!   after a delay before) the next matching request.
//! - **Requests** received are recorded ([`HcloudFake::requests`]).

#[path = "hcloud_poll.rs"]
mod poll;
#[path = "hcloud_routes.rs"]
mod routes;
#[path = "hcloud_rules.rs"]
pub mod rules;

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{json, Value};

use crate::lab::fake_http::{FakeServer, Reply, Request};

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Read & Write.
    ReadWrite,
    /// Read only: every write is 403 `token_readonly`.
    ReadOnly,
}

/// A server of the project.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudServer {
    /// Its id.
    pub id: u64,
    /// Its name.
    pub name: String,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// Its public IPv4 address.
    pub ipv4: Option<String>,
    /// Its public IPv6 network (`2001:db8:1::/64`).
    pub ipv6: Option<String>,
    /// Its private network addresses.
    pub private: Vec<String>,
}

/// What a firewall is applied to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// A server, by id.
    Server(u64),
    /// Every server whose labels match (`key=value`).
    LabelSelector(String),
}

/// A firewall, its rules in read-back form.
#[derive(Debug, Clone, PartialEq)]
pub struct Firewall {
    /// Its id.
    pub id: u64,
    /// Its name.
    pub name: String,
    /// Its labels.
    pub labels: Value,
    /// The rules as the API returns them.
    pub rules: Vec<Value>,
    /// What it is applied to.
    pub applied_to: Vec<Resource>,
}

/// How an action ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionEnd {
    /// `success`.
    Success,
    /// `error` with this code and message.
    Error {
        /// `error.code`.
        code: String,
        /// `error.message`.
        message: String,
    },
    /// Never: `running` forever.
    Never,
}

/// The course of the next action created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionScript {
    /// Polls answered `running` before it ends.
    pub running_polls: u32,
    /// How it ends.
    pub end: ActionEnd,
}

/// An action the fake started.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeAction {
    /// Its id.
    pub id: u64,
    /// `set_firewall_rules`, `apply_firewall`, `remove_firewall`.
    pub command: String,
    /// `(id, type)` of the resources it acts on.
    pub resources: Vec<(u64, &'static str)>,
    /// Its course.
    pub script: ActionScript,
    /// How often it has been polled.
    pub polled: u32,
}

/// An answer given instead of the normal one.
#[derive(Debug, Clone)]
pub enum Fault {
    /// 409 `conflict`.
    Conflict,
    /// 423 `locked`.
    Locked,
    /// 429 `rate_limit_exceeded`, `RateLimit-Remaining: 0` and
    /// `RateLimit-Reset` this many seconds from now.
    RateLimited {
        /// Seconds until the reset.
        reset_in: u64,
    },
    /// 502 `bad_gateway` (with `json`) or a 502 HTML page without JSON.
    BadGateway {
        /// A JSON error body or not.
        json: bool,
    },
    /// 503 `unavailable`.
    Unavailable,
    /// 504 `timeout`.
    Timeout,
    /// The normal answer, after this delay.
    Slow(Duration),
    /// This reply (hostile answers).
    Reply(Reply),
}

/// The project's state; tests seed and inspect it through
/// [`HcloudFake::state`].
#[derive(Debug)]
pub struct HcloudState {
    /// Tokens and what they may do.
    pub tokens: BTreeMap<String, TokenKind>,
    /// Servers, by id.
    pub servers: BTreeMap<u64, CloudServer>,
    /// Firewalls, by id.
    pub firewalls: BTreeMap<u64, Firewall>,
    /// Actions, by id.
    pub actions: BTreeMap<u64, FakeAction>,
    /// Polls an action stays `running` when no script says otherwise.
    pub action_polls: u32,
    /// Courses of the next actions created, in order.
    pub action_scripts: VecDeque<ActionScript>,
    /// Faults with the method (`None`: any) and path prefix (below `/v1`)
    /// of the requests they answer, first match first.
    pub faults: VecDeque<(Option<String>, String, Fault)>,
    /// Every request received, in order.
    pub requests: Vec<Request>,
    /// `RateLimit-Limit`.
    pub rate_limit: u64,
    /// `RateLimit-Remaining` (one less per request; refilled by tests).
    pub rate_remaining: u64,
    next_id: u64,
    shuffle: u64,
}

impl Default for HcloudState {
    fn default() -> Self {
        HcloudState {
            tokens: BTreeMap::new(),
            servers: BTreeMap::new(),
            firewalls: BTreeMap::new(),
            actions: BTreeMap::new(),
            action_polls: 1,
            action_scripts: VecDeque::new(),
            faults: VecDeque::new(),
            requests: Vec::new(),
            rate_limit: 3600,
            rate_remaining: 3600,
            next_id: 1000,
            shuffle: 0x9e37_79b9_7f4a_7c15,
        }
    }
}

impl HcloudState {
    /// A fresh id (servers, firewalls and actions share one counter).
    pub fn new_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Adds a server with a public IPv4, an IPv6 /64 and one private
    /// address; its id.
    pub fn add_server(&mut self, name: &str, ipv4: &str, ipv6: &str, private: &str) -> u64 {
        let id = self.new_id();
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        self.servers.insert(
            id,
            CloudServer {
                id,
                name: name.into(),
                labels: BTreeMap::new(),
                ipv4: opt(ipv4),
                ipv6: opt(ipv6),
                private: opt(private).into_iter().collect(),
            },
        );
        id
    }

    /// Adds a firewall with `rules` (request form, validated as `POST
    /// /firewalls` does); its id.
    pub fn add_firewall(&mut self, name: &str, rules: Value) -> Result<u64, String> {
        let rules = rules::rules(&rules, &mut self.shuffle).map_err(|e| format!("{e:?}"))?;
        let id = self.new_id();
        self.firewalls.insert(
            id,
            Firewall {
                id,
                name: name.into(),
                labels: json!({}),
                rules,
                applied_to: Vec::new(),
            },
        );
        Ok(id)
    }

    /// The firewall named `name`.
    pub fn firewall(&self, name: &str) -> Option<&Firewall> {
        self.firewalls.values().find(|f| f.name == name)
    }

    /// The requests with this method whose path (below `/v1`) starts with
    /// `prefix`.
    pub fn requests_to(&self, method: &str, prefix: &str) -> Vec<Request> {
        self.requests
            .iter()
            .filter(|r| r.method == method && below(r).starts_with(prefix))
            .cloned()
            .collect()
    }

    fn take_fault(&mut self, req: &Request) -> Option<Fault> {
        let path = below(req).to_string();
        let at = self.faults.iter().position(|(m, prefix, _)| {
            m.as_deref().is_none_or(|m| m == req.method) && path.starts_with(prefix.as_str())
        })?;
        self.faults.remove(at).map(|(_, _, f)| f)
    }
}

/// The target below `/v1` (query included).
fn below(r: &Request) -> &str {
    r.target.strip_prefix("/v1").unwrap_or(&r.target)
}

/// A running fake Hetzner Cloud API.
pub struct HcloudFake {
    state: Arc<Mutex<HcloudState>>,
    server: FakeServer,
}

impl HcloudFake {
    /// Serves an empty project on `bind` (`127.0.0.1:0`).
    pub async fn start(bind: &str) -> std::io::Result<HcloudFake> {
        let state = Arc::new(Mutex::new(HcloudState::default()));
        let st = state.clone();
        let server = FakeServer::start(
            bind,
            Arc::new(move |req| {
                let mut st = st.lock().unwrap_or_else(|p| p.into_inner());
                handle(&mut st, req)
            }),
        )
        .await?;
        Ok(HcloudFake { state, server })
    }

    /// The API's base URL (`http://127.0.0.1:<port>/v1`).
    pub fn url(&self) -> String {
        self.server.url("/v1")
    }

    /// The state, locked (do not hold it across an await).
    pub fn state(&self) -> MutexGuard<'_, HcloudState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The shared state, for a caller on another thread.
    pub fn shared(&self) -> Arc<Mutex<HcloudState>> {
        self.state.clone()
    }

    /// Adds `token` with `kind`.
    pub fn token(&self, token: &str, kind: TokenKind) {
        self.state().tokens.insert(token.into(), kind);
    }

    /// Answers the next request with `fault`.
    pub fn fault(&self, fault: Fault) {
        self.state().faults.push_back((None, String::new(), fault));
    }

    /// Answers the next `method` request below `prefix` with `fault`.
    pub fn fault_on(&self, method: &str, prefix: &str, fault: Fault) {
        let f = (Some(method.to_string()), prefix.to_string(), fault);
        self.state().faults.push_back(f);
    }

    /// Sets the course of the next action created.
    pub fn script_action(&self, running_polls: u32, end: ActionEnd) {
        let s = ActionScript { running_polls, end };
        self.state().action_scripts.push_back(s);
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Request> {
        self.state().requests.clone()
    }
}

fn handle(st: &mut HcloudState, req: Request) -> Reply {
    st.requests.push(req.clone());
    st.rate_remaining = st.rate_remaining.saturating_sub(1);
    let now = crate::timefmt::now();
    let mut limited = false;
    let reply = match st.take_fault(&req) {
        Some(Fault::Conflict) => Reply::error(409, "conflict", "the resource has changed"),
        Some(Fault::Locked) => Reply::error(423, "locked", "an action is running on it"),
        Some(Fault::RateLimited { reset_in }) => {
            limited = true;
            Reply::error(
                429,
                "rate_limit_exceeded",
                "limit of 3600 requests per hour",
            )
            .header("ratelimit-limit", &st.rate_limit.to_string())
            .header("ratelimit-remaining", "0")
            .header("ratelimit-reset", &(now + reset_in).to_string())
        }
        Some(Fault::BadGateway { json: true }) => {
            Reply::error(502, "bad_gateway", "the upstream did not answer")
        }
        Some(Fault::BadGateway { json: false }) => {
            Reply::raw(502, b"<html><h1>502 Bad Gateway</h1></html>".to_vec())
                .header("content-type", "text/html")
        }
        Some(Fault::Unavailable) => Reply::error(503, "unavailable", "service unavailable"),
        Some(Fault::Timeout) => Reply::error(504, "timeout", "the request timed out"),
        Some(Fault::Slow(d)) => authorised(st, &req).after(d),
        Some(Fault::Reply(r)) => {
            limited = r.headers.iter().any(|(n, _)| n == "ratelimit-remaining");
            r
        }
        None => authorised(st, &req),
    };
    if limited {
        return reply;
    }
    let used = st.rate_limit.saturating_sub(st.rate_remaining);
    reply
        .header("ratelimit-limit", &st.rate_limit.to_string())
        .header("ratelimit-remaining", &st.rate_remaining.to_string())
        .header("ratelimit-reset", &(now + used).to_string())
}

fn authorised(st: &mut HcloudState, req: &Request) -> Reply {
    let token = req
        .header("authorization")
        .and_then(|v| v.strip_prefix("Bearer "));
    match token.and_then(|t| st.tokens.get(t)) {
        None => Reply::error(401, "unauthorized", "unable to authenticate"),
        Some(TokenKind::ReadOnly) if req.method != "GET" => {
            Reply::error(403, "token_readonly", "the token is read-only")
        }
        Some(_) => match req.target.strip_prefix("/v1") {
            Some(_) => routes::route(st, req),
            None => Reply::error(404, "not_found", "no such route"),
        },
    }
}

/// An `invalid_input` answer naming `fields`.
pub(crate) fn invalid(fields: &[rules::FieldError]) -> Reply {
    let first = fields.first().map(|(n, _)| n.as_str()).unwrap_or("body");
    let fields: Vec<Value> = fields
        .iter()
        .map(|(n, m)| json!({"name": n, "messages": [m]}))
        .collect();
    Reply::json(
        400,
        json!({"error": {"code": "invalid_input",
            "message": format!("invalid input in field '{first}'"),
            "details": {"fields": fields}}}),
    )
}
