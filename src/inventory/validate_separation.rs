//! Separation rules (TOM-1.4): production and test, and customer
//! projects (`tenant`), never meet on a path the inventory declares.
//!
//! On top of `pol-prod-test-mix` / `pol-tenant-mix` (an `allow.from`
//! entry that *names* a host of the other side):
//!
//! - `pol-prod-test-source` / `pol-tenant-source`: an `allow.from` entry
//!   written as an address or prefix (not `0.0.0.0/0` or `::/0`, which the
//!   public-port rules judge) that contains an address of a host of the
//!   other environment, or of another tenant when both hosts have one.
//! - `pol-prod-test-project`: a production and a test host at the same
//!   provider use the same provider project (the same Open Telekom Cloud
//!   region, domain and project, or the same Hetzner token), so one
//!   account, one API token and one security-group namespace serve both.
//! - `pol-tenant-shared-host`: a host without a `tenant` is linked to
//!   hosts of two or more tenants, in either direction, by an `allow.from`
//!   host name or as a gatekeeper backend: one server is shared between
//!   customer projects that the TOM keeps on their own servers.

use std::collections::BTreeSet;

use crate::backend::http::cloud::CloudSettings;
use crate::controls::haproxy::model::GatekeeperSettings;
use crate::inventory::model::{Host, Inventory};
use crate::inventory::net::Cidr;
use crate::inventory::schema::Provider;
use crate::inventory::source::{Diagnostic, Diags, KeyPath, Severity};

/// Runs the separation rules.
pub fn check(inv: &Inventory, out: &mut Diags) {
    for h in &inv.hosts {
        sources(inv, h, out);
        shared_host(inv, h, out);
    }
    projects(inv, out);
}

/// `allow.from` prefixes that reach across environments or tenants.
fn sources(inv: &Inventory, h: &Host, out: &mut Diags) {
    let hp = KeyPath::root().key("hosts").index(h.index);
    for (j, a) in h.allow.iter().enumerate() {
        for (k, written) in a.from_written.iter().enumerate() {
            if inv.host(written).is_some() {
                continue; // a host name: pol-prod-test-mix / pol-tenant-mix
            }
            let Ok(cidr) = Cidr::parse(written) else {
                continue;
            };
            if cidr.is_any() {
                continue;
            }
            let at = hp.key("allow").index(j).key("from").index(k);
            let covered =
                |o: &&Host| o.name != h.name && o.addresses.iter().any(|ip| cidr.contains(*ip));
            if let Some(o) = inv
                .hosts
                .iter()
                .filter(covered)
                .find(|o| o.environment != h.environment)
            {
                out.add(Severity::Error, || {
                    Diagnostic::at(&inv.source, &at, "pol-prod-test-source",
                        format!("{} host `{}` accepts {written}, which holds {} host `{}`", h.environment, h.name, o.environment, o.name),
                        "production and test systems run separately: narrow the prefix so it leaves out the other environment's hosts")
                        .tom(crate::tom::PROD_TEST.id)
                });
            }
            let other_tenant =
                |o: &&Host| matches!((&h.tenant, &o.tenant), (Some(a), Some(b)) if a != b);
            if let Some(o) = inv.hosts.iter().filter(covered).find(other_tenant) {
                out.add(Severity::Error, || {
                    Diagnostic::at(&inv.source, &at, "pol-tenant-source",
                        format!("host `{}` (tenant {}) accepts {written}, which holds `{}` (tenant {})",
                            h.name, h.tenant.as_deref().unwrap_or(""), o.name, o.tenant.as_deref().unwrap_or("")),
                        "customer projects are kept apart: narrow the prefix so it leaves out the other tenant's hosts")
                        .tom(crate::tom::DEDICATED_SERVERS.id)
                });
            }
        }
    }
}

/// Whether `a` names `b` in an `allow.from` or as a gatekeeper backend.
fn links(a: &Host, b: &Host) -> bool {
    a.allow.iter().any(|al| al.from_written.contains(&b.name))
        || a.settings::<GatekeeperSettings>()
            .services
            .iter()
            .any(|s| s.backends.iter().any(|be| be.host == b.name))
}

/// A tenant-less host between two or more tenants.
fn shared_host(inv: &Inventory, h: &Host, out: &mut Diags) {
    if h.tenant.is_some() {
        return;
    }
    let tenants: BTreeSet<&str> = inv
        .hosts
        .iter()
        .filter(|o| o.name != h.name && (links(h, o) || links(o, h)))
        .filter_map(|o| o.tenant.as_deref())
        .collect();
    if tenants.len() < 2 {
        return;
    }
    let list = tenants.iter().copied().collect::<Vec<_>>().join(", ");
    out.add(Severity::Error, || {
        Diagnostic::at(&inv.source, &KeyPath::root().key("hosts").index(h.index).key("name"), "pol-tenant-shared-host",
            format!("host `{}` has no tenant but serves or reaches hosts of tenants {list}", h.name),
            "customer projects run on their own servers: give each tenant its own host (and set `tenant` on it)")
            .tom(crate::tom::DEDICATED_SERVERS.id)
    });
}

/// The provider project a host's API calls use: one key per account.
fn project(h: &Host) -> Option<String> {
    let c = h.settings::<CloudSettings>();
    match h.provider {
        Provider::Telekom => c
            .otc
            .as_ref()
            .map(|o| format!("otc {} {} {:?}", o.region, o.domain, o.project)),
        Provider::Hetzner => c.hetzner.as_ref().map(|z| format!("hcloud {:?}", z.token)),
    }
}

/// Production and test hosts in one provider project.
fn projects(inv: &Inventory, out: &mut Diags) {
    for (i, h) in inv.hosts.iter().enumerate() {
        let Some(p) = project(h) else { continue };
        let Some(o) = inv.hosts[..i]
            .iter()
            .find(|o| o.environment != h.environment && project(o).as_deref() == Some(p.as_str()))
        else {
            continue;
        };
        out.add(Severity::Error, || {
            Diagnostic::at(&inv.source, &KeyPath::root().key("hosts").index(h.index).key("environment"), "pol-prod-test-project",
                format!("{} host `{}` is in the same {} project as {} host `{}`", h.environment, h.name, h.provider, o.environment, o.name),
                "production and test systems run separately: give the test hosts their own project (hosts[].cloud.otc.project, or their own Hetzner token)")
                .tom(crate::tom::PROD_TEST.id)
        });
    }
}

#[cfg(test)]
#[path = "validate_separation_tests.rs"]
mod tests;
