//! Provider rule JSON to [`Atom`]s and back.
//!
//! Reading is strict: a value harden cannot represent exactly (host bits
//! in a prefix, a bad or backwards port, a protocol other than tcp, udp
//! and icmp, a source named by group, a type-specific ICMP rule) makes the
//! whole rule [`Unreadable`] with a reason, which the controls report;
//! a rule is never silently dropped. Egress rules read as `Ok(None)`:
//! harden manages inbound only (Hetzner allows all egress until the first
//! `out` rule exists; a new OTC group comes with allow-all egress rules
//! for IPv4 and IPv6; both are left as they are).
//!
//! Equivalent spellings read the same: `"22"` and `"22-22"`, `null` ports
//! and `1-65535`, `"any"`, a bare address and its /32 or /128, any IPv6
//! spelling, `null` remote prefix and `0.0.0.0/0` or `::/0` (by ethertype),
//! protocol numbers 6, 17, 1 and 58.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::rule::{Atom, EdgeProto, Mark};
use crate::inventory::Cidr;

/// The most sources one Hetzner rule holds.
pub const HCLOUD_MAX_SOURCES: usize = 100;
/// The most rules one Hetzner firewall holds.
pub const HCLOUD_MAX_RULES: usize = 50;
/// The most sources read from one rule (a hostile answer is bounded).
const MAX_READ_SOURCES: usize = 1000;

/// One provider rule, read: its atoms, the mark in its description, and
/// (OTC) its id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveRule {
    /// The atoms it admits (none for an inbound rule without sources).
    pub atoms: Vec<Atom>,
    /// What harden wrote it for, if harden wrote it.
    pub mark: Option<Mark>,
    /// The rule's id (OTC; checked), `None` at Hetzner.
    pub id: Option<String>,
}

/// A rule harden cannot read exactly, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    /// Its id, when the id itself is usable (OTC).
    pub id: Option<String>,
    /// Why it is not readable.
    pub why: String,
}

/// A value from an answer, safe to show: printable ASCII, at most 40
/// characters.
pub fn shown(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut out: String = s
        .chars()
        .take(40)
        .map(|c| if c.is_ascii_graphic() { c } else { '?' })
        .collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// A provider object id (a Hetzner number or an OpenStack UUID): letters,
/// digits and `-`, at most 64.
pub fn id_of(v: Option<&Value>) -> Option<String> {
    let s = match v? {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.as_u64()?.to_string(),
        _ => return None,
    };
    let ok =
        !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    ok.then_some(s)
}

fn source(v: &Value) -> Result<Cidr, String> {
    let s = v
        .as_str()
        .filter(|s| s.len() <= 64)
        .ok_or_else(|| format!("source {} is not a prefix", shown(v)))?;
    Cidr::parse(s).map_err(|_| format!("source {} is not an exact prefix", shown(v)))
}

fn port(t: &str) -> Option<u16> {
    t.parse::<u16>().ok().filter(|p| *p > 0)
}

/// Hetzner's `port`: `"22"`, `"80-85"`, `"any"` or `null` (all).
fn hcloud_ports(v: Option<&Value>) -> Result<(u16, u16), String> {
    let s = match v {
        None | Some(Value::Null) => return Ok((1, 65535)),
        Some(Value::String(s)) => s.as_str(),
        Some(other) => return Err(format!("port {} is not a string", shown(other))),
    };
    if s == "any" {
        return Ok((1, 65535));
    }
    let bad = || format!("port {} is not a port or range", shown(&json!(s)));
    let (a, b) = match s.split_once('-') {
        Some((a, b)) => (port(a).ok_or_else(bad)?, port(b).ok_or_else(bad)?),
        None => {
            let p = port(s).ok_or_else(bad)?;
            (p, p)
        }
    };
    if a > b {
        return Err(format!("port range {s} runs backwards"));
    }
    Ok((a, b))
}

fn mark_of(v: &Value) -> Option<Mark> {
    v.get("description")
        .and_then(Value::as_str)
        .filter(|d| d.len() <= 255)
        .and_then(Mark::parse)
}

/// One Hetzner rule (`{direction, protocol, port, source_ips, …}`):
/// `Ok(None)` for an `out` rule.
pub fn hcloud_rule(v: &Value) -> Result<Option<LiveRule>, Unreadable> {
    let bad = |why: String| Unreadable { id: None, why };
    match v.get("direction").and_then(Value::as_str) {
        Some("in") => {}
        Some("out") => return Ok(None),
        _ => return Err(bad("no direction in or out".into())),
    }
    let proto = match v.get("protocol").and_then(Value::as_str) {
        Some("tcp") => EdgeProto::Tcp,
        Some("udp") => EdgeProto::Udp,
        Some("icmp") => EdgeProto::Icmp,
        other => {
            let p = other.map(|s| shown(&json!(s))).unwrap_or("none".into());
            return Err(bad(format!(
                "protocol {p} is not modelled (tcp, udp, icmp)"
            )));
        }
    };
    let ports = match proto {
        EdgeProto::Icmp => match v.get("port") {
            None | Some(Value::Null) => None,
            Some(p) => return Err(bad(format!("an icmp rule with port {}", shown(p)))),
        },
        _ => Some(hcloud_ports(v.get("port")).map_err(bad)?),
    };
    let sources = match v.get("source_ips") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) if list.len() <= MAX_READ_SOURCES => list.clone(),
        Some(_) => return Err(bad("source_ips is not a bounded list".into())),
    };
    let mut atoms = Vec::new();
    for s in &sources {
        atoms.push(Atom {
            proto,
            ports,
            source: source(s).map_err(bad)?,
        });
    }
    Ok(Some(LiveRule {
        atoms,
        mark: mark_of(v),
        id: None,
    }))
}

fn port_text((a, b): (u16, u16)) -> String {
    if a == b {
        a.to_string()
    } else {
        format!("{a}-{b}")
    }
}

/// One Hetzner rule's identity: protocol, ports, description.
type GroupKey = (EdgeProto, Option<(u16, u16)>, String);

/// Hetzner rules for `atoms`: one rule per protocol, port range and mark
/// (the description), its sources merged, at most
/// [`HCLOUD_MAX_SOURCES`] each; more than [`HCLOUD_MAX_RULES`] rules is
/// an error naming the limit.
pub fn hcloud_rules(atoms: &BTreeMap<Atom, Mark>) -> Result<Vec<Value>, String> {
    let mut groups: BTreeMap<GroupKey, Vec<Cidr>> = BTreeMap::new();
    for (a, m) in atoms {
        groups
            .entry((a.proto, a.ports, m.description()))
            .or_default()
            .push(a.source);
    }
    let mut rules = Vec::new();
    for ((proto, ports, description), sources) in groups {
        for chunk in sources.chunks(HCLOUD_MAX_SOURCES) {
            let mut r = json!({
                "direction": "in",
                "protocol": proto.as_str(),
                "source_ips": chunk.iter().map(wire).collect::<Vec<_>>(),
                "description": description,
            });
            if let Some(p) = ports {
                r["port"] = json!(port_text(p));
            }
            rules.push(r);
        }
    }
    if rules.len() > HCLOUD_MAX_RULES {
        return Err(format!(
            "{} rules needed, more than the {HCLOUD_MAX_RULES} a Hetzner firewall holds (group sources or ports in the inventory)",
            rules.len()
        ));
    }
    Ok(rules)
}

/// A prefix as both APIs expect it: always with its length.
pub fn wire(c: &Cidr) -> String {
    format!("{}/{}", c.addr, c.prefix)
}

fn otc_proto(v: Option<&Value>, v6: bool) -> Result<EdgeProto, String> {
    let s = match v {
        None | Some(Value::Null) => {
            return Err("any protocol (null) is wider than tcp, udp and icmp".into())
        }
        Some(Value::String(s)) => s.to_ascii_lowercase(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => return Err(format!("protocol {} is not a name", shown(other))),
    };
    Ok(match s.as_str() {
        "tcp" | "6" => EdgeProto::Tcp,
        "udp" | "17" => EdgeProto::Udp,
        "icmp" => EdgeProto::Icmp,
        "1" if !v6 => EdgeProto::Icmp,
        "ipv6-icmp" | "icmpv6" | "58" if v6 => EdgeProto::Icmp,
        _ => {
            return Err(format!(
                "protocol {} is not modelled (tcp, udp, icmp)",
                shown(&json!(s))
            ))
        }
    })
}

fn otc_port(v: Option<&Value>) -> Result<Option<u16>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .filter(|p| *p > 0)
            .map(Some)
            .ok_or_else(|| format!("port {n} is not 1-65535")),
        Some(other) => Err(format!("port {} is not a number", shown(other))),
    }
}

/// One Neutron security-group rule: `Ok(None)` for an egress rule.
pub fn otc_rule(v: &Value) -> Result<Option<LiveRule>, Unreadable> {
    let id = id_of(v.get("id"));
    let bad = |why: String| Unreadable {
        id: id.clone(),
        why,
    };
    if id.is_none() {
        return Err(bad("the rule has no usable id".into()));
    }
    match v.get("direction").and_then(Value::as_str) {
        Some("ingress") => {}
        Some("egress") => return Ok(None),
        _ => return Err(bad("no direction ingress or egress".into())),
    }
    let v6 = match v.get("ethertype").and_then(Value::as_str) {
        Some("IPv4") => false,
        Some("IPv6") => true,
        _ => return Err(bad("ethertype is neither IPv4 nor IPv6".into())),
    };
    let proto = otc_proto(v.get("protocol"), v6).map_err(bad)?;
    let set = |k: &str| v.get(k).is_some_and(|p| !p.is_null());
    if proto == EdgeProto::Icmp && (set("port_range_min") || set("port_range_max")) {
        return Err(bad(
            "a type- or code-specific ICMP rule is not modelled".into()
        ));
    }
    let (lo, hi) = (
        otc_port(v.get("port_range_min")).map_err(bad)?,
        otc_port(v.get("port_range_max")).map_err(bad)?,
    );
    let ports = match (proto, lo, hi) {
        (EdgeProto::Icmp, None, None) => None,
        (EdgeProto::Icmp, _, _) => {
            return Err(bad(
                "a type- or code-specific ICMP rule is not modelled".into()
            ))
        }
        (_, None, None) => Some((1, 65535)),
        (_, Some(a), Some(b)) if a <= b => Some((a, b)),
        _ => return Err(bad("the port range is half-open or backwards".into())),
    };
    for k in ["remote_group_id", "remote_address_group_id"] {
        if v.get(k).is_some_and(|g| !g.is_null()) {
            return Err(bad(format!(
                "sources named by {k} are not modelled (harden compares prefixes)"
            )));
        }
    }
    let source = match v.get("remote_ip_prefix") {
        None | Some(Value::Null) => super::desired::anyone()[usize::from(v6)],
        Some(s) => source(s).map_err(bad)?,
    };
    if source.is_v4() == v6 {
        return Err(bad(format!(
            "source {} does not match the ethertype",
            source
        )));
    }
    Ok(Some(LiveRule {
        atoms: vec![Atom {
            proto,
            ports,
            source,
        }],
        mark: mark_of(v),
        id,
    }))
}

/// The body creating `atom` in group `group`
/// (`POST /v2.0/security-group-rules`); the ethertype follows the
/// source's family.
pub fn otc_rule_body(group: &str, atom: &Atom, mark: &Mark) -> Value {
    let mut r = json!({
        "security_group_id": group,
        "direction": "ingress",
        "ethertype": if atom.source.is_v4() { "IPv4" } else { "IPv6" },
        "protocol": atom.proto.as_str(),
        "remote_ip_prefix": wire(&atom.source),
        "description": mark.description(),
    });
    if let Some((a, b)) = atom.ports {
        r["port_range_min"] = json!(a);
        r["port_range_max"] = json!(b);
    }
    json!({ "security_group_rule": r })
}

#[cfg(test)]
#[path = "normalise_tests.rs"]
mod tests;
