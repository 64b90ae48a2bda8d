//! A window at Open Telekom Cloud, planned from the security group and
//! its rules as read: one ingress rule per source (`POST
//! /v2.0/security-group-rules`, the ethertype from the source's family),
//! and closing deletes the marked rules by id. Rules have no update call;
//! nothing else in the group is touched. Pure functions: JSON facts in,
//! [`ApiCall`]s out.

use serde_json::{json, Value};

pub use super::ReadError;
use super::{maintenance_mark, named, valid_id, EdgeRule, Opening, Which};
use crate::contract::api::{ApiCall, Method, Service};
use crate::inventory::Cidr;

/// The list key of `GET /v2.0/security-groups`.
pub const GROUPS_KEY: &str = "security_groups";

/// The list key of `GET /v2.0/security-group-rules`.
pub const RULES_KEY: &str = "security_group_rules";

/// `GET /v2.0/security-groups?name=<object>` (list: [`GROUPS_KEY`]).
pub fn find_path(object: &str) -> String {
    format!("/v2.0/security-groups?name={object}")
}

/// The id of the group named `object` in a security-group list.
pub fn group(list: &Value, object: &str) -> Result<String, ReadError> {
    let g = named(list, object, "security-group")?;
    g.get("id")
        .and_then(Value::as_str)
        .filter(|id| valid_id(id))
        .map(str::to_string)
        .ok_or_else(|| ReadError::Bad(format!("security group {object} has no usable id")))
}

/// `GET /v2.0/security-group-rules?security_group_id=<id>` (list:
/// [`RULES_KEY`]); `group` is a checked id.
pub fn rules_path(group: &str) -> String {
    format!("/v2.0/security-group-rules?security_group_id={group}")
}

/// The ethertype of a source.
pub fn ethertype(source: &Cidr) -> &'static str {
    if source.addr.is_ipv4() {
        "IPv4"
    } else {
        "IPv6"
    }
}

/// The rule bodies of an opening: one per source.
pub fn create_calls(group: &str, o: &Opening) -> Result<Vec<(ApiCall, Cidr)>, super::EdgeError> {
    o.sources
        .iter()
        .map(|s| {
            let body = json!({"security_group_rule": {
                "security_group_id": group,
                "direction": "ingress",
                "ethertype": ethertype(s),
                "protocol": "tcp",
                "port_range_min": o.port,
                "port_range_max": o.port,
                "remote_ip_prefix": s.to_string(),
                "description": o.description(),
            }});
            let call = ApiCall::new(
                Method::Post,
                "/v2.0/security-group-rules",
                Some(body),
                format!(
                    "open maintenance {} to {s} in security group {group}",
                    o.window
                ),
            )?
            .on(Service::OtcVpc);
            Ok((call, *s))
        })
        .collect()
}

/// The id of a created rule, from the 201 answer.
pub fn created_id(answer: &Value) -> Option<String> {
    answer
        .get("security_group_rule")?
        .get("id")?
        .as_str()
        .filter(|id| valid_id(id))
        .map(str::to_string)
}

/// The maintenance rule an OTC rule is, if its description marks one and
/// its id is usable.
pub fn as_maintenance(rule: &Value) -> Option<EdgeRule> {
    let (window, until) = maintenance_mark(rule.get("description").and_then(Value::as_str))?;
    let id = rule.get("id")?.as_str().filter(|id| valid_id(id))?;
    let port = |k: &str| {
        rule.get(k)
            .and_then(Value::as_u64)
            .and_then(|p| u16::try_from(p).ok())
    };
    let ports = match (port("port_range_min"), port("port_range_max")) {
        (Some(a), Some(b)) if a <= b => Some((a, b)),
        _ => None,
    };
    let sources = rule
        .get("remote_ip_prefix")
        .and_then(Value::as_str)
        .and_then(|s| Cidr::parse(s).ok())
        .into_iter()
        .collect();
    Some(EdgeRule {
        id: Some(id.to_string()),
        window,
        until,
        sources,
        ports,
    })
}

/// Every maintenance rule in a rule list.
pub fn maintenance(rules: &Value) -> Result<Vec<EdgeRule>, String> {
    let items = rules
        .as_array()
        .ok_or("the security-group-rule list is not an array")?;
    Ok(items.iter().filter_map(as_maintenance).collect())
}

/// `DELETE /v2.0/security-group-rules/<id>` for a rule with an id.
pub fn delete_call(rule: &EdgeRule) -> Result<Option<ApiCall>, super::EdgeError> {
    let Some(id) = rule.id.as_deref().filter(|id| valid_id(id)) else {
        return Ok(None);
    };
    Ok(Some(
        ApiCall::new(
            Method::Delete,
            format!("/v2.0/security-group-rules/{id}"),
            None,
            format!("close maintenance {} (rule {id})", rule.window),
        )?
        .on(Service::OtcVpc),
    ))
}

/// The deletions `which` selects from a rule list: (call, rule) pairs.
pub fn close_calls(
    rules: &[EdgeRule],
    which: &Which,
) -> Result<Vec<(ApiCall, EdgeRule)>, super::EdgeError> {
    let mut out = Vec::new();
    for r in rules.iter().filter(|r| which.selects(r)) {
        if let Some(c) = delete_call(r)? {
            out.push((c, r.clone()));
        }
    }
    Ok(out)
}
