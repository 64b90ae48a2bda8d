//! Resolving `[defaults]` and `[[hosts]]`: addresses, prefixes, ports,
//! `from` names, per-host overrides and the control sections, with every
//! problem collected.
//!
//! Names and addresses are resolved first for all hosts, so an `allow`
//! entry may name any host of the inventory, before or after itself.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use super::model::*;
use super::net::{Cidr, PortRange};
use super::schema::*;
use super::source::{Diagnostic, Diags, KeyPath, Severity, Source};
use crate::contract::section::Section;

/// Collects diagnostics for one host while resolving it.
pub(super) struct Ctx<'a> {
    src: &'a Source,
    diags: &'a mut Diags,
}

impl Ctx<'_> {
    /// Records an error at `path`.
    pub(super) fn err(
        &mut self,
        path: &KeyPath,
        code: &'static str,
        msg: impl Into<String>,
        help: impl Into<String>,
    ) {
        let src = self.src;
        self.diags.add(Severity::Error, || {
            Diagnostic::at(src, path, code, msg, help)
        });
    }

    fn cidr(&mut self, path: &KeyPath, s: &str) -> Option<Cidr> {
        Cidr::parse(s)
            .map_err(|e| {
                self.err(
                    path,
                    "inv-bad-cidr",
                    e,
                    "write an address (10.0.0.5) or a prefix (10.0.0.0/24, 2001:db8::/48)",
                )
            })
            .ok()
    }

    fn cidrs(&mut self, path: &KeyPath, list: &[String]) -> Vec<Cidr> {
        list.iter()
            .enumerate()
            .filter_map(|(i, s)| self.cidr(&path.index(i), s))
            .collect()
    }

    fn port(&mut self, path: &KeyPath, v: &toml::Value) -> Option<PortRange> {
        let parsed = match v {
            toml::Value::Integer(i) if (1..=65535).contains(i) => Ok(PortRange::single(*i as u16)),
            toml::Value::Integer(i) => Err(format!("port {i} is out of range")),
            toml::Value::String(s) => PortRange::parse(s),
            other => Err(format!(
                "expected a port number, found {}",
                other.type_str()
            )),
        };
        match parsed {
            Ok(p) => Some(p),
            Err(e) => {
                self.err(
                    path,
                    "inv-bad-port",
                    e,
                    "valid: 1-65535, or a range such as \"8000-8100\"",
                );
                None
            }
        }
    }

    fn single_port(&mut self, path: &KeyPath, v: &toml::Value) -> Option<u16> {
        let p = self.port(path, v)?;
        if p.start != p.end {
            self.err(
                path,
                "inv-bad-port",
                format!("ssh_port must be one port, not the range {p}"),
                "e.g. ssh_port = 22",
            );
            return None;
        }
        Some(p.start)
    }

    fn seconds(&mut self, path: &KeyPath, v: &toml::Value) -> Option<Duration> {
        match v {
            toml::Value::Integer(i) if (1..=600).contains(i) => {
                Some(Duration::from_secs(*i as u64))
            }
            _ => {
                self.err(
                    path,
                    "inv-bad-value",
                    format!("`{v}` is not a number of seconds"),
                    "valid: 1-600",
                );
                None
            }
        }
    }
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

        let mut allow = Vec::new();
        for (j, a) in h.allow.iter().enumerate() {
            let ap = hp.key("allow").index(j);
            let port = match &a.port {
                Some(v) => cx.port(&ap.key("port"), v),
                None => {
                    cx.err(
                        &ap,
                        "inv-missing-key",
                        "allow entry has no `port`",
                        "add port = 443 or port = \"8000-8100\"",
                    );
                    None
                }
            };
            let from = a.from.as_ref().map(|list| {
                let mut out = Vec::new();
                for (k, s) in list.iter().enumerate() {
                    if let Some((_, ips)) = names.get(s) {
                        out.extend(ips.iter().map(|ip| Cidr::host(*ip)));
                    } else if looks_like_address(s) {
                        out.extend(cx.cidr(&ap.key("from").index(k), s));
                    } else {
                        let mut known: Vec<&str> = names.keys().map(String::as_str).collect();
                        known.sort_unstable();
                        let more = known.len().saturating_sub(20);
                        known.truncate(20);
                        let more = if more > 0 {
                            format!(" … and {more} more")
                        } else {
                            String::new()
                        };
                        cx.err(
                            &ap.key("from").index(k),
                            "inv-unknown-host",
                            format!("`{s}` is neither a host of this inventory nor an address"),
                            format!("use a CIDR prefix or one of: {}{more}", known.join(", ")),
                        );
                    }
                }
                out.sort();
                out.dedup();
                out
            });
            if let Some(port) = port {
                allow.push(Allow {
                    port,
                    proto: a.proto.unwrap_or(Proto::Tcp),
                    from,
                    from_written: a.from.clone().unwrap_or_default(),
                    comment: a.comment.clone(),
                });
            }
        }

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

/// True for text that is meant as an address or prefix rather than a name.
fn looks_like_address(s: &str) -> bool {
    s.contains(':')
        || s.split('/').next().is_some_and(|a| {
            a.split('.').count() == 4 && a.split('.').all(|p| p.chars().all(|c| c.is_ascii_digit()))
        })
}
