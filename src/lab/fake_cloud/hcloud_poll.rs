//! The fake Hetzner Cloud's actions: started by the firewall routes, each
//! following its [`ActionScript`], and answered to `GET /actions?id=…`
//! (counting a poll per action shown).

use serde_json::{json, Value};

use super::routes::{field, paged, CREATED};
use super::{ActionEnd, ActionScript, FakeAction, HcloudState};
use crate::lab::fake_http::{Reply, Request};

/// Starts an action (its course from the script queue); its id.
pub(super) fn start(
    st: &mut HcloudState,
    command: &str,
    resources: Vec<(u64, &'static str)>,
) -> u64 {
    let id = st.new_id();
    let script = st.action_scripts.pop_front().unwrap_or(ActionScript {
        running_polls: st.action_polls,
        end: ActionEnd::Success,
    });
    let a = FakeAction {
        id,
        command: command.into(),
        resources,
        script,
        polled: 0,
    };
    st.actions.insert(id, a);
    id
}

/// The action as it stands after `polled` polls.
pub(super) fn action_json(st: &HcloudState, id: u64) -> Value {
    let Some(a) = st.actions.get(&id) else {
        return Value::Null;
    };
    // The answer that starts it (0 polls) and `running_polls` polls say running.
    let running = (a.script.running_polls > 0 && a.polled <= a.script.running_polls)
        || a.script.end == ActionEnd::Never;
    let (status, error) = match &a.script.end {
        _ if running => ("running", Value::Null),
        ActionEnd::Error { code, message } => ("error", json!({"code": code, "message": message})),
        _ => ("success", Value::Null),
    };
    let resources: Vec<Value> = a
        .resources
        .iter()
        .map(|(id, t)| json!({"id": id, "type": t}))
        .collect();
    json!({"id": a.id, "command": a.command, "status": status,
        "progress": if running { 0 } else { 100 }, "started": CREATED,
        "finished": if running { Value::Null } else { json!(CREATED) },
        "resources": resources, "error": error})
}

/// Counts a poll of action `id`; its JSON.
pub(super) fn polled(st: &mut HcloudState, id: u64) -> Value {
    if let Some(a) = st.actions.get_mut(&id) {
        a.polled = a.polled.saturating_add(1);
    }
    action_json(st, id)
}

/// `GET /actions?id=…`: the asked actions that exist (the bare list was
/// removed from the API in 2025).
pub(super) fn poll(st: &mut HcloudState, req: &Request) -> Reply {
    let raw = req.query_all("id");
    if raw.is_empty() {
        return field("id", "listing actions without id is not supported");
    }
    let mut ids = Vec::new();
    for r in raw {
        match r.parse::<u64>() {
            Ok(i) if !ids.contains(&i) => ids.push(i),
            Ok(_) => {}
            Err(_) => return field("id", "must be an integer"),
        }
    }
    ids.retain(|i| st.actions.contains_key(i));
    let list: Vec<Value> = ids.into_iter().map(|i| polled(st, i)).collect();
    paged(req, "actions", list)
}
