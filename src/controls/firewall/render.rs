//! Renders a host's nftables ruleset from its roles and `allow` entries.
//!
//! The output is one table, `inet harden`, for IPv4 and IPv6 at once. Every
//! value put into the file comes from parsed types (`Cidr`, `PortRange`,
//! `Proto`) or is sanitised here, so the inventory cannot inject nft syntax.

use serde::Serialize;

use crate::contract::{HostCtx, RenderError};
use crate::controls::templates;
use crate::inventory::Cidr;

/// Name of the table harden owns.
pub const TABLE: &str = "harden";
/// Path of the rendered ruleset on the host.
pub const RULES_PATH: &str = "/etc/harden/firewall.nft";

#[derive(Serialize)]
struct AllowCtx {
    proto: &'static str,
    port: String,
    any: bool,
    v4: Vec<String>,
    v6: Vec<String>,
    comment: String,
}

#[derive(Serialize)]
struct Ctx {
    host: String,
    table: &'static str,
    mgmt_port: u16,
    controller_v4: Vec<String>,
    controller_v6: Vec<String>,
    log_prefix: String,
    icmp_rate: u32,
    allow: Vec<AllowCtx>,
}

fn split(list: &[Cidr]) -> (Vec<String>, Vec<String>) {
    let v4 = list
        .iter()
        .filter(|c| c.is_v4())
        .map(Cidr::to_string)
        .collect();
    let v6 = list
        .iter()
        .filter(|c| !c.is_v4())
        .map(Cidr::to_string)
        .collect();
    (v4, v6)
}

/// Keeps a comment inside nft's 128-byte limit and free of quotes.
fn comment(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| {
            if c == '"' || c == '\\' || c.is_control() {
                '\''
            } else {
                c
            }
        })
        .collect();
    let mut out = String::new();
    for c in clean.chars() {
        if out.len() + c.len_utf8() > 120 {
            break;
        }
        out.push(c);
    }
    out
}

/// One port the host opens beside SSH: an `allow` entry or a port another
/// control declared, with why (the rule's comment without `harden: `).
/// The host ruleset and the provider firewalls (`controls::edge::desired`)
/// are both drawn from this one list, so the two layers cannot diverge.
pub struct Opening<'a> {
    /// tcp or udp.
    pub proto: crate::inventory::Proto,
    /// Port or range.
    pub port: crate::inventory::PortRange,
    /// Allowed sources; `None` means anyone.
    pub from: Option<&'a [Cidr]>,
    /// `allow[i] …` or `<control> <why>`.
    pub why: String,
}

/// Every opening of the host, in rule order: `allow` entries, then the
/// ports other controls declared (a proxy's listeners): the firewall
/// derives their rules, so no control edits the firewall.
pub fn openings<'a>(ctx: &HostCtx<'a>) -> Vec<Opening<'a>> {
    let h = ctx.host;
    let mut out: Vec<Opening<'a>> = h
        .allow
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let mut why = format!("allow[{i}]");
            if let Some(c) = &a.comment {
                why.push(' ');
                why.push_str(c);
            } else if !a.from_written.is_empty() {
                why.push_str(" from ");
                why.push_str(&a.from_written.join(", "));
            }
            Opening {
                proto: a.proto,
                port: a.port,
                from: a.from.as_deref(),
                why,
            }
        })
        .collect();
    out.extend(ctx.ports.iter().map(|n| Opening {
        proto: n.proto,
        port: n.port,
        from: n.from.as_deref(),
        why: format!("{} {}", n.control, n.why),
    }));
    out
}

/// The ruleset file for the host.
pub fn ruleset(ctx: &HostCtx<'_>) -> Result<String, RenderError> {
    let h = ctx.host;
    let (controller_v4, controller_v6) = split(&h.controller_sources);
    let allow: Vec<AllowCtx> = openings(ctx)
        .into_iter()
        .map(|o| {
            let (v4, v6) = o.from.map(split).unwrap_or_default();
            AllowCtx {
                proto: o.proto.as_str(),
                port: o.port.to_string(),
                any: o.from.is_none(),
                v4,
                v6,
                comment: comment(&format!("harden: {}", o.why)),
            }
        })
        .collect();
    templates::render(
        "firewall/harden.nft",
        &Ctx {
            host: h.name.clone(),
            table: TABLE,
            mgmt_port: h.conn.port,
            controller_v4,
            controller_v6,
            log_prefix: h
                .settings::<super::section::FirewallSettings>()
                .log_prefix
                .clone(),
            icmp_rate: h.settings::<super::section::FirewallSettings>().icmp_rate,
            allow,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit;

    /// db takes 5432 from app and a net, gw 443 from anyone and a UDP range
    /// from app; app has an IPv6 address too.
    fn inventory() -> crate::inventory::Inventory {
        testkit::inventory()
            .controller_sources(&["10.213.0.2", "fd00:213::2"])
            .management_sources(&["198.51.100.0/28"])
            .host("db", "10.213.0.11", "data")
            .with(r#"allow = [ { port = 5432, from = ["app", "10.0.2.0/24"] } ]"#)
            .host("app", "10.213.0.12", "app")
            .with(r#"extra_addresses = ["fd00:213::12"]"#)
            .host("gw", "10.213.0.13", "gatekeeper")
            .provider("hetzner")
            .with(r#"allow = [ { port = 443, comment = "tls \"in\"" }, { port = "60000-61000", proto = "udp", from = ["app"] } ]"#)
            .load()
    }

    #[test]
    fn renders_allow_rules_per_family() {
        let inv = inventory();
        let db = ruleset(&HostCtx::new(&inv, inv.host("db").unwrap(), None)).unwrap();
        assert!(db.contains("tcp dport 22 ip saddr { 10.213.0.2 } ct state new counter log prefix \"harden-mgmt: \" accept"), "{db}");
        assert!(
            db.contains("tcp dport 22 ip6 saddr { fd00:213::2 } ct state new"),
            "{db}"
        );
        assert!(db.contains("tcp dport 5432 ip saddr { 10.0.2.0/24, 10.213.0.12 } accept comment \"harden: allow[0] from app, 10.0.2.0/24\""), "{db}");
        assert!(
            db.contains("tcp dport 5432 ip6 saddr { fd00:213::12 } accept"),
            "{db}"
        );
        assert!(db.contains("policy drop;"));
        assert!(db.contains("flush chain inet harden input"));
        assert!(!db.contains("dport 443"));
        let gw = ruleset(&HostCtx::new(&inv, inv.host("gw").unwrap(), None)).unwrap();
        assert!(
            gw.contains("tcp dport 443 accept comment \"harden: allow[0] tls 'in'\""),
            "{gw}"
        );
        assert!(
            gw.contains("udp dport 60000-61000 ip saddr { 10.213.0.12 } accept"),
            "{gw}"
        );
    }

    #[test]
    fn ports_declared_by_other_controls_get_rules_beside_allow() {
        let inv = inventory();
        let host = inv.host("app").unwrap();
        let plain = ruleset(&HostCtx::new(&inv, host, None)).unwrap();
        assert!(!plain.contains("dport 8443"), "{plain}");
        let needs = [crate::contract::PortNeed {
            control: "haproxy",
            port: crate::inventory::PortRange::single(8443),
            proto: crate::inventory::Proto::Tcp,
            from: Some(vec![crate::inventory::Cidr::parse("10.213.0.13").unwrap()]),
            why: "listener \"web\"".into(),
        }];
        let with = ruleset(&HostCtx::new(&inv, host, None).with_ports(&needs)).unwrap();
        assert!(
            with.contains("tcp dport 8443 ip saddr { 10.213.0.13 } accept comment \"harden: haproxy listener 'web'\""),
            "{with}"
        );
    }

    #[test]
    fn comments_are_bounded() {
        assert!(comment(&"x".repeat(500)).len() <= 120);
        assert_eq!(comment("a\"b\\c\nd"), "a'b'c'd");
    }
}
