//! The VPC (Neutron v2.0) routes of the OTC fake: security groups (list,
//! one with its rules, create with the two default egress rules), rules
//! (list by group with `limit`/`marker` and `security_group_rules_links`,
//! create with Neutron's checks — 400 for a bad body, 404 for an unknown
//! group, 409 `SecurityGroupRuleExists` for a duplicate — and delete,
//! 204 or 404) and ports (list by `device_id`, set `security_groups`).
//! A bare IP in `remote_ip_prefix` is stored as /32 or /128, as OTC does.

use std::net::IpAddr;

use serde_json::{json, Value};

use super::state::{OtcState, Rule};
use super::{neutron, next_link, page_of};
use crate::lab::fake_http::{Reply, Request};

fn group_json(st: &OtcState, id: &str) -> Option<Value> {
    let g = st.groups.iter().find(|g| g.id == id)?;
    let rules: Vec<Value> = st
        .rules_of(id)
        .iter()
        .map(|r| r.json(&st.project_id))
        .collect();
    Some(
        json!({"id": g.id, "name": g.name, "description": g.description,
        "tenant_id": st.project_id, "project_id": st.project_id,
        "security_group_rules": rules}),
    )
}

pub(super) fn groups(st: &OtcState, req: &Request) -> Reply {
    let name = req.query("name");
    let list: Vec<Value> = st
        .groups
        .iter()
        .filter(|g| name.as_deref().is_none_or(|n| g.name == n))
        .filter_map(|g| group_json(st, &g.id))
        .collect();
    Reply::json(200, json!({ "security_groups": list }))
}

pub(super) fn group(st: &OtcState, id: &str) -> Reply {
    match group_json(st, id) {
        Some(g) => Reply::json(200, json!({ "security_group": g })),
        None => neutron(
            404,
            "SecurityGroupNotFound",
            &format!("Security group {id} does not exist"),
        ),
    }
}

pub(super) fn create_group(st: &mut OtcState, req: &Request) -> Reply {
    let body = req.json();
    let g = &body["security_group"];
    let Some(name) = g["name"]
        .as_str()
        .filter(|n| !n.is_empty() && n.len() <= 64)
    else {
        return neutron(
            400,
            "HTTPBadRequest",
            "security_group.name is required (1-64 characters)",
        );
    };
    let description = g["description"].as_str().unwrap_or("").to_string();
    let id = st.add_group(name, &description);
    match group_json(st, &id) {
        Some(g) => Reply::json(201, json!({ "security_group": g })),
        None => neutron(500, "Internal", "group vanished"),
    }
}

pub(super) fn rules(st: &OtcState, req: &Request) -> Reply {
    let group = req.query("security_group_id");
    let list: Vec<&Rule> = st
        .rules
        .iter()
        .filter(|r| group.as_deref().is_none_or(|g| r.security_group_id == g))
        .collect();
    let ids: Vec<&str> = list.iter().map(|r| r.id.as_str()).collect();
    let (start, end, more) = match page_of(req, &ids, st.neutron_page_max) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let page: Vec<Value> = list[start..end]
        .iter()
        .map(|r| r.json(&st.project_id))
        .collect();
    let mut body = json!({ "security_group_rules": page });
    if more {
        if let Some(last) = ids.get(end.wrapping_sub(1)) {
            body["security_group_rules_links"] = next_link(req.path(), end - start, last);
        }
    }
    Reply::json(200, body)
}

fn bad(msg: &str) -> Reply {
    neutron(400, "HTTPBadRequest", msg)
}

fn port(v: &Value, key: &str) -> Result<Option<u16>, Reply> {
    match &v[key] {
        Value::Null => Ok(None),
        x => x
            .as_u64()
            .and_then(|n| u16::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| bad(&format!("{key} must be 0-65535 or null"))),
    }
}

fn prefix(v: &Value, ethertype: &str) -> Result<Option<String>, Reply> {
    let Some(s) = v["remote_ip_prefix"].as_str() else {
        return match &v["remote_ip_prefix"] {
            Value::Null => Ok(None),
            _ => Err(bad("remote_ip_prefix must be a CIDR")),
        };
    };
    let (ip, len) = match s.split_once('/') {
        Some((ip, l)) => (ip, l.parse::<u8>().ok()),
        None => (s, None),
    };
    let ip: IpAddr = ip
        .parse()
        .map_err(|_| bad("remote_ip_prefix must be a CIDR"))?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let len = match len {
        Some(l) if l <= max => l,
        None if !s.contains('/') => max,
        _ => return Err(bad("remote_ip_prefix has a bad prefix length")),
    };
    if (ip.is_ipv4()) != (ethertype == "IPv4") {
        return Err(bad("remote_ip_prefix does not match the ethertype"));
    }
    Ok(Some(format!("{ip}/{len}")))
}

fn parse_rule(st: &mut OtcState, v: &Value) -> Result<Rule, Reply> {
    let text = |k: &str| v[k].as_str().map(str::to_string);
    let group = text("security_group_id").ok_or_else(|| bad("security_group_id is required"))?;
    if !st.groups.iter().any(|g| g.id == group) {
        return Err(neutron(
            404,
            "SecurityGroupNotFound",
            &format!("Security group {group} does not exist"),
        ));
    }
    let direction = text("direction").filter(|d| d == "ingress" || d == "egress");
    let direction = direction.ok_or_else(|| bad("direction must be ingress or egress"))?;
    let ethertype = match &v["ethertype"] {
        Value::Null => "IPv4".to_string(),
        Value::String(e) if e == "IPv4" || e == "IPv6" => e.clone(),
        _ => return Err(bad("ethertype must be IPv4 or IPv6")),
    };
    let protocol = match &v["protocol"] {
        Value::Null => None,
        Value::String(p) if ["tcp", "udp", "icmp"].contains(&p.as_str()) => Some(p.clone()),
        Value::String(p) if p.parse::<u8>().is_ok() => Some(p.clone()),
        _ => return Err(bad("protocol must be tcp, udp, icmp, a number or null")),
    };
    let (min, max) = (port(v, "port_range_min")?, port(v, "port_range_max")?);
    let ported = matches!(protocol.as_deref(), Some("tcp") | Some("udp"));
    if ported && min.zip(max).is_some_and(|(a, b)| a > b || a == 0) {
        return Err(bad(
            "port_range_min must be 1 or more and at most port_range_max",
        ));
    }
    if ported && min.is_some() != max.is_some() {
        return Err(bad("give both port bounds or neither"));
    }
    if protocol.is_none() && (min.is_some() || max.is_some()) {
        return Err(bad("ports need a protocol"));
    }
    let remote_ip_prefix = prefix(v, &ethertype)?;
    let remote_group_id = text("remote_group_id");
    if remote_ip_prefix.is_some() as u8
        + remote_group_id.is_some() as u8
        + !v["remote_address_group_id"].is_null() as u8
        > 1
    {
        return Err(bad(
            "remote_ip_prefix, remote_group_id and remote_address_group_id are exclusive",
        ));
    }
    let description = text("description").unwrap_or_default();
    if description.len() > 255 {
        return Err(bad("description is longer than 255 characters"));
    }
    Ok(Rule {
        id: st.new_id(0x52),
        security_group_id: group,
        direction,
        ethertype,
        protocol,
        port_range_min: min,
        port_range_max: max,
        remote_ip_prefix,
        remote_group_id,
        description,
    })
}

pub(super) fn create_rule(st: &mut OtcState, req: &Request) -> Reply {
    let body = req.json();
    let v = &body["security_group_rule"];
    if !v.is_object() {
        return bad("the body needs a security_group_rule object");
    }
    let rule = match parse_rule(st, v) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    if let Some(dup) = st.rules.iter().find(|r| r.same_as(&rule)) {
        return neutron(
            409,
            "SecurityGroupRuleExists",
            &format!("Security group rule already exists. Rule id is {}.", dup.id),
        );
    }
    let answer = rule.json(&st.project_id);
    st.rules.push(rule);
    Reply::json(201, json!({ "security_group_rule": answer }))
}

pub(super) fn delete_rule(st: &mut OtcState, id: &str) -> Reply {
    match st.rules.iter().position(|r| r.id == id) {
        Some(i) => {
            st.rules.remove(i);
            Reply::raw(204, Vec::new())
        }
        None => neutron(
            404,
            "SecurityGroupRuleNotFound",
            &format!("Security group rule {id} does not exist"),
        ),
    }
}

pub(super) fn ports(st: &OtcState, req: &Request) -> Reply {
    let device = req.query("device_id");
    let list: Vec<Value> = st
        .ports
        .iter()
        .filter(|p| device.as_deref().is_none_or(|d| p.device_id == d))
        .map(|p| p.json(&st.project_id))
        .collect();
    Reply::json(200, json!({ "ports": list }))
}

pub(super) fn update_port(st: &mut OtcState, req: &Request, id: &str) -> Reply {
    let body = req.json();
    let Some(groups) = body["port"]["security_groups"].as_array() else {
        return bad("the body needs port.security_groups");
    };
    let mut ids = Vec::new();
    for g in groups {
        let Some(g) = g.as_str() else {
            return bad("security_groups must be group ids");
        };
        if !st.groups.iter().any(|x| x.id == g) {
            return neutron(
                404,
                "SecurityGroupNotFound",
                &format!("Security group {g} does not exist"),
            );
        }
        ids.push(g.to_string());
    }
    let project = st.project_id.clone();
    match st.ports.iter_mut().find(|p| p.id == id) {
        Some(p) => {
            p.security_groups = ids;
            Reply::json(200, json!({"port": p.json(&project)}))
        }
        None => neutron(
            404,
            "PortNotFound",
            &format!("Port {id} could not be found."),
        ),
    }
}
