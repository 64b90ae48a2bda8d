//! Waiting for Hetzner Cloud actions. A write at Hetzner (`POST /firewalls`,
//! `POST /firewalls/{id}/actions/set_rules|apply_to_resources|
//! remove_from_resources`) answers at once with `actions[]` (or `action`)
//! that run asynchronously: the change is done only when every one of them
//! has `status: success`.
//!
//! [`settle`] reads the actions of a successful write's answer (hostile
//! input: ids must be integers in `1..=2⁶³-1`, statuses one of `running`,
//! `success`, `error`, at most [`MAX_ACTIONS`]), and while any runs polls
//! `GET /actions?id=A&id=B…` — at most [`MAX_IDS_PER_POLL`] ids per
//! request, as hcloud-go does, never the bare `/actions` — every
//! [`ActionWait::poll`], for at most [`ActionWait::max_polls`] rounds and
//! [`ActionWait::budget`] in all (each poll request is cut off at the
//! budget too). An action ending in `error` fails the call with its
//! scrubbed `error.code`/`message` (`hcloud-action-failed`); one still
//! running at the end is `hcloud-action-timeout`; an id missing from a
//! poll answer is `hcloud-action-missing`. The answer is returned with its
//! actions replaced by their final state.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::backend::http::{ApiCall, ApiClient, ApiResponse, Method};

#[path = "hcloud_actions_error.rs"]
mod error;
pub use error::{ActionError, ActionErrorKind};

/// The most action ids in one poll request (hcloud-go's chunk).
pub const MAX_IDS_PER_POLL: usize = 25;
/// The most actions one answer may carry.
pub const MAX_ACTIONS: usize = 500;
/// The largest action id accepted (Hetzner ids are int64).
pub const MAX_ACTION_ID: u64 = i64::MAX as u64;

/// How long harden waits for actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionWait {
    /// The pause before each poll round.
    pub poll: Duration,
    /// The most poll rounds.
    pub max_polls: u32,
    /// The longest wait in all, poll requests included.
    pub budget: Duration,
}

impl Default for ActionWait {
    /// Every 500 ms (hcloud-go's default), at most 600 rounds and 5 minutes.
    fn default() -> Self {
        ActionWait {
            poll: Duration::from_millis(500),
            max_polls: 600,
            budget: Duration::from_secs(300),
        }
    }
}

impl ActionWait {
    /// Checks the wait is bounded.
    pub fn validate(&self) -> Result<(), String> {
        if self.poll.is_zero() || self.poll > Duration::from_secs(60) {
            return Err("the action poll interval must be above 0 and at most 60 s".into());
        }
        if self.max_polls == 0 || self.max_polls > 10_000 {
            return Err("the most action polls must be 1 to 10000".into());
        }
        if self.budget <= self.poll || self.budget > Duration::from_secs(3600) {
            return Err(
                "the action wait budget must be longer than the poll interval and at most 1 hour"
                    .into(),
            );
        }
        Ok(())
    }
}

/// An action's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionStatus {
    /// Still running.
    Running,
    /// Done.
    Success,
    /// Failed.
    Error,
}

/// One action, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// Its id (1 to [`MAX_ACTION_ID`]).
    pub id: u64,
    /// Its command (`set_firewall_rules`; scrubbed, may be empty).
    pub command: String,
    /// Its status.
    pub status: ActionStatus,
    /// `error.code` and `error.message` of a failed action (scrubbed).
    pub error: Option<(String, String)>,
    /// The action's JSON as the server sent it.
    pub json: Value,
}

/// Checks `wait` before `call` is sent (a bad setting refuses the call
/// rather than the wait after the provider acted).
pub fn check(api: &ApiClient, call: &ApiCall, wait: &ActionWait) -> Result<(), Box<ActionError>> {
    wait.validate().map_err(|why| {
        Box::new(ActionError {
            api: api.name().to_string(),
            call: crate::notify::scrub_body(call.describe.as_bytes(), &[]),
            kind: ActionErrorKind::Setting(why),
        })
    })
}

/// Waits for the actions of `resp`, the successful answer to `call` on
/// `api`; returns it with its actions in their final state.
pub async fn settle(
    api: &ApiClient,
    call: &ApiCall,
    mut resp: ApiResponse,
    wait: &ActionWait,
) -> Result<ApiResponse, ActionError> {
    let fail = |kind| ActionError {
        api: api.name().to_string(),
        call: crate::notify::scrub_body(call.describe.as_bytes(), &[]),
        kind,
    };
    wait.validate()
        .map_err(|w| fail(ActionErrorKind::Setting(w)))?;
    let secret = api.secret.expose();
    let found = actions_of(&resp.json, secret).map_err(|w| fail(ActionErrorKind::BadAnswer(w)))?;
    if found.is_empty() {
        return Ok(resp);
    }
    let done = wait_all(api, found, wait, secret).await.map_err(fail)?;
    for key in ["actions", "action"] {
        match resp.json.get_mut(key) {
            Some(Value::Array(list)) => {
                for a in list.iter_mut() {
                    if let Some(d) = a
                        .get("id")
                        .and_then(Value::as_u64)
                        .and_then(|i| done.get(&i))
                    {
                        *a = d.json.clone();
                    }
                }
            }
            Some(a @ Value::Object(_)) => {
                if let Some(d) = a
                    .get("id")
                    .and_then(Value::as_u64)
                    .and_then(|i| done.get(&i))
                {
                    *a = d.json.clone();
                }
            }
            _ => {}
        }
    }
    Ok(resp)
}

/// The validated actions of an answer (`actions[]` and/or `action`), one
/// per id.
pub fn actions_of(json: &Value, secret: &str) -> Result<Vec<Action>, String> {
    let mut raw: Vec<&Value> = Vec::new();
    match json.get("actions") {
        None | Some(Value::Null) => {}
        Some(Value::Array(a)) => raw.extend(a.iter()),
        Some(_) => return Err("\"actions\" is not a list".into()),
    }
    match json.get("action") {
        None | Some(Value::Null) => {}
        Some(a @ Value::Object(_)) => raw.push(a),
        Some(_) => return Err("\"action\" is not an object".into()),
    }
    if raw.len() > MAX_ACTIONS {
        return Err(format!("more than {MAX_ACTIONS} actions"));
    }
    let mut seen = BTreeMap::new();
    for v in raw {
        let a = parse_action(v, secret)?;
        seen.insert(a.id, a);
    }
    Ok(seen.into_values().collect())
}

/// One action object, validated.
pub fn parse_action(v: &Value, secret: &str) -> Result<Action, String> {
    let scrub = |s: &str| crate::notify::scrub_body(s.as_bytes(), &[secret]);
    if !v.is_object() {
        return Err("an action is not an object".into());
    }
    let id = match v.get("id") {
        Some(Value::Number(n)) => n
            .as_u64()
            .filter(|i| (1..=MAX_ACTION_ID).contains(i))
            .ok_or_else(|| {
                format!(
                    "action id {} is not an integer from 1 to 2^63-1",
                    scrub(&n.to_string())
                )
            })?,
        _ => return Err("an action has no numeric id".into()),
    };
    let status = match v.get("status").and_then(Value::as_str) {
        Some("running") => ActionStatus::Running,
        Some("success") => ActionStatus::Success,
        Some("error") => ActionStatus::Error,
        Some(s) => return Err(format!("action {id} has the unknown status {:?}", scrub(s))),
        None => return Err(format!("action {id} has no status")),
    };
    let command = match v.get("command") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => scrub(s),
        Some(_) => return Err(format!("action {id}'s command is not a string")),
    };
    let error = match status {
        ActionStatus::Error => {
            let e = v.get("error");
            let text = |k: &str| {
                e.and_then(|e| e.get(k))
                    .and_then(Value::as_str)
                    .map(scrub)
                    .filter(|s| !s.is_empty())
            };
            Some((
                text("code").unwrap_or_else(|| "unknown".into()),
                text("message").unwrap_or_default(),
            ))
        }
        _ => None,
    };
    Ok(Action {
        id,
        command,
        status,
        error,
        json: v.clone(),
    })
}

fn failed(a: &Action) -> ActionErrorKind {
    let (code, message) = a.error.clone().unwrap_or_default();
    ActionErrorKind::Failed {
        id: a.id,
        command: a.command.clone(),
        code,
        message,
    }
}

/// Polls until every action is done; the final state of each by id.
async fn wait_all(
    api: &ApiClient,
    actions: Vec<Action>,
    wait: &ActionWait,
    secret: &str,
) -> Result<BTreeMap<u64, Action>, ActionErrorKind> {
    let started = Instant::now();
    let mut running = BTreeSet::new();
    let mut done = BTreeMap::new();
    for a in actions {
        match a.status {
            ActionStatus::Error => return Err(failed(&a)),
            ActionStatus::Running => {
                running.insert(a.id);
            }
            ActionStatus::Success => {}
        }
        done.insert(a.id, a);
    }
    let mut polls = 0u32;
    let timeout = |polls, running: &BTreeSet<u64>| ActionErrorKind::Timeout {
        polls,
        waited: started.elapsed(),
        running: running.iter().take(10).copied().collect(),
    };
    while !running.is_empty() {
        if polls >= wait.max_polls || started.elapsed() + wait.poll >= wait.budget {
            return Err(timeout(polls, &running));
        }
        tokio::time::sleep(wait.poll).await;
        polls += 1;
        let ids: Vec<u64> = running.iter().copied().collect();
        for chunk in ids.chunks(MAX_IDS_PER_POLL) {
            let left = wait.budget.saturating_sub(started.elapsed());
            let got = match tokio::time::timeout(left, poll(api, chunk, secret)).await {
                Err(_) => return Err(timeout(polls, &running)),
                Ok(r) => r?,
            };
            for a in got {
                match a.status {
                    ActionStatus::Error => return Err(failed(&a)),
                    ActionStatus::Success => {
                        running.remove(&a.id);
                    }
                    ActionStatus::Running => {}
                }
                done.insert(a.id, a);
            }
        }
    }
    Ok(done)
}

/// One `GET /actions?id=…` for `ids` (at most [`MAX_IDS_PER_POLL`]): the
/// actions, each asked for and none missing.
async fn poll(api: &ApiClient, ids: &[u64], secret: &str) -> Result<Vec<Action>, ActionErrorKind> {
    let query: Vec<String> = ids.iter().map(|i| format!("id={i}")).collect();
    let path = format!("/actions?{}&per_page={MAX_IDS_PER_POLL}", query.join("&"));
    let describe = format!("poll {} action(s) ({}…)", ids.len(), ids[0]);
    let call = ApiCall::new(Method::Get, path, None, describe)
        .map_err(|e| ActionErrorKind::Setting(e.to_string()))?;
    let resp = api
        .call(&call)
        .await
        .map_err(|e| ActionErrorKind::Poll(Box::new(e)))?;
    let list = match resp.json.get("actions") {
        Some(Value::Array(a)) => a,
        _ => {
            return Err(ActionErrorKind::BadAnswer(
                "the poll answer has no list \"actions\"".into(),
            ))
        }
    };
    if list.len() > MAX_IDS_PER_POLL {
        return Err(ActionErrorKind::BadAnswer(format!(
            "the poll answer has {} actions for {} ids",
            list.len(),
            ids.len()
        )));
    }
    let mut got = BTreeMap::new();
    for v in list {
        let a = parse_action(v, secret).map_err(ActionErrorKind::BadAnswer)?;
        if !ids.contains(&a.id) {
            return Err(ActionErrorKind::BadAnswer(format!(
                "the poll answer has action {}, which was not asked for",
                a.id
            )));
        }
        got.insert(a.id, a);
    }
    if let Some(id) = ids.iter().find(|i| !got.contains_key(i)) {
        return Err(ActionErrorKind::Missing { id: *id });
    }
    Ok(got.into_values().collect())
}

#[cfg(test)]
#[path = "hcloud_actions_tests.rs"]
mod tests;
