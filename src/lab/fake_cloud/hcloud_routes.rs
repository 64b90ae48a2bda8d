//! The fake Hetzner Cloud's routes: servers, firewalls and their actions,
//! and the action polls. See `hcloud.rs` for what it models.

use serde_json::{json, Value};

use super::poll::{action_json, poll, polled, start};
use super::rules::{self, FieldError};
use super::{invalid, ActionEnd, CloudServer, Firewall, HcloudState, Resource};
use crate::lab::fake_http::{Reply, Request};

pub(super) const CREATED: &str = "2026-01-01T00:00:00+00:00";

fn not_found(what: &str) -> Reply {
    Reply::error(404, "not_found", &format!("{what} not found"))
}

pub(super) fn field(name: &str, message: &str) -> Reply {
    invalid(&[(name.to_string(), message.to_string())])
}

/// Answers an authorised request.
pub(super) fn route(st: &mut HcloudState, req: &Request) -> Reply {
    let path = req.path().strip_prefix("/v1").unwrap_or("");
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let id = |s: &str| s.parse::<u64>().ok();
    match (req.method.as_str(), parts.as_slice()) {
        ("GET", ["servers"]) => {
            let name = req.query("name");
            let list: Vec<Value> = st
                .servers
                .values()
                .filter(|s| name.as_deref().is_none_or(|n| n == s.name))
                .map(|s| server_json(st, s))
                .collect();
            paged(req, "servers", list)
        }
        ("GET", ["servers", i]) => match id(i).and_then(|i| st.servers.get(&i)) {
            Some(s) => Reply::json(200, json!({"server": server_json(st, s)})),
            None => not_found("server"),
        },
        ("GET", ["firewalls"]) => {
            let name = req.query("name");
            let list: Vec<Value> = st
                .firewalls
                .values()
                .filter(|f| name.as_deref().is_none_or(|n| n == f.name))
                .map(|f| firewall_json(st, f))
                .collect();
            paged(req, "firewalls", list)
        }
        ("POST", ["firewalls"]) => create(st, &req.json()),
        ("GET", ["firewalls", i]) => match id(i).and_then(|i| st.firewalls.get(&i)) {
            Some(f) => Reply::json(200, json!({"firewall": firewall_json(st, f)})),
            None => not_found("firewall"),
        },
        ("PUT", ["firewalls", i]) => update(st, id(i), &req.json()),
        ("DELETE", ["firewalls", i]) => match id(i).and_then(|i| st.firewalls.get(&i)) {
            None => not_found("firewall"),
            Some(f) if !f.applied_to.is_empty() => {
                Reply::error(422, "resource_in_use", "the firewall is still applied")
            }
            Some(f) => {
                let i = f.id;
                st.firewalls.remove(&i);
                Reply::raw(204, Vec::new())
            }
        },
        ("POST", ["firewalls", i, "actions", what]) => match id(i) {
            Some(i) if st.firewalls.contains_key(&i) => firewall_action(st, i, what, &req.json()),
            _ => not_found("firewall"),
        },
        ("GET", ["actions"]) => poll(st, req),
        ("GET", ["actions", i]) => match id(i).filter(|i| st.actions.contains_key(i)) {
            Some(i) => Reply::json(200, json!({"action": polled(st, i)})),
            None => not_found("action"),
        },
        _ => not_found("route"),
    }
}

/// A page of `list` under `key`, with `meta.pagination`.
pub(super) fn paged(req: &Request, key: &str, list: Vec<Value>) -> Reply {
    let num = |k: &str, default: u64| match req.query(k) {
        None => Some(default),
        Some(v) => v.parse::<u64>().ok().filter(|n| *n >= 1),
    };
    let Some(page) = num("page", 1) else {
        return field("page", "must be a number from 1");
    };
    let per_page = match num("per_page", 25) {
        Some(n) if n <= 50 => n,
        _ => return field("per_page", "must be a number from 1 to 50"),
    };
    let total = list.len() as u64;
    let last = total.div_ceil(per_page).max(1);
    let items: Vec<Value> = list
        .into_iter()
        .skip(((page - 1).saturating_mul(per_page)) as usize)
        .take(per_page as usize)
        .collect();
    let next = (page < last).then_some(page + 1);
    let previous = (page > 1).then(|| page - 1);
    Reply::json(
        200,
        json!({key: items, "meta": {"pagination": {"page": page, "per_page": per_page,
            "previous_page": previous, "next_page": next, "last_page": last,
            "total_entries": total}}}),
    )
}

fn server_json(st: &HcloudState, s: &CloudServer) -> Value {
    let firewalls: Vec<Value> = st
        .firewalls
        .values()
        .filter(|f| servers_of(st, f).contains(&s.id))
        .map(|f| json!({"id": f.id, "status": "applied"}))
        .collect();
    let private: Vec<Value> = s
        .private
        .iter()
        .enumerate()
        .map(|(i, ip)| {
            json!({"network": 4711 + i, "ip": ip, "alias_ips": [],
                "mac_address": format!("86:00:00:2a:7d:{:02x}", i)})
        })
        .collect();
    json!({"id": s.id, "name": s.name, "status": "running", "created": CREATED,
        "labels": s.labels,
        "public_net": {
            "ipv4": s.ipv4.as_ref().map(|ip| json!({"id": s.id + 1, "ip": ip, "blocked": false,
                "dns_ptr": format!("static.{ip}.clients.your-server.de")})),
            "ipv6": s.ipv6.as_ref().map(|ip| json!({"id": s.id + 2, "ip": ip, "blocked": false,
                "dns_ptr": []})),
            "floating_ips": [], "firewalls": firewalls},
        "private_net": private})
}

/// The servers `f` applies to, directly or by label.
fn servers_of(st: &HcloudState, f: &Firewall) -> Vec<u64> {
    let mut out = Vec::new();
    for r in &f.applied_to {
        match r {
            Resource::Server(id) => out.push(*id),
            Resource::LabelSelector(sel) => out.extend(matching(st, sel)),
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn matching(st: &HcloudState, selector: &str) -> Vec<u64> {
    let (k, v) = selector.split_once('=').unwrap_or((selector, ""));
    st.servers
        .values()
        .filter(|s| {
            s.labels
                .get(k)
                .is_some_and(|have| v.is_empty() || have == v)
        })
        .map(|s| s.id)
        .collect()
}

fn resource_json(st: &HcloudState, r: &Resource) -> Value {
    match r {
        Resource::Server(id) => json!({"type": "server", "server": {"id": id}}),
        Resource::LabelSelector(sel) => {
            let matched: Vec<Value> = matching(st, sel)
                .into_iter()
                .map(|id| json!({"type": "server", "server": {"id": id}}))
                .collect();
            json!({"type": "label_selector", "label_selector": {"selector": sel},
                "applied_to_resources": matched})
        }
    }
}

fn firewall_json(st: &HcloudState, f: &Firewall) -> Value {
    let applied: Vec<Value> = f.applied_to.iter().map(|r| resource_json(st, r)).collect();
    json!({"id": f.id, "name": f.name, "labels": f.labels, "created": CREATED,
        "rules": f.rules, "applied_to": applied})
}

/// The resources of a request's `key` list.
fn resources(st: &HcloudState, body: &Value, key: &str) -> Result<Vec<Resource>, Reply> {
    let list = match body.get(key) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(field(key, "must be a list")),
    };
    let mut out = Vec::new();
    for (i, r) in list.iter().enumerate() {
        let at = format!("{key}[{i}]");
        match r.get("type").and_then(Value::as_str) {
            Some("server") => match r.pointer("/server/id").and_then(Value::as_u64) {
                Some(id) if st.servers.contains_key(&id) => out.push(Resource::Server(id)),
                Some(_) => {
                    return Err(Reply::error(
                        422,
                        "firewall_resource_not_found",
                        "the server does not exist",
                    ))
                }
                None => return Err(field(&format!("{at}.server.id"), "is required")),
            },
            Some("label_selector") => {
                match r
                    .pointer("/label_selector/selector")
                    .and_then(Value::as_str)
                {
                    Some(s) if !s.is_empty() => out.push(Resource::LabelSelector(s.into())),
                    _ => return Err(field(&format!("{at}.label_selector"), "is required")),
                }
            }
            _ => {
                return Err(field(
                    &format!("{at}.type"),
                    "must be server or label_selector",
                ))
            }
        }
    }
    Ok(out)
}

fn name_of(body: &Value) -> Result<Option<String>, Reply> {
    match body.get("name") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(n))
            if (1..=128).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            Ok(Some(n.clone()))
        }
        Some(_) => Err(field("name", "must be 1 to 128 printable characters")),
    }
}

fn taken(st: &HcloudState, name: &str, except: u64) -> bool {
    st.firewalls
        .values()
        .any(|f| f.name == name && f.id != except)
}

fn uniqueness() -> Reply {
    Reply::error(
        409,
        "uniqueness_error",
        "firewall with the same name already exists",
    )
}

fn labels_of(body: &Value) -> Result<Option<Value>, Reply> {
    match body.get("labels") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) if m.values().all(Value::is_string) => {
            Ok(Some(Value::Object(m.clone())))
        }
        Some(_) => Err(field("labels", "must be an object of strings")),
    }
}

fn rules_of(st: &mut HcloudState, v: Option<&Value>) -> Result<Vec<Value>, Reply> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(v) => rules::rules(v, &mut st.shuffle).map_err(|e: Vec<FieldError>| invalid(&e)),
    }
}

fn create(st: &mut HcloudState, body: &Value) -> Reply {
    if !body.is_object() {
        return Reply::error(400, "json_error", "the body is not a JSON object");
    }
    let made = (|| {
        let name = name_of(body)?.ok_or_else(|| field("name", "is required"))?;
        let labels = labels_of(body)?.unwrap_or_else(|| json!({}));
        let rules = rules_of(st, body.get("rules"))?;
        let apply = resources(st, body, "apply_to")?;
        if taken(st, &name, 0) {
            return Err(uniqueness());
        }
        Ok((name, labels, rules, apply))
    })();
    let (name, labels, rules, apply) = match made {
        Ok(m) => m,
        Err(r) => return r,
    };
    let id = st.new_id();
    let mut actions = Vec::new();
    if !rules.is_empty() {
        actions.push(start(st, "set_firewall_rules", vec![(id, "firewall")]));
    }
    for r in &apply {
        if let Resource::Server(s) = r {
            actions.push(start(
                st,
                "apply_firewall",
                vec![(*s, "server"), (id, "firewall")],
            ));
        }
    }
    let f = Firewall {
        id,
        name,
        labels,
        rules,
        applied_to: apply,
    };
    let shown = firewall_json(st, &f);
    st.firewalls.insert(id, f);
    let actions: Vec<Value> = actions.iter().map(|a| action_json(st, *a)).collect();
    Reply::json(201, json!({"firewall": shown, "actions": actions}))
}

fn update(st: &mut HcloudState, id: Option<u64>, body: &Value) -> Reply {
    let Some(id) = id.filter(|i| st.firewalls.contains_key(i)) else {
        return not_found("firewall");
    };
    let (name, labels) = match (name_of(body), labels_of(body)) {
        (Ok(n), Ok(l)) => (n, l),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    if name.as_deref().is_some_and(|n| taken(st, n, id)) {
        return uniqueness();
    }
    if let Some(f) = st.firewalls.get_mut(&id) {
        if let Some(n) = name {
            f.name = n;
        }
        if let Some(l) = labels {
            f.labels = l;
        }
    }
    match st.firewalls.get(&id) {
        Some(f) => Reply::json(200, json!({"firewall": firewall_json(st, f)})),
        None => not_found("firewall"),
    }
}

fn firewall_action(st: &mut HcloudState, id: u64, what: &str, body: &Value) -> Reply {
    let Some(f) = st.firewalls.get(&id).cloned() else {
        return not_found("firewall");
    };
    let started: Vec<u64>;
    let mut after = f.clone();
    match what {
        "set_rules" => {
            if body.get("rules").is_none() {
                return field("rules", "is required");
            }
            after.rules = match rules_of(st, body.get("rules")) {
                Ok(r) => r,
                Err(reply) => return reply,
            };
            let mut a = vec![start(st, "set_firewall_rules", vec![(id, "firewall")])];
            for s in servers_of(st, &f) {
                a.push(start(
                    st,
                    "apply_firewall",
                    vec![(s, "server"), (id, "firewall")],
                ));
            }
            started = a;
        }
        "apply_to_resources" | "remove_from_resources" => {
            let applying = what == "apply_to_resources";
            let key = if applying { "apply_to" } else { "remove_from" };
            let list = match resources(st, body, key) {
                Ok(l) if !l.is_empty() => l,
                Ok(_) => return field(key, "is required"),
                Err(r) => return r,
            };
            for r in &list {
                let present = f.applied_to.contains(r);
                if applying && present {
                    return Reply::error(422, "firewall_already_applied", "already applied");
                }
                if !applying && !present {
                    return Reply::error(422, "firewall_already_removed", "not applied");
                }
            }
            let command = if applying {
                "apply_firewall"
            } else {
                "remove_firewall"
            };
            let mut a = Vec::new();
            for r in &list {
                let servers = match r {
                    Resource::Server(s) => vec![*s],
                    Resource::LabelSelector(sel) => matching(st, sel),
                };
                for s in servers {
                    a.push(start(st, command, vec![(s, "server"), (id, "firewall")]));
                }
                if applying {
                    after.applied_to.push(r.clone());
                } else {
                    after.applied_to.retain(|x| x != r);
                }
            }
            started = a;
        }
        _ => return not_found("action route"),
    }
    let fails = started.iter().any(|a| {
        st.actions
            .get(a)
            .is_some_and(|a| matches!(a.script.end, ActionEnd::Error { .. }))
    });
    if !fails {
        st.firewalls.insert(id, after);
    }
    let actions: Vec<Value> = started.iter().map(|a| action_json(st, *a)).collect();
    Reply::json(201, json!({"actions": actions}))
}
