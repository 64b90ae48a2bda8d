//! Test fixtures for the edge controls: an inventory with one Hetzner and
//! one Telekom host and provider answers shaped like the real APIs.

use serde_json::{json, Value};

use crate::contract::{Facts, HostCtx, Plan};
use crate::inventory::Inventory;
use crate::report::model::{Finding, Status};

/// 2026-12-02T06:00:00Z.
pub const NOW: u64 = 1_796_191_200;

pub fn now() -> u64 {
    NOW
}

/// `web` at Hetzner and `db` at Telekom; controller sources in both
/// families; web allows 443 from anyone, db 5432 from a net.
pub fn inventory() -> Inventory {
    crate::testkit::inventory()
        .controller_sources(&["10.213.0.2", "fd00:213::2"])
        .tables(
            r#"[defaults.cloud.hetzner]
token_env = "HCLOUD_TOKEN"
[defaults.cloud.otc]
region = "eu-de"
domain = "OTC-EU-DE-1"
project = "eu-de"
user = "harden"
password_env = "OTC_PASSWORD""#,
        )
        .host("web", "203.0.113.10", "app")
        .provider("hetzner")
        .with(r#"allow = [ { port = 443, comment = "tls" } ]"#)
        .host("db", "192.0.2.20", "app")
        .with(r#"allow = [ { port = 5432, from = ["10.0.2.0/24"] } ]"#)
        .load()
}

pub fn ctx<'a>(inv: &'a Inventory, host: &str) -> HostCtx<'a> {
    HostCtx::new(inv, inv.host(host).expect("host"), None)
}

pub fn facts(answers: &[(&str, Value)]) -> Facts {
    let mut f = Facts::default();
    for (id, v) in answers {
        f.set_api(id, v.clone());
    }
    f
}

/// The drifting findings of `check`.
pub fn drifting<'a>(plan: &'a Plan, check: &str) -> Vec<&'a Finding> {
    plan.findings
        .iter()
        .filter(|f| f.check == check && f.status == Status::Drift)
        .collect()
}

/// The selected calls as `METHOD path`.
pub fn calls(plan: &Plan) -> Vec<String> {
    plan.selected_changes()
        .into_iter()
        .filter_map(|c| match c {
            crate::contract::Change::Api(a) => Some(format!("{} {}", a.method.as_str(), a.path)),
            _ => None,
        })
        .collect()
}

/// Hetzner's server answer for `web` (id 42).
pub fn hcloud_server() -> Value {
    json!({"servers": [{"id": 42, "name": "web", "status": "running",
        "public_net": {"ipv4": {"ip": "203.0.113.10"}, "ipv6": {"ip": "2001:db8:42::/64"},
        "firewalls": []}, "private_net": []}]})
}

/// A Hetzner firewall object.
pub fn hcloud_fw(id: u64, name: &str, rules: Value, applied_to: Value) -> Value {
    json!({"id": id, "name": name, "labels": {}, "created": "2026-01-01T00:00:00+00:00",
        "rules": rules, "applied_to": applied_to})
}

/// Applied directly to server 42.
pub fn on_42() -> Value {
    json!([{"type": "server", "server": {"id": 42}}])
}

/// web's desired rules as a real answer spells them: bare IPs, `"22-22"`,
/// sources shuffled, IPv6 not minimal, descriptions foreign or missing.
pub fn hcloud_in_sync() -> Value {
    json!([
        {"direction": "in", "protocol": "tcp", "port": "22-22",
         "source_ips": ["fd00:0213:0000::2/128", "10.213.0.2"], "destination_ips": [],
         "description": "harden controller"},
        {"direction": "in", "protocol": "tcp", "port": "443",
         "source_ips": ["::/0", "0.0.0.0/0"], "destination_ips": [], "description": null},
        {"direction": "in", "protocol": "icmp", "port": null,
         "source_ips": ["0.0.0.0/0", "::/0"], "destination_ips": [], "description": "ping"},
        {"direction": "out", "protocol": "tcp", "port": "any",
         "source_ips": [], "destination_ips": ["0.0.0.0/0"], "description": null}
    ])
}

/// OTC's server answer for `db`.
pub const SRV: &str = "6f2c1d3e-0000-4a4a-8b8b-abcdefabcdef";
/// harden's group id.
pub const SG: &str = "aaaaaaaa-0000-4000-8000-000000000001";
/// A hand-made group on the same port.
pub const SG_OTHER: &str = "bbbbbbbb-0000-4000-8000-000000000002";
/// The server's port.
pub const PORT: &str = "cccccccc-0000-4000-8000-000000000003";

pub fn otc_server() -> Value {
    json!({"servers": [{"id": SRV, "name": "db", "status": "ACTIVE",
        "addresses": {"net": [{"addr": "192.0.2.20", "version": 4, "OS-EXT-IPS:type": "fixed"}]}}]})
}

/// A Neutron rule.
pub fn otc_rule(
    id: &str,
    ether: &str,
    proto: Value,
    ports: (Value, Value),
    remote: Value,
    descr: &str,
) -> Value {
    json!({"id": id, "security_group_id": SG, "direction": "ingress", "ethertype": ether,
        "protocol": proto, "port_range_min": ports.0, "port_range_max": ports.1,
        "remote_ip_prefix": remote, "remote_group_id": null, "description": descr,
        "tenant_id": "p", "project_id": "p", "created_at": "2026-01-01T00:00:00Z"})
}

/// db's desired rules in harden's group, spelled variously.
pub fn otc_in_sync() -> Vec<Value> {
    vec![
        otc_rule(
            "r1",
            "IPv4",
            json!("tcp"),
            (json!(22), json!(22)),
            json!("10.213.0.2/32"),
            "harden controller",
        ),
        otc_rule(
            "r2",
            "IPv6",
            json!("6"),
            (json!(22), json!(22)),
            json!("fd00:213:0::2"),
            "harden controller",
        ),
        otc_rule(
            "r3",
            "IPv4",
            json!("tcp"),
            (json!(5432), json!(5432)),
            json!("10.0.2.0/24"),
            "harden allow[0]",
        ),
        otc_rule(
            "r4",
            "IPv4",
            json!("icmp"),
            (json!(null), json!(null)),
            json!(null),
            "",
        ),
        otc_rule(
            "r5",
            "IPv6",
            json!("ipv6-icmp"),
            (json!(null), json!(null)),
            json!("::/0"),
            "",
        ),
        json!({"id": "e1", "direction": "egress", "ethertype": "IPv4", "protocol": null,
            "port_range_min": null, "port_range_max": null, "remote_ip_prefix": null}),
    ]
}

pub fn otc_port(groups: &[&str], secured: bool) -> Value {
    json!({"id": PORT, "device_id": SRV, "security_groups": groups,
        "port_security_enabled": secured, "fixed_ips": [{"ip_address": "192.0.2.20"}]})
}

pub fn otc_group(id: &str, name: &str, rules: Vec<Value>) -> Value {
    json!({"id": id, "name": name, "description": "", "security_group_rules": rules})
}
