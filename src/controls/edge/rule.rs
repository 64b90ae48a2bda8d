//! The provider-firewall rule in the one form both layers are compared
//! in: an [`Atom`] is one protocol, one port range and one source prefix,
//! inbound. A provider's rule list becomes a set of atoms (Hetzner keeps
//! several sources and both families in one rule; OTC needs one rule per
//! prefix and ethertype), and so does the inventory's desired state, so
//! drift is a set difference, independent of order, of how sources are
//! grouped, and of spelling (`"22"` and `"22-22"`; a bare address and its
//! /32; `null` and `1-65535` ports; ICMP's "any").
//!
//! The description of a rule is not part of its identity; it carries
//! what harden wrote it for ([`Mark`]): the controller's access, an
//! `allow` entry, a control's port, or a maintenance window with its
//! expiry (the providers cannot expire a rule themselves).

use std::fmt;

use crate::inventory::Cidr;

/// The protocols a provider rule may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EdgeProto {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
    /// ICMP (IPv4) and ICMPv6: any type.
    Icmp,
}

impl EdgeProto {
    /// The name in rules and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeProto::Tcp => "tcp",
            EdgeProto::Udp => "udp",
            EdgeProto::Icmp => "icmp",
        }
    }
}

/// One inbound permission: `proto` to `ports` from `source`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Atom {
    /// The protocol.
    pub proto: EdgeProto,
    /// First and last port (`1, 65535` for all ports); `None` for ICMP.
    pub ports: Option<(u16, u16)>,
    /// The source prefix (`0.0.0.0/0` and `::/0` for anyone).
    pub source: Cidr,
}

impl fmt::Display for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ports {
            Some((a, b)) if a == b => write!(f, "{}/{a} from {}", self.proto.as_str(), self.source),
            Some((a, b)) => write!(f, "{}/{a}-{b} from {}", self.proto.as_str(), self.source),
            None => write!(f, "{} from {}", self.proto.as_str(), self.source),
        }
    }
}

/// What harden wrote a rule for, kept in its description.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mark {
    /// harden's own controller access to the management port: never
    /// removed by harden.
    Controller,
    /// A rule derived from the inventory (`allow[i]`, a control's port).
    Derived(String),
    /// A maintenance window's opening, until this Unix time.
    Maintenance {
        /// The window's id (as on the host: `crate::maintenance::window`).
        window: String,
        /// When it must be closed (Unix seconds).
        until: u64,
    },
}

/// The name of the provider object harden owns for `host` (its Hetzner
/// firewall, its OTC security group): `harden-<host>` (host names are
/// already `[a-z0-9-]`, validated by the inventory).
pub fn object_name(host: &str) -> String {
    format!("{PREFIX}-{host}")
}

/// The prefix of every description harden writes.
pub const PREFIX: &str = "harden";

/// The longest description written (both providers accept 255).
pub const MAX_DESCRIPTION: usize = 200;

impl Mark {
    /// The description written for this mark.
    pub fn description(&self) -> String {
        let s = match self {
            Mark::Controller => format!("{PREFIX} controller"),
            Mark::Derived(why) => format!("{PREFIX} {}", clean(why)),
            Mark::Maintenance { window, until } => format!(
                "{PREFIX} maintenance {window} until {}",
                crate::timefmt::rfc3339(*until)
            ),
        };
        s.chars().take(MAX_DESCRIPTION).collect()
    }

    /// The mark of a description; `None` when harden did not write it.
    pub fn parse(description: &str) -> Option<Mark> {
        let rest = description.strip_prefix(PREFIX)?.strip_prefix(' ')?;
        if rest == "controller" {
            return Some(Mark::Controller);
        }
        if let Some(m) = rest.strip_prefix("maintenance ") {
            let (window, until) = m.split_once(" until ")?;
            if !crate::maintenance::window::valid_id(window) {
                return None;
            }
            let until = crate::timefmt::parse_rfc3339(until)?;
            return Some(Mark::Maintenance {
                window: window.to_string(),
                until,
            });
        }
        (!rest.is_empty()).then(|| Mark::Derived(rest.to_string()))
    }
}

/// Description text: printable ASCII only (both APIs reject some
/// characters; a control character never reaches them).
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_round_trip_and_foreign_descriptions_are_not_ours() {
        let until = crate::timefmt::parse_rfc3339("2026-12-02T08:00:00Z").unwrap();
        let id = crate::maintenance::window::new_id();
        for m in [
            Mark::Controller,
            Mark::Derived("allow[0] tls in".into()),
            Mark::Maintenance {
                window: id.clone(),
                until,
            },
        ] {
            assert_eq!(Mark::parse(&m.description()), Some(m.clone()), "{m:?}");
        }
        for foreign in [
            "",
            "ssh for bob",
            "hardenx controller",
            "harden ",
            "harden maintenance x until never",
        ] {
            assert!(
                !matches!(
                    Mark::parse(foreign),
                    Some(Mark::Controller | Mark::Maintenance { .. })
                ),
                "{foreign:?}"
            );
        }
        assert_eq!(Mark::parse("ssh for bob"), None);
        assert_eq!(
            Mark::Derived("a\u{7}b\u{202e}c".into()).description(),
            "harden a_b_c"
        );
    }
}
