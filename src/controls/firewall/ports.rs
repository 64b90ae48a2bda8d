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
                .any(|a| a.proto == l.proto && a.port.contains(l.port))
            || ctx
                .ports
                .iter()
                .any(|n| n.proto == l.proto && n.port.contains(l.port));
        let item = format!("{}/{}", l.proto, l.port);
        let f = Finding::new("firewall", "listening-port", item, crate::tom::PORTS.id);
        if declared {
            out.push(f.ok("declared and listening"));
        } else {
            out.push(f.info("listening but not declared: the firewall drops it; stop the service or declare the port"));
        }
    }
    let declared = h
        .allow
        .iter()
        .map(|a| (a.proto, a.port, None))
        .chain(ctx.ports.iter().map(|n| (n.proto, n.port, Some(n))));
    let mut told = Vec::new();
    for (proto, port, need) in declared {
        if told.contains(&(proto, port))
            || listeners
                .iter()
                .any(|l| l.proto == proto && port.contains(l.port))
        {
            continue;
        }
        told.push((proto, port));
        let msg = match need {
            None => "declared but nothing listens on it yet".to_string(),
            Some(n) => format!(
                "opened for the {} control ({}) but nothing listens on it yet",
                n.control, n.why
            ),
        };
        out.push(
            Finding::new(
                "firewall",
                "listening-port",
                format!("{proto}/{port}"),
                crate::tom::PORTS.id,
            )
            .info(msg),
        );
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

    #[test]
    fn ports_other_controls_declared_count_as_declared() {
        use crate::contract::PortNeed;
        use crate::inventory::PortRange;
        use crate::report::model::Status;
        let inv = crate::testkit::inventory()
            .host("a", "10.213.0.11", "app")
            .load();
        let host = &inv.hosts[0];
        let mut facts = Facts::default();
        facts.set_cmd(
            PROBE,
            crate::contract::CmdFact {
                stdout: "tcp LISTEN 0 128 0.0.0.0:443 0.0.0.0:*\n".into(),
                stderr: String::new(),
                rc: 0,
            },
        );
        let need = |port| PortNeed {
            control: "haproxy",
            port: PortRange::single(port),
            proto: Proto::Tcp,
            from: None,
            why: "gatekeeper service portal".into(),
        };
        let status_of = |fs: &[Finding], item: &str| {
            fs.iter()
                .find(|f| f.item == item)
                .map(|f| (f.status, f.message.clone().unwrap_or_default()))
        };
        // Without the declaration the listener is undeclared.
        let bare = check(&HostCtx::new(&inv, host, None), &facts);
        let (st, msg) = status_of(&bare, "tcp/443").expect("finding");
        assert_eq!(st, Status::Info);
        assert!(msg.contains("listening but not declared"), "{msg}");
        // Declared by another control: in sync; a declared port nothing
        // listens on says which control opened it.
        let needs = [need(443), need(8443)];
        let with = check(&HostCtx::new(&inv, host, None).with_ports(&needs), &facts);
        assert_eq!(
            status_of(&with, "tcp/443").map(|x| x.0),
            Some(Status::InSync)
        );
        let (st, msg) = status_of(&with, "tcp/8443").expect("unused need reported");
        assert_eq!(st, Status::Info);
        assert!(
            msg.contains("haproxy control (gatekeeper service portal)"),
            "{msg}"
        );
    }
}
