//! Listening sockets compared with the declared ports.
//!
//! The firewall makes undeclared ports unreachable whatever listens on
//! them; this check tells the operator where the two disagree: a service
//! listening on a public address that the inventory does not declare (it is
//! dropped, but probably should not run), and a declared port nothing
//! listens on (a rule nobody needs). Both are information, not drift:
//! `apply` cannot fix either, and the firewall already holds the promise.

use std::net::IpAddr;

use crate::contract::Facts;
use crate::contract::HostCtx;
use crate::inventory::Proto;
use crate::report::model::Finding;

/// Probe id.
pub const PROBE: &str = "firewall.listening";
/// Lists TCP and UDP listeners without resolving names.
pub const SCRIPT: &str = "ss -Hlntu";

/// One listening socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    /// tcp or udp.
    pub proto: Proto,
    /// Local address (None for a wildcard).
    pub addr: Option<IpAddr>,
    /// Local port.
    pub port: u16,
}

/// Parses `ss -Hlntu` output.
pub fn parse(out: &str) -> Vec<Listener> {
    let mut v = Vec::new();
    for line in out.lines() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let (Some(netid), Some(local)) = (cols.first(), cols.get(4)) else {
            continue;
        };
        let proto = match *netid {
            "tcp" => Proto::Tcp,
            "udp" => Proto::Udp,
            _ => continue,
        };
        let Some((a, p)) = local.rsplit_once(':') else {
            continue;
        };
        let Ok(port) = p.parse() else { continue };
        let a = a.trim_start_matches('[').trim_end_matches(']');
        let a = a.split('%').next().unwrap_or(a);
        let addr = match a {
            "*" | "0.0.0.0" | "::" => None,
            other => match other.parse() {
                Ok(ip) => Some(ip),
                Err(_) => continue,
            },
        };
        v.push(Listener { proto, addr, port });
    }
    v.sort_by_key(|l| (l.port, l.proto, l.addr));
    v.dedup_by_key(|l| (l.port, l.proto));
    v
}

/// Information findings for undeclared listeners and unused declarations.
pub fn check(ctx: &HostCtx<'_>, facts: &Facts) -> Vec<Finding> {
    let Some(c) = facts.cmd(PROBE).filter(|c| c.ok()) else {
        return Vec::new();
    };
    let h = ctx.host;
    let listeners: Vec<Listener> = parse(&c.stdout)
        .into_iter()
        .filter(|l| !l.addr.is_some_and(|a| a.is_loopback()))
        .collect();
    let mut out = Vec::new();
    for l in &listeners {
        let declared = (l.proto == Proto::Tcp && l.port == h.conn.port)
            || h.allow
                .iter()
                .any(|a| a.proto == l.proto && a.port.contains(l.port));
        let item = format!("{}/{}", l.proto, l.port);
        let f = Finding::new("firewall", "listening-port", item, crate::tom::PORTS.id);
        if declared {
            out.push(f.ok("declared and listening"));
        } else {
            out.push(f.info("listening but not declared: the firewall drops it; stop the service or declare the port"));
        }
    }
    for a in &h.allow {
        if !listeners
            .iter()
            .any(|l| l.proto == a.proto && a.port.contains(l.port))
        {
            out.push(
                Finding::new(
                    "firewall",
                    "listening-port",
                    format!("{}/{}", a.proto, a.port),
                    crate::tom::PORTS.id,
                )
                .info("declared but nothing listens on it yet"),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ss_output() {
        let out = "tcp   LISTEN 0      128          0.0.0.0:22        0.0.0.0:*\n\
                   tcp   LISTEN 0      128             [::]:22           [::]:*\n\
                   tcp   LISTEN 0      4096        127.0.0.1:5432      0.0.0.0:*\n\
                   udp   UNCONN 0      0       [fe80::1%eth0]:546         [::]:*\n\
                   tcp   LISTEN 0      10       10.213.0.11:8080      0.0.0.0:*\n";
        let l = parse(out);
        assert_eq!(l.len(), 4);
        assert_eq!(
            l[0],
            Listener {
                proto: Proto::Tcp,
                addr: None,
                port: 22
            }
        );
        assert!(l
            .iter()
            .any(|x| x.port == 5432 && x.addr.is_some_and(|a| a.is_loopback())));
        assert!(l.iter().any(|x| x.port == 546 && x.proto == Proto::Udp));
    }
}
