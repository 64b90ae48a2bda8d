//! Resolving `[defaults]` and `[[hosts]]`: addresses, prefixes, ports,
//! `from` names, per-host overrides and the control sections, with every
//! problem collected.
//!
//! Names and addresses are resolved first for all hosts, so an `allow`
//! entry may name any host of the inventory, before or after itself.
//! `hosts/ctx.rs` collects the problems and parses single values,
//! `hosts/allow.rs` resolves the `allow` entries.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use super::model::*;
use super::schema::*;
use super::source::{Diags, KeyPath, Source};
use crate::contract::section::Section;

mod allow;
mod ctx;

use ctx::Ctx;

/// Most host names an error's help lists before "… and N more".
const NAMES_LISTED: usize = 20;

/// Host names as an error's help lists them when a name is unknown:
/// sorted, at most [`NAMES_LISTED`], then how many were left out.
pub fn name_list(mut names: Vec<&str>) -> String {
    names.sort_unstable();
    let more = names.len().saturating_sub(NAMES_LISTED);
    names.truncate(NAMES_LISTED);
    let mut s = names.join(", ");
    if more > 0 {
        s.push_str(&format!(" … and {more} more"));
    }
    s
}

/// Resolves every host, pushing problems to `diags`.
pub fn resolve(
    src: &Source,
    dir: &Path,
    raw: &RawInventory,
    sections: &[&dyn Section],
    diags: &mut Diags,
) -> Vec<Host> {
    let mut seen = super::sections::check_defaults(src, sections, &raw.defaults.sections, diags);
    let mut cx = Ctx { src, diags };
    let d = &raw.defaults;
    let dpath = KeyPath::root().key("defaults");

    // First pass: names and addresses, so `from` lists can refer to any host.
    let mut names: HashMap<String, (usize, Vec<IpAddr>)> = HashMap::new();
    let mut by_addr: HashMap<IpAddr, usize> = HashMap::new();
    for (i, h) in raw.hosts.iter().enumerate() {
        let hp = KeyPath::root().key("hosts").index(i);
        let Some(name) = h.name.clone() else {
            cx.err(
                &hp,
                "inv-missing-key",
                "host has no `name`",
                "add name = \"otc-db-1\" (unique, letters, digits, '-', '.', '_')",
            );
            continue;
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
        {
            cx.err(
                &hp.key("name"),
                "inv-bad-name",
                format!("host name `{name}` is not allowed"),
                "use letters, digits, '-', '.' and '_' only",
            );
        }
        let mut addrs = Vec::new();
        match h.address.as_deref().map(str::parse::<IpAddr>) {
            Some(Ok(a)) => addrs.push(a),
            Some(Err(_)) => cx.err(
                &hp.key("address"),
                "inv-bad-address",
                format!(
                    "`{}` is not an IP address",
                    h.address.as_deref().unwrap_or_default()
                ),
                "write an IPv4 or IPv6 address; harden does not resolve DNS names",
            ),
            None => cx.err(
                &hp,
                "inv-missing-key",
                format!("host `{name}` has no `address`"),
                "add address = \"10.0.0.5\"",
            ),
        }
        for (j, a) in h.extra_addresses.iter().enumerate() {
            match a.parse::<IpAddr>() {
                Ok(a) => addrs.push(a),
                Err(_) => cx.err(
                    &hp.key("extra_addresses").index(j),
                    "inv-bad-address",
                    format!("`{a}` is not an IP address"),
                    "write an IPv4 or IPv6 address",
                ),
            }
        }
        for a in &addrs {
            if let Some(prev) = by_addr.insert(*a, i) {
                if prev != i {
                    let first = src
                        .span_of(&KeyPath::root().key("hosts").index(prev))
                        .map(|s| src.line_col(s.start).0)
                        .unwrap_or(0);
                    cx.err(
                        &hp.key("address"),
                        "inv-duplicate-address",
                        format!("address {a} is also used by hosts[{prev}] (line {first})"),
                        "every host needs its own address",
                    );
                }
            }
        }
        if let Some((prev, _)) = names.get(&name) {
            let first = src
                .span_of(&KeyPath::root().key("hosts").index(*prev))
                .map(|s| src.line_col(s.start).0)
                .unwrap_or(0);
            cx.err(
                &hp.key("name"),
                "inv-duplicate-host",
                format!("host name `{name}` is already used by hosts[{prev}] (line {first})"),
                "host names must be unique",
            );
        } else {
            names.insert(name, (i, addrs));
        }
    }

    let d_ctl = d
        .controller_sources
        .as_ref()
        .map(|l| cx.cidrs(&dpath.key("controller_sources"), l));
    let d_mgmt = d
        .management_sources
        .as_ref()
        .map(|l| cx.cidrs(&dpath.key("management_sources"), l));
    let d_port = d
        .ssh_port
        .as_ref()
        .and_then(|v| cx.single_port(&dpath.key("ssh_port"), v));
    let d_timeout = d
        .connect_timeout
        .as_ref()
        .and_then(|v| cx.seconds(&dpath.key("connect_timeout"), v));

    let mut hosts = Vec::new();
    for (i, h) in raw.hosts.iter().enumerate() {
        let hp = KeyPath::root().key("hosts").index(i);
        let Some(name) = h.name.clone() else { continue };
        let Some((_, addrs)) = names.get(&name).filter(|(idx, _)| *idx == i).cloned() else {
            continue;
        };
        let Some(&address) = addrs.first() else {
            continue;
        };
        let provider = h.provider.or_else(|| {
            cx.err(
                &hp,
                "inv-missing-key",
                format!("host `{name}` has no `provider`"),
                "add provider = \"telekom\" or \"hetzner\"",
            );
            None
        });
        let environment = h.environment.or_else(|| {
            cx.err(
                &hp,
                "inv-missing-key",
                format!("host `{name}` has no `environment`"),
                "add environment = \"production\" or \"test\"",
            );
            None
        });
        if h.roles.is_empty() {
            cx.err(
                &hp,
                "inv-missing-key",
                format!("host `{name}` has no `roles`"),
                "add roles = [\"data\"] (data | app | gatekeeper | loadbalancer)",
            );
        }

        let allow = allow::resolve(&mut cx, &names, &hp, &h.allow);
        let controller_sources = match &h.controller_sources {
            Some(l) => cx.cidrs(&hp.key("controller_sources"), l),
            None => d_ctl.clone().unwrap_or_default(),
        };
        let management_sources = match &h.management_sources {
            Some(l) => cx.cidrs(&hp.key("management_sources"), l),
            None => d_mgmt.clone().unwrap_or_default(),
        };
        let port = h
            .ssh_port
            .as_ref()
            .and_then(|v| cx.single_port(&hp.key("ssh_port"), v))
            .or(d_port)
            .unwrap_or(22);
        let timeout = h
            .connect_timeout
            .as_ref()
            .and_then(|v| cx.seconds(&hp.key("connect_timeout"), v))
            .or(d_timeout)
            .unwrap_or(Duration::from_secs(10));
        let known_hosts = h.known_hosts.clone().or_else(|| d.known_hosts.clone());
        let Some(known_hosts) = known_hosts else {
            cx.err(&hp, "inv-missing-key", format!("no `known_hosts` for host `{name}`"), "set known_hosts = \"known_hosts\" in [defaults]; harden never trusts an unknown host key");
            continue;
        };
        let identity = h
            .identity
            .clone()
            .or_else(|| d.identity.clone())
            .map(|p| dir.join(p));
        let settings = super::sections::load_host(
            src,
            sections,
            &mut seen,
            &d.sections,
            &h.sections,
            i,
            &names,
            cx.diags,
        );
        let (Some(provider), Some(environment)) = (provider, environment) else {
            continue;
        };
        hosts.push(Host {
            index: i,
            name,
            address,
            addresses: addrs,
            provider,
            environment,
            tenant: h.tenant.clone(),
            roles: h.roles.clone(),
            allow,
            conn: Connection {
                user: h
                    .ssh_user
                    .clone()
                    .or_else(|| d.ssh_user.clone())
                    .unwrap_or_else(|| "root".into()),
                port,
                known_hosts: dir.join(known_hosts),
                identity,
                connect_timeout: timeout,
            },
            controller_sources,
            management_sources,
            sections: settings,
        });
    }
    hosts
}
