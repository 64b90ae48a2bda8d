//! A window at Hetzner Cloud, planned from the firewall as read: rules
//! are replaced as a whole (`POST /firewalls/{id}/actions/set_rules`), so
//! opening sends the firewall's current rules plus the window's, and
//! closing sends them without the rules being closed. Every rule kept is
//! sent back as the API returned it, minus the empty fields the API fills
//! in (`destination_ips: []`, `description: null`), which requests leave
//! out. Pure functions: JSON facts in, [`ApiCall`]s out.

use serde_json::{json, Map, Value};

pub use super::ReadError;
use super::{maintenance_mark, named, EdgeRule, Opening, Which};
use crate::contract::api::{ApiCall, Method, Service};
use crate::inventory::Cidr;

/// The most rules a firewall read is accepted with (the API allows 50).
pub const MAX_RULES: usize = 500;

/// The most sources in one rule (the API's limit).
pub const MAX_SOURCES: usize = 100;

/// The list key of `GET /firewalls`.
pub const LIST_KEY: &str = "firewalls";

/// Harden's firewall for a host, as read.
#[derive(Debug, Clone, PartialEq)]
pub struct Firewall {
    /// Its id.
    pub id: u64,
    /// Its name.
    pub name: String,
    /// Its rules, cleaned for sending back.
    pub rules: Vec<Value>,
}

/// `GET /firewalls?name=<object>` (list: [`LIST_KEY`]).
pub fn find_path(object: &str) -> String {
    format!("/firewalls?name={object}")
}

/// The firewall named `object` in a `GET /firewalls?name=` list.
pub fn firewall(list: &Value, object: &str) -> Result<Firewall, ReadError> {
    let f = named(list, object, "firewall")?;
    let id = f
        .get("id")
        .and_then(Value::as_u64)
        .filter(|id| *id > 0)
        .ok_or_else(|| ReadError::Bad(format!("firewall {object} has no numeric id")))?;
    let rules = match f.get("rules") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(r)) if r.len() <= MAX_RULES => r
            .iter()
            .enumerate()
            .map(|(i, r)| clean(r).map_err(|m| ReadError::Bad(format!("rule {i}: {m}"))))
            .collect::<Result<_, _>>()?,
        Some(Value::Array(r)) => {
            return Err(ReadError::Bad(format!(
                "firewall {object} has {} rules, more than {MAX_RULES}",
                r.len()
            )))
        }
        Some(_) => return Err(ReadError::Bad("rules is not an array".into())),
    };
    Ok(Firewall {
        id,
        name: object.to_string(),
        rules,
    })
}

/// A rule as it is sent back: only the request's fields, without nulls
/// and empty lists; strings bounded and free of control characters.
fn clean(rule: &Value) -> Result<Value, String> {
    let obj = rule.as_object().ok_or("not an object")?;
    let mut out = Map::new();
    for key in [
        "direction",
        "protocol",
        "port",
        "source_ips",
        "destination_ips",
        "description",
    ] {
        match obj.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if key.ends_with("_ips") => {
                return Err(format!("{key} is a string ({})", s.len()))
            }
            Some(Value::String(s)) => {
                check_text(key, s)?;
                out.insert(key.into(), json!(s));
            }
            Some(Value::Array(a)) if key.ends_with("_ips") => {
                if a.len() > MAX_SOURCES {
                    return Err(format!("{key} has more than {MAX_SOURCES} entries"));
                }
                for v in a {
                    check_text(key, v.as_str().ok_or(format!("{key} holds a non-string"))?)?;
                }
                if !a.is_empty() {
                    out.insert(key.into(), Value::Array(a.clone()));
                }
            }
            Some(_) => return Err(format!("{key} has an unexpected type")),
        }
    }
    for key in ["direction", "protocol"] {
        if !out.contains_key(key) {
            return Err(format!("it has no {key}"));
        }
    }
    Ok(Value::Object(out))
}

fn check_text(key: &str, s: &str) -> Result<(), String> {
    if s.chars().count() > 255 {
        return Err(format!("{key} is longer than 255 characters"));
    }
    if let Some((i, _)) = crate::inventory::text::first_bad(s) {
        return Err(format!("{key} holds a control character at {i}"));
    }
    Ok(())
}

/// The maintenance rule a cleaned rule is, if its description marks one.
pub fn as_maintenance(rule: &Value) -> Option<EdgeRule> {
    let (window, until) = maintenance_mark(rule.get("description").and_then(Value::as_str))?;
    let sources = rule
        .get("source_ips")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().and_then(|s| Cidr::parse(s).ok()))
                .collect()
        })
        .unwrap_or_default();
    Some(EdgeRule {
        id: None,
        window,
        until,
        sources,
        ports: rule.get("port").and_then(Value::as_str).and_then(ports),
    })
}

/// `"22"` or `"22-22"` as a port pair.
fn ports(s: &str) -> Option<(u16, u16)> {
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    let (a, b) = (a.parse().ok()?, b.parse().ok()?);
    (a <= b).then_some((a, b))
}

/// Every maintenance rule of `fw`.
pub fn maintenance(fw: &Firewall) -> Vec<EdgeRule> {
    fw.rules.iter().filter_map(as_maintenance).collect()
}

/// The rules of an opening (one per [`MAX_SOURCES`] sources, both
/// families in one rule, as the API allows).
pub fn opening_rules(o: &Opening) -> Vec<Value> {
    let sources: Vec<String> = o.sources.iter().map(|s| s.to_string()).collect();
    sources
        .chunks(MAX_SOURCES)
        .map(|chunk| {
            json!({
                "direction": "in",
                "protocol": "tcp",
                "port": o.port.to_string(),
                "source_ips": chunk,
                "description": o.description(),
            })
        })
        .collect()
}

fn set_rules(fw: &Firewall, rules: Vec<Value>, what: &str) -> Result<ApiCall, super::EdgeError> {
    Ok(ApiCall::new(
        Method::Post,
        format!("/firewalls/{}/actions/set_rules", fw.id),
        Some(json!({ "rules": rules })),
        format!("set the rules of firewall {} ({what})", fw.name),
    )?
    .on(Service::Hcloud))
}

/// Opening `o` in `fw`, dropping in the same call the maintenance rules
/// overdue at `now` and those `o` replaces: the call, the rules opened
/// and those dropped.
pub fn open(
    fw: &Firewall,
    o: &Opening,
    now: u64,
) -> Result<(ApiCall, Vec<EdgeRule>, Vec<EdgeRule>), super::EdgeError> {
    let overdue = Which::Overdue(now);
    let (mut keep, mut dropped) = (Vec::new(), Vec::new());
    for r in &fw.rules {
        match as_maintenance(r) {
            Some(m) if overdue.selects(&m) || m.replaced_by(o) => dropped.push(m),
            _ => keep.push(r.clone()),
        }
    }
    let new = opening_rules(o);
    let opened = new.iter().filter_map(as_maintenance).collect();
    keep.extend(new);
    let call = set_rules(fw, keep, &format!("open maintenance {}", o.window))?;
    Ok((call, opened, dropped))
}

/// Closing the rules `which` selects in `fw`: None when there are none
/// (no call), else the call and the rules it removes.
pub fn close(
    fw: &Firewall,
    which: &Which,
) -> Result<Option<(ApiCall, Vec<EdgeRule>)>, super::EdgeError> {
    let (mut keep, mut dropped) = (Vec::new(), Vec::new());
    for r in &fw.rules {
        match as_maintenance(r) {
            Some(m) if which.selects(&m) => dropped.push(m),
            _ => keep.push(r.clone()),
        }
    }
    if dropped.is_empty() {
        return Ok(None);
    }
    let call = set_rules(fw, keep, "close maintenance")?;
    Ok(Some((call, dropped)))
}
