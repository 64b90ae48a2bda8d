//! The gatekeeper's cross-host rules, run on the resolved inventory
//! ([`Section::policy`](crate::contract::section::Section::policy)): a
//! gatekeeper is a gatekeeper or load balancer at `gatekeeper_provider`
//! that holds no data; a service's `sources` admit no host of another
//! environment or tenant; each backend is another host, at
//! `backend_provider`, in the same environment and tenant, not a data
//! host behind a public service, and reachable on its forwarded port
//! only from the gatekeepers that front it.

use crate::inventory::schema::Role;
use crate::inventory::{Cidr, Diagnostic, Diags, Host, Inventory, KeyPath, Proto, Severity};

use super::super::model::{GatekeeperSettings, Service};

/// Runs every gatekeeper rule.
pub fn check(inv: &Inventory, out: &mut Diags) {
    for h in &inv.hosts {
        let gk = h.settings::<GatekeeperSettings>();
        if gk.services.is_empty() {
            continue;
        }
        gatekeeper_rules(inv, h, gk, out);
        for (j, s) in gk.services.iter().enumerate() {
            let sp = path(h).key("services").index(j);
            listen_rules(inv, h, s, &sp, out);
            source_rules(inv, h, s, &sp, out);
            backend_rules(inv, h, gk, s, &sp, out);
        }
    }
    for h in &inv.hosts {
        exposed(inv, h, out);
    }
}

/// `hosts[i].gatekeeper`.
fn path(h: &Host) -> KeyPath {
    KeyPath::root()
        .key("hosts")
        .index(h.index)
        .key("gatekeeper")
}

fn err(
    inv: &Inventory,
    out: &mut Diags,
    at: &KeyPath,
    code: &'static str,
    tom: Option<&'static crate::tom::Tom>,
    msg: String,
    help: &str,
) {
    out.add(Severity::Error, || {
        let d = Diagnostic::at(&inv.source, at, code, msg, help);
        match tom {
            Some(t) => d.tom(t.id),
            None => d,
        }
    });
}

/// Why `h` holds data, if it does: the `data` role, or data disks
/// declared in `hosts[].disks`.
pub fn holds_data(h: &Host) -> Option<String> {
    if h.has_role(Role::Data) {
        return Some(format!("`{}` has the data role", h.name));
    }
    let disks = &h
        .settings::<crate::controls::disks::model::DiskSettings>()
        .disks;
    (!disks.is_empty()).then(|| {
        format!(
            "`{}` declares {} data disk(s) (hosts[].disks)",
            h.name,
            disks.len()
        )
    })
}

fn gatekeeper_rules(inv: &Inventory, h: &Host, gk: &GatekeeperSettings, out: &mut Diags) {
    let hp = KeyPath::root().key("hosts").index(h.index);
    if !h.has_role(Role::Gatekeeper) && !h.has_role(Role::Loadbalancer) {
        err(inv, out, &hp.key("roles"), "pol-gk-role", Some(crate::tom::PORTS),
            format!("`{}` has a gatekeeper table but neither the gatekeeper nor the loadbalancer role", h.name),
            "add \"gatekeeper\" (or \"loadbalancer\") to roles, or remove the table: its listeners are open to the internet");
    }
    if let Some(why) = holds_data(h) {
        err(
            inv,
            out,
            &hp.key("roles"),
            "pol-gk-holds-data",
            Some(crate::tom::DISK_ENCRYPTION),
            format!("gatekeeper {why}"),
            "gatekeepers forward TLS and store nothing: keep the data on a Telekom host behind it",
        );
    }
    if h.provider != gk.placement.gatekeeper {
        err(
            inv,
            out,
            &hp.key("provider"),
            "pol-gk-location",
            Some(crate::tom::DISK_ENCRYPTION),
            format!(
                "gatekeeper `{}` is at {}, the estate puts gatekeepers at {}",
                h.name, h.provider, gk.placement.gatekeeper
            ),
            "run gatekeepers where [defaults.gatekeeper] gatekeeper_provider says (default hetzner)",
        );
    }
}

fn listen_rules(inv: &Inventory, h: &Host, s: &Service, sp: &KeyPath, out: &mut Diags) {
    for (k, l) in s.listen.iter().enumerate() {
        let at = sp.key("listen").index(k);
        if let Some(a) = l.addr.filter(|a| !h.addresses.contains(a)) {
            err(
                inv,
                out,
                &at,
                "inv-gk-listen-address",
                None,
                format!("`{}` has no address {a} to listen on", h.name),
                "use one of the host's address and extra_addresses, or a bare port",
            );
        }
        if l.port == h.conn.port {
            err(
                inv,
                out,
                &at,
                "pol-gk-mgmt-port",
                Some(crate::tom::MGMT_WINDOW),
                format!(
                    "service `{}` listens on {}, the management port of `{}`",
                    s.name, l.port, h.name
                ),
                "pick another port: the management port is open to controller_sources only",
            );
        }
    }
}

/// The host of another environment (`env`) or tenant (`!env`) than `h`
/// that the written `sources` entry admits: by name, or as an address or
/// prefix (not `0.0.0.0/0` or `::/0`, which admit anyone) holding one of
/// its addresses.
fn admitted<'a>(inv: &'a Inventory, h: &Host, written: &str, env: bool) -> Option<&'a Host> {
    let apart = |o: &&Host| {
        o.name != h.name
            && if env {
                o.environment != h.environment
            } else {
                matches!((&h.tenant, &o.tenant), (Some(a), Some(b)) if a != b)
            }
    };
    if let Some(o) = inv.host(written) {
        return Some(o).filter(apart);
    }
    let cidr = Cidr::parse(written).ok().filter(|c| !c.is_any())?;
    inv.hosts
        .iter()
        .filter(apart)
        .find(|o| o.addresses.iter().any(|ip| cidr.contains(*ip)))
}

/// What a `sources` entry admits, for the message.
fn admits(written: &str, o: &Host, what: &str) -> String {
    if written == o.name {
        format!("{what} `{}`", o.name)
    } else {
        format!("{written}, which holds {what} `{}`,", o.name)
    }
}

/// `pol-gk-prod-test-source` / `pol-gk-tenant-source`: a service's
/// `sources` entry admits a host of the other environment, or of another
/// tenant when both hosts have one (the gatekeeper's derived firewall
/// rule would be an allow path between them).
fn source_rules(inv: &Inventory, h: &Host, s: &Service, sp: &KeyPath, out: &mut Diags) {
    for (k, written) in s.sources_written.iter().enumerate() {
        let at = sp.key("sources").index(k);
        if let Some(o) = admitted(inv, h, written, true) {
            let who = admits(written, o, &format!("{} host", o.environment));
            err(inv, out, &at, "pol-gk-prod-test-source", Some(crate::tom::PROD_TEST),
                format!("{} gatekeeper `{}` lets {who} connect to service `{}`", h.environment, h.name, s.name),
                "production and test systems run separately: list only clients of the gatekeeper's own environment (narrow the prefix, or remove the host)");
        }
        if let Some(o) = admitted(inv, h, written, false) {
            let who = admits(
                written,
                o,
                &format!("tenant {} host", o.tenant.as_deref().unwrap_or("")),
            );
            err(inv, out, &at, "pol-gk-tenant-source", Some(crate::tom::DEDICATED_SERVERS),
                format!("gatekeeper `{}` (tenant {}) lets {who} connect to service `{}`", h.name, h.tenant.as_deref().unwrap_or(""), s.name),
                "customer projects are kept apart: list only clients of the gatekeeper's own tenant (narrow the prefix, or remove the host)");
        }
    }
}

/// True when anyone may connect to the service.
fn public(s: &Service) -> bool {
    s.sources
        .as_ref()
        .is_none_or(|l| l.iter().any(Cidr::is_any))
}

fn backend_rules(
    inv: &Inventory,
    h: &Host,
    gk: &GatekeeperSettings,
    s: &Service,
    sp: &KeyPath,
    out: &mut Diags,
) {
    for (k, b) in s.backends.iter().enumerate() {
        let at = sp.key("backends").index(k);
        if b.host == h.name {
            err(inv, out, &at, "pol-gk-backend-self", Some(crate::tom::PORTS),
                format!("service `{}` forwards to `{}` itself", s.name, h.name),
                "name a backend host at Telekom; a gatekeeper forwarding to itself publishes a local port");
            continue;
        }
        // Backends were resolved at load; an unknown one was an error.
        let Some(bh) = inv.host(&b.host) else {
            continue;
        };
        if bh.provider != gk.placement.backend {
            err(
                inv,
                out,
                &at,
                "pol-gk-location",
                Some(crate::tom::DISK_ENCRYPTION),
                format!(
                    "backend `{}` is at {}, the estate puts backends at {}",
                    bh.name, bh.provider, gk.placement.backend
                ),
                "front only hosts where [defaults.gatekeeper] backend_provider says (default telekom)",
            );
        }
        let tenants = match (&h.tenant, &bh.tenant) {
            (Some(a), Some(b)) if a != b => Some(format!("tenant {a} vs {b}")),
            _ => None,
        };
        let envs = (h.environment != bh.environment)
            .then(|| format!("{} vs {}", h.environment, bh.environment));
        if let Some(why) = envs.or(tenants) {
            err(
                inv,
                out,
                &at,
                "pol-gk-env-mix",
                Some(crate::tom::PROD_TEST),
                format!("gatekeeper `{}` forwards to `{}` ({why})", h.name, bh.name),
                "a gatekeeper fronts hosts of its own environment and tenant only",
            );
        }
        if bh.has_role(Role::Data) && public(s) {
            err(inv, out, &at, "pol-gk-data-public", Some(crate::tom::PORTS),
                format!("data host `{}` is a backend of `{}`, which anyone may connect to", bh.name, s.name),
                "put an app host between the public and the data host, or set sources to the networks that may connect");
        }
    }
}

/// `h`'s own `allow` entries that open a forwarded port to more than the
/// gatekeepers fronting it.
fn exposed(inv: &Inventory, h: &Host, out: &mut Diags) {
    let fronted = crate::controls::haproxy::ports::forwarders(inv, h);
    if fronted.is_empty() {
        return;
    }
    for (j, a) in h.allow.iter().enumerate() {
        if a.proto != Proto::Tcp {
            continue;
        }
        for (port, (gks, _)) in fronted.iter().filter(|(p, _)| a.port.contains(**p)) {
            let wider = match &a.from {
                None => Some("anyone".to_string()),
                Some(l) => l.iter().find(|c| !gks.contains(c)).map(|c| format!("{c}")),
            };
            let Some(who) = wider else { continue };
            let at = KeyPath::root()
                .key("hosts")
                .index(h.index)
                .key("allow")
                .index(j);
            err(inv, out, &at, "pol-gk-backend-exposed", Some(crate::tom::PORTS),
                format!("`{}` forwards port {port} from its gatekeepers, but this entry also opens it to {who}", h.name),
                "remove the entry (the gatekeepers' rule is derived), or move the other service to another port");
            break;
        }
    }
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
