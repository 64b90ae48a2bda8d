//! The host's server at its provider, the lookup every provider control
//! starts from: one probe ([`probe`]) and its reading ([`read`]).
//!
//! - Hetzner Cloud: `GET /servers?name=<name>` or `GET /servers/<id>`;
//!   addresses from `public_net.ipv4.ip`, `public_net.ipv6.ip` (a /64
//!   network), `private_net[].ip`.
//! - Open Telekom Cloud (ECS, Nova): `GET /v2.1/{project_id}/servers/detail?name=^<name>$`
//!   (Nova matches names as a regular expression, so harden anchors it and
//!   keeps only exact matches) or `GET /v2.1/{project_id}/servers/<id>`;
//!   addresses from `addresses.<network>[].addr`.
//!
//! Exactly one server must match, and it must carry the host's inventory
//! address: the mapping proves harden checks the right machine.

use std::net::IpAddr;

use serde_json::Value;

use crate::backend::http::cloud::{CloudKey, CloudSettings, ServerRef};
use crate::contract::api::Service;
use crate::contract::{Facts, HostCtx, Probe};

/// The probe id of the lookup.
pub const PROBE: &str = "cloud-server";

/// The most servers a name lookup may return.
const MAX_MATCHES: usize = 50;

/// A server as the provider describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    /// The provider's id (Hetzner: a number; OTC: a UUID).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its addresses (an IPv6 /64 of Hetzner as its network address).
    pub addresses: Vec<(IpAddr, u8)>,
}

impl Server {
    /// True when `ip` is one of its addresses (or inside its IPv6 /64).
    pub fn has(&self, ip: IpAddr) -> bool {
        self.addresses.iter().any(|(a, len)| match (a, ip) {
            (IpAddr::V6(net), IpAddr::V6(ip)) if *len < 128 => {
                let mask = u128::MAX.checked_shl(128 - u32::from(*len)).unwrap_or(0);
                u128::from(*net) & mask == u128::from(ip) & mask
            }
            _ => *a == ip,
        })
    }
}

/// The host's provider account, if configured.
pub fn account(ctx: &HostCtx<'_>) -> Option<CloudKey> {
    ctx.host.settings::<CloudSettings>().account(ctx.host)
}

/// The lookup probe of the host's server (`None`: no account).
pub fn probe(ctx: &HostCtx<'_>) -> Option<Probe> {
    let account = account(ctx)?;
    let server = ctx.host.settings::<CloudSettings>().server(ctx.host);
    Some(match (account, server) {
        (CloudKey::Hetzner(_), ServerRef::Name(n)) => {
            Probe::api(Some(Service::Hcloud), PROBE, &format!("/servers?name={n}"))
        }
        (CloudKey::Hetzner(_), ServerRef::Id(i)) => {
            Probe::api(Some(Service::Hcloud), PROBE, &format!("/servers/{i}"))
        }
        (CloudKey::Otc(_), ServerRef::Name(n)) => Probe::api(
            Some(Service::OtcEcs),
            PROBE,
            &format!("/v2.1/{{project_id}}/servers/detail?name=%5E{n}%24"),
        ),
        (CloudKey::Otc(_), ServerRef::Id(i)) => Probe::api(
            Some(Service::OtcEcs),
            PROBE,
            &format!("/v2.1/{{project_id}}/servers/{i}"),
        ),
    })
}

/// The host's server from the lookup's answer, or why it is not usable.
pub fn read(ctx: &HostCtx<'_>, facts: &Facts) -> Result<Server, String> {
    let wanted = ctx.host.settings::<CloudSettings>().server(ctx.host);
    let answer = facts
        .api(PROBE)
        .ok_or_else(|| "the server lookup was not answered".to_string())?;
    let candidates: Vec<&Value> = match (answer.get("server"), answer.get("servers")) {
        (Some(one), _) => vec![one],
        (None, Some(Value::Array(list))) if list.len() <= MAX_MATCHES => list.iter().collect(),
        (None, Some(Value::Array(list))) => {
            return Err(format!(
                "{} servers match; harden reads no more",
                list.len()
            ))
        }
        _ => return Err("the answer has neither \"server\" nor \"servers\"".into()),
    };
    let mut found: Vec<Server> = Vec::new();
    for c in candidates {
        let s = parse(c)?;
        let matches = match &wanted {
            ServerRef::Name(n) => &s.name == n,
            ServerRef::Id(i) => &s.id == i,
        };
        if matches {
            found.push(s);
        }
    }
    match found.len() {
        0 => Err(format!("no {wanted} at the provider")),
        1 => Ok(found.remove(0)),
        n => Err(format!(
            "{n} servers match the {wanted}: name it by server_id in hosts[].cloud"
        )),
    }
}

fn text(v: &Value, key: &str, max: usize) -> Option<String> {
    let s = match v.get(key)? {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let ok = !s.is_empty()
        && s.len() <= max
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    ok.then_some(s)
}

/// One server object, Hetzner's or Nova's; values checked (ids and names
/// of safe characters, addresses parsed).
pub fn parse(v: &Value) -> Result<Server, String> {
    let id = text(v, "id", 64).ok_or("a server has no usable \"id\"")?;
    let name = text(v, "name", 64).ok_or("a server has no usable \"name\"")?;
    let mut addresses = Vec::new();
    let mut add = |s: &str| -> Result<(), String> {
        let (ip, len) = match s.split_once('/') {
            Some((ip, len)) => (ip, len.parse::<u8>().map_err(|_| "a bad prefix length")?),
            None => (s, 128),
        };
        let ip: IpAddr = ip.parse().map_err(|_| "an address is not an IP address")?;
        let len = if ip.is_ipv4() { 32 } else { len.min(128) };
        addresses.push((ip, len));
        Ok(())
    };
    if let Some(net) = v.get("public_net") {
        for p in ["/ipv4/ip", "/ipv6/ip"] {
            if let Some(s) = net.pointer(p).and_then(Value::as_str) {
                add(s)?;
            }
        }
    }
    if let Some(Value::Array(private)) = v.get("private_net") {
        for p in private.iter().take(64) {
            if let Some(s) = p.get("ip").and_then(Value::as_str) {
                add(s)?;
            }
        }
    }
    if let Some(Value::Object(nets)) = v.get("addresses") {
        for list in nets.values().take(64) {
            for a in list.as_array().into_iter().flatten().take(64) {
                if let Some(s) = a.get("addr").and_then(Value::as_str) {
                    add(s)?;
                }
            }
        }
    }
    Ok(Server {
        id,
        name,
        addresses,
    })
}
