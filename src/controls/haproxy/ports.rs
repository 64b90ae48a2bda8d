//! The firewall rules the topology implies, on both sides of a gatekeeper.
//!
//! A gatekeeper accepts its public listeners from anyone (or the service's
//! declared `sources`); a backend accepts each forwarded port only from
//! the addresses of the gatekeepers that front it. The operator writes no
//! `allow` entry for either: the firewall control renders these
//! [`PortNeed`]s beside the host's own `allow` list.

use std::collections::BTreeMap;

use crate::contract::{HostCtx, PortNeed};
use crate::inventory::{Cidr, Host, Inventory, PortRange, Proto};

use super::model::GatekeeperSettings;
use super::ID;

/// Every port the gatekeeper topology needs open on `ctx.host`.
pub fn needs(ctx: &HostCtx<'_>) -> Vec<PortNeed> {
    let mut out = public(ctx);
    out.extend(forwarded(ctx));
    out
}

/// The host's own public listeners, one need per distinct port and
/// source list.
fn public(ctx: &HostCtx<'_>) -> Vec<PortNeed> {
    let mut seen: BTreeMap<(u16, Option<Vec<Cidr>>), Vec<String>> = BTreeMap::new();
    let mut order = Vec::new();
    for s in &ctx.host.settings::<GatekeeperSettings>().services {
        for l in &s.listen {
            let key = (l.port, s.sources.clone());
            let names = seen.entry(key.clone()).or_insert_with(|| {
                order.push(key.clone());
                Vec::new()
            });
            if !names.contains(&s.name) {
                names.push(s.name.clone());
            }
        }
    }
    order
        .into_iter()
        .map(|key| PortNeed {
            control: ID,
            port: PortRange::single(key.0),
            proto: Proto::Tcp,
            why: format!("gatekeeper service {}", seen[&key].join(" ")),
            from: key.1,
        })
        .collect()
}

/// Who forwards to `h`, per port: the addresses of the gatekeepers that
/// front it (each once) and their `gatekeeper/service` names. The policy
/// rules read the same map.
pub fn forwarders(inv: &Inventory, h: &Host) -> BTreeMap<u16, (Vec<Cidr>, Vec<String>)> {
    let mut by_port: BTreeMap<u16, (Vec<Cidr>, Vec<String>)> = BTreeMap::new();
    for gk in inv.hosts.iter().filter(|g| g.name != h.name) {
        for s in &gk.settings::<GatekeeperSettings>().services {
            for b in s.backends.iter().filter(|b| b.host == h.name) {
                let (from, why) = by_port.entry(b.port).or_default();
                for a in &gk.addresses {
                    let c = Cidr::host(*a);
                    if !from.contains(&c) {
                        from.push(c);
                    }
                }
                let w = format!("{}/{}", gk.name, s.name);
                if !why.contains(&w) {
                    why.push(w);
                }
            }
        }
    }
    by_port
}

/// Ports other hosts' services forward to `ctx.host`, each open only to
/// the addresses of the gatekeepers that forward it.
fn forwarded(ctx: &HostCtx<'_>) -> Vec<PortNeed> {
    forwarders(ctx.inv, ctx.host)
        .into_iter()
        .map(|(port, (from, why))| PortNeed {
            control: ID,
            port: PortRange::single(port),
            proto: Proto::Tcp,
            from: Some(from),
            why: format!("forwarded by gatekeeper {}", why.join(" ")),
        })
        .collect()
}

#[cfg(test)]
#[path = "ports_tests.rs"]
mod tests;
