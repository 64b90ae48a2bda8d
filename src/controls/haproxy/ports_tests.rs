//! The derived firewall needs ([`needs`]) on real loaded inventories:
//! gatekeeper listeners open to anyone or the declared sources; each
//! backend open on exactly its forwarded ports to exactly the addresses
//! (IPv4 and IPv6) of the gatekeepers fronting it; nothing elsewhere.

use std::path::Path;

use super::*;
use crate::contract::HostCtx;
use crate::controls::sections::sections;
use crate::inventory::{load_str, Inventory};

const HEAD: &str =
    "[defaults]\ncontroller_sources = [\"10.213.0.2\"]\nknown_hosts = \"known_hosts\"\n";

fn host(name: &str, addr: &str, provider: &str, roles: &str, extra: &str) -> String {
    format!("\n[[hosts]]\nname = \"{name}\"\naddress = \"{addr}\"\nprovider = \"{provider}\"\nenvironment = \"production\"\nroles = [\"{roles}\"]\n{}{extra}", if roles == "data" { "disks = []\n" } else { "" })
}

fn gw(name: &str, n: u8, services: &str) -> String {
    host(
        name,
        &format!("203.0.113.{n}"),
        "hetzner",
        "gatekeeper",
        &format!("extra_addresses = [\"2001:db8::{n}\"]\n{services}"),
    )
}

fn svc(name: &str, listen: &str, backends: &str, extra: &str) -> String {
    format!("\n[[hosts.gatekeeper.services]]\nname = \"{name}\"\nlisten = {listen}\nbackends = {backends}\n{extra}")
}

/// Two app hosts, a data host and whatever `rest` adds.
fn load(rest: &str) -> Inventory {
    let text = format!(
        "{HEAD}{}{}{}{rest}",
        host("app-1", "10.0.1.1", "telekom", "app", ""),
        host("app-2", "10.0.1.2", "telekom", "app", ""),
        host("db-1", "10.0.1.3", "telekom", "data", ""),
    );
    match load_str(Path::new("/x/inv.toml"), text.clone(), sections()) {
        Ok(i) => i,
        Err(e) => panic!("{e}\n{text}"),
    }
}

fn needs_of(inv: &Inventory, name: &str) -> Vec<PortNeed> {
    let h = inv.host(name).expect("host");
    needs(&HostCtx::new(inv, h, None))
}

fn cidrs(list: &[&str]) -> Vec<Cidr> {
    list.iter().map(|s| Cidr::parse(s).expect("cidr")).collect()
}

/// (port, from as text) of each need, for compact assertions.
fn shape(n: &[PortNeed]) -> Vec<(u16, Option<Vec<String>>)> {
    n.iter()
        .map(|n| {
            assert_eq!(
                (n.port.start, n.proto, n.control),
                (n.port.end, Proto::Tcp, ID)
            );
            let from = n
                .from
                .as_ref()
                .map(|l| l.iter().map(|c| c.to_string()).collect());
            (n.port.start, from)
        })
        .collect()
}

#[test]
fn gatekeeper_listeners_are_open_to_anyone_or_the_declared_sources() {
    let services = format!(
        "{}{}{}",
        svc("web", "[443]", "[\"app-1:8443\"]", "sni = [\"a.example\"]"),
        // Same port and sources: one need naming both services.
        svc("web2", "[443]", "[\"app-2:8443\"]", "sni = [\"b.example\"]"),
        svc(
            "partners",
            "[8443, \"[2001:db8::1]:9443\"]",
            "[\"app-1:9443\"]",
            "sources = [\"198.51.100.0/24\", \"app-2\"]"
        ),
    );
    let inv = load(&gw("gw-1", 1, &services));
    let n = needs_of(&inv, "gw-1");
    let partners = Some(vec!["10.0.1.2".to_string(), "198.51.100.0/24".to_string()]);
    assert_eq!(
        shape(&n),
        [(443, None), (8443, partners.clone()), (9443, partners)]
    );
    assert_eq!(n[0].why, "gatekeeper service web web2");
    assert_eq!(n[1].why, "gatekeeper service partners");
    // The gatekeeper is nobody's backend: no forwarded need.
    assert!(n.iter().all(|n| !n.why.starts_with("forwarded")));
}

#[test]
fn a_backend_gets_exactly_its_forwarded_ports_from_its_gatekeepers() {
    let one = svc("web", "[443]", "[\"app-1:8443\", \"app-2:8443\"]", "");
    let api = svc("api", "[8443]", "[\"app-1:9443\"]", "");
    let inv = load(&gw("gw-1", 1, &format!("{one}{api}")));
    let gk = ["203.0.113.1", "2001:db8::1"];
    let n = needs_of(&inv, "app-1");
    assert_eq!(
        n.iter()
            .map(|n| (n.port.start, n.from.clone()))
            .collect::<Vec<_>>(),
        [(8443, Some(cidrs(&gk))), (9443, Some(cidrs(&gk)))]
    );
    assert_eq!(n[0].why, "forwarded by gatekeeper gw-1/web");
    assert_eq!(n[1].why, "forwarded by gatekeeper gw-1/api");
    let n = needs_of(&inv, "app-2");
    assert_eq!(
        n.iter()
            .map(|n| (n.port.start, n.from.clone()))
            .collect::<Vec<_>>(),
        [(8443, Some(cidrs(&gk)))]
    );
    // Not a backend: nothing, although a gatekeeper exists.
    assert!(needs_of(&inv, "db-1").is_empty());
}

#[test]
fn two_gatekeepers_fronting_one_backend_merge_into_one_need() {
    let web = svc("web", "[443]", "[\"app-1:8443\"]", "");
    let inv = load(&format!("{}{}", gw("gw-1", 1, &web), gw("gw-2", 2, &web)));
    let n = needs_of(&inv, "app-1");
    assert_eq!(n.len(), 1, "{n:?}");
    assert_eq!(n[0].port, PortRange::single(8443));
    assert_eq!(
        n[0].from,
        Some(cidrs(&[
            "203.0.113.1",
            "2001:db8::1",
            "203.0.113.2",
            "2001:db8::2"
        ]))
    );
    assert_eq!(n[0].why, "forwarded by gatekeeper gw-1/web gw-2/web");
    // Each gatekeeper has its own public listener and nothing forwarded.
    for g in ["gw-1", "gw-2"] {
        assert_eq!(shape(&needs_of(&inv, g)), [(443, None)]);
    }
    assert!(needs_of(&inv, "app-2").is_empty());
}

#[test]
fn an_estate_without_gatekeepers_needs_nothing() {
    let inv = load("");
    for h in &inv.hosts {
        assert!(needs_of(&inv, &h.name).is_empty(), "{}", h.name);
    }
}
