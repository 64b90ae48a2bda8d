//! The host's desired inbound atoms at the provider, drawn from the same
//! inputs as the host firewall (`controls::firewall::render`): SSH
//! (`host.conn.port`/tcp) from every `controller_sources` prefix, each
//! `allow` entry and each port another control declared
//! ([`crate::controls::firewall::render::openings`], the very list the
//! ruleset is rendered from), and ICMP from anyone. The host admits ICMP
//! rate-limited; the providers cannot rate-limit, so the edge admits it
//! and the host's limit stays the only one.
//!
//! Maintenance openings are not desired here: they are written by the
//! window code with their expiry and judged by [`super::compare`].

use std::collections::BTreeMap;

use super::rule::{Atom, EdgeProto, Mark};
use crate::contract::HostCtx;
use crate::inventory::{Cidr, Proto};

/// The two "anyone" prefixes, IPv4 and IPv6.
pub fn anyone() -> [Cidr; 2] {
    [
        Cidr {
            addr: std::net::Ipv4Addr::UNSPECIFIED.into(),
            prefix: 0,
        },
        Cidr {
            addr: std::net::Ipv6Addr::UNSPECIFIED.into(),
            prefix: 0,
        },
    ]
}

fn proto(p: Proto) -> EdgeProto {
    match p {
        Proto::Tcp => EdgeProto::Tcp,
        Proto::Udp => EdgeProto::Udp,
    }
}

/// Every desired atom with the mark its rule carries. An atom wanted for
/// two reasons keeps the first: the controller's access before `allow`
/// entries before other controls' ports (so the controller's rule is
/// always marked as such).
pub fn desired(ctx: &HostCtx<'_>) -> BTreeMap<Atom, Mark> {
    let h = ctx.host;
    let mut out = BTreeMap::new();
    for s in &h.controller_sources {
        out.entry(Atom {
            proto: EdgeProto::Tcp,
            ports: Some((h.conn.port, h.conn.port)),
            source: *s,
        })
        .or_insert(Mark::Controller);
    }
    for o in crate::controls::firewall::render::openings(ctx) {
        let any = anyone();
        let sources: &[Cidr] = o.from.unwrap_or(&any);
        for s in sources {
            out.entry(Atom {
                proto: proto(o.proto),
                ports: Some((o.port.start, o.port.end)),
                source: *s,
            })
            .or_insert_with(|| Mark::Derived(o.why.clone()));
        }
    }
    for s in anyone() {
        out.entry(Atom {
            proto: EdgeProto::Icmp,
            ports: None,
            source: s,
        })
        .or_insert_with(|| Mark::Derived("icmp (rate-limited on the host)".into()));
    }
    out
}

/// The controller's atoms among `desired`.
pub fn controller(desired: &BTreeMap<Atom, Mark>) -> Vec<Atom> {
    desired
        .iter()
        .filter(|(_, m)| **m == Mark::Controller)
        .map(|(a, _)| *a)
        .collect()
}

#[cfg(test)]
#[path = "desired_tests.rs"]
mod tests;
