//! Policy rules: inventory content that parses but breaks a TOM promise.
//!
//! Each rule has a stable code (`pol-…`), a severity and the TOM measure it
//! protects; [`CODES`] (in `codes.rs`, re-exported here) is the catalogue
//! docs/inventory.md is written from.
//! Rules read only the resolved [`Inventory`] and never do I/O, so
//! `harden check` can run them in CI without reaching any host.

use super::model::{Host, Inventory};
use super::net::Cidr;
use super::schema::{Provider, Role};
use super::source::{Diagnostic, Diags, KeyPath, Severity};

pub use super::codes::{catalogue, CodeInfo, CODES};

#[path = "validate_separation.rs"]
mod separation;

/// Runs every policy rule.
pub fn policy(inv: &Inventory, out: &mut Diags) {
    for h in &inv.hosts {
        let hp = KeyPath::root().key("hosts").index(h.index);
        mgmt_rules(inv, h, &hp, out);
        allow_rules(inv, h, &hp, out);
        if h.has_role(Role::Data) && h.provider != Provider::Telekom {
            out.add(Severity::Error, || Diagnostic::at(&inv.source, &hp.key("provider"), "pol-data-host-location",
                format!("data host `{}` is at {}", h.name, h.provider),
                "data-holding systems run at Open Telekom Cloud with encrypted disks; put gatekeepers at Hetzner")
                .tom(crate::tom::DISK_ENCRYPTION.id));
        }
    }
    separation::check(inv, out);
}

/// Where a host's `key` (a `[defaults]` key a host may override) was
/// written: the host's own, else `[defaults]`.
fn written(inv: &Inventory, hp: &KeyPath, key: &str) -> KeyPath {
    match inv.source.key_span_of(&hp.key(key)) {
        Some(_) => hp.key(key),
        None => KeyPath::root().key("defaults").key(key),
    }
}

/// Whom a rule about `key` names: the host when it writes the key itself,
/// else `[defaults]`, in the same words for every host that inherits it
/// (so the diagnostics list keeps it once, not once per host).
fn whose(inv: &Inventory, hp: &KeyPath, key: &str, h: &Host) -> String {
    match inv.source.key_span_of(&hp.key(key)) {
        Some(_) => format!("`{}`", h.name),
        None => "[defaults]".to_string(),
    }
}

fn mgmt_rules(inv: &Inventory, h: &Host, hp: &KeyPath, out: &mut Diags) {
    let src = &inv.source;
    if h.controller_sources.is_empty() {
        out.add(Severity::Error, || Diagnostic::at(src, &written(inv, hp, "controller_sources"), "pol-no-controller",
            format!("controller_sources of {} is empty", whose(inv, hp, "controller_sources", h)),
            "set controller_sources in [defaults] to the address(es) harden connects from, or harden would lock itself out")
            .tom(crate::tom::MGMT_WINDOW.id));
    }
    for (key, list) in [
        ("controller_sources", &h.controller_sources),
        ("management_sources", &h.management_sources),
    ] {
        if let Some(k) = list.iter().position(Cidr::is_any) {
            out.add(Severity::Error, || {
                Diagnostic::at(
                    src,
                    &written(inv, hp, key).index(k),
                    "pol-mgmt-open-to-all",
                    format!(
                        "{key} of {} opens the management port to the whole internet",
                        whose(inv, hp, key, h)
                    ),
                    "list the management networks explicitly (e.g. 198.51.100.0/28)",
                )
                .tom(crate::tom::MGMT_WINDOW.id)
            });
        }
    }
    let overlap = |a: &Cidr, b: &Cidr| a.contains(b.network()) || b.contains(a.network());
    let cp = written(inv, hp, "controller_sources");
    // A controller *network* sharing addresses with a people's network puts
    // people's machines in the always-open set; one controller address
    // (inside the office network, or listed in both) is one machine.
    for (k, c) in h.controller_sources.iter().enumerate() {
        if c.is_any() || *c == Cidr::host(c.addr) {
            continue; // pol-mgmt-open-to-all, or a single address
        }
        if let Some(m) = h
            .management_sources
            .iter()
            .find(|m| !m.is_any() && overlap(c, m))
        {
            out.add(Severity::Error, || {
                Diagnostic::at(src, &cp.index(k), "pol-mgmt-people-permanent",
                    format!("controller_sources {c} of {} overlaps management_sources {m}: the people's network would reach the management port at all times", whose(inv, hp, "controller_sources", h)),
                    "controller_sources lists only the address(es) harden runs from; people reach the port through `harden maintenance open`")
                    .tom(crate::tom::MGMT_WINDOW.id)
            });
        }
    }
}

fn allow_rules(inv: &Inventory, h: &Host, hp: &KeyPath, out: &mut Diags) {
    let src = &inv.source;
    for (j, a) in h.allow.iter().enumerate() {
        let ap = hp.key("allow").index(j);
        if a.proto.as_str() == "tcp" && a.port.contains(h.conn.port) {
            out.add(Severity::Error, || Diagnostic::at(src, &ap.key("port"), "pol-mgmt-port-in-allow",
                format!("allow opens the management port {} on `{}`", h.conn.port, h.name),
                "remove it: the management port is open to controller_sources only; use `harden maintenance open` for people")
                .tom(crate::tom::MGMT_WINDOW.id));
        }
        let public =
            a.from.is_none() || a.from.as_ref().is_some_and(|f| f.iter().any(Cidr::is_any));
        if public && h.has_role(Role::Data) {
            out.add(Severity::Error, || Diagnostic::at(src, &ap, "pol-data-host-public",
                format!("data host `{}` serves port {} to anyone", h.name, a.port),
                "add from = [\"<app host>\", \"10.0.2.0/24\"]: data hosts are reached only through named hosts")
                .tom(crate::tom::PORTS.id));
        } else if public && !h.has_role(Role::Gatekeeper) && !h.has_role(Role::Loadbalancer) {
            out.add(Severity::Warning, || {
                Diagnostic::at(
                    src,
                    &ap,
                    "pol-any-source",
                    format!(
                        "`{}` serves port {} to anyone but is not a gatekeeper or load balancer",
                        h.name, a.port
                    ),
                    "add a `from` list, or give the host the gatekeeper/loadbalancer role",
                )
                .tom(crate::tom::PORTS.id)
                .warning()
            });
        }
        if [80u16, 21, 23, 25, 110, 143]
            .iter()
            .any(|p| a.port.contains(*p))
        {
            out.add(Severity::Warning, || {
                Diagnostic::at(
                    src,
                    &ap.key("port"),
                    "pol-plaintext-port",
                    format!("port {} on `{}` is usually plaintext", a.port, h.name),
                    "serve TLS only (e.g. 443); keep 80 only for a redirect to https",
                )
                .tom(crate::tom::TRANSPORT_ENCRYPTION.id)
                .warning()
            });
        }
        for (k, name) in a.from_written.iter().enumerate() {
            let Some(other) = inv.host(name) else {
                continue;
            };
            let fp = ap.key("from").index(k);
            if other.environment != h.environment {
                out.add(Severity::Error, || {
                    Diagnostic::at(
                        src,
                        &fp,
                        "pol-prod-test-mix",
                        format!(
                            "{} host `{}` accepts {} host `{}`",
                            h.environment, h.name, other.environment, other.name
                        ),
                        "production and test systems run separately: remove the entry",
                    )
                    .tom(crate::tom::PROD_TEST.id)
                });
            }
            if let (Some(t1), Some(t2)) = (&h.tenant, &other.tenant) {
                if t1 != t2 {
                    out.add(Severity::Error, || {
                        Diagnostic::at(
                            src,
                            &fp,
                            "pol-tenant-mix",
                            format!(
                                "host `{}` (tenant {t1}) accepts `{}` (tenant {t2})",
                                h.name, other.name
                            ),
                            "customer projects are kept apart: remove the entry or fix the tenant",
                        )
                        .tom(crate::tom::DEDICATED_SERVERS.id)
                    });
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "validate_rules_cases.rs"]
mod rules_cases;

#[cfg(test)]
#[path = "validate_rules_tests.rs"]
mod rules_tests;
