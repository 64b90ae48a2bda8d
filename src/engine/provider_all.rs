//! The provider phase of a run: every selected host whose provider has
//! an account in the inventory gets its provider-scoped controls planned
//! (and with `apply`, applied) through [`super::provider::check_apply`].
//!
//! The clients of one account are built once and shared by its hosts (one
//! OTC token per project); an account whose credential cannot be read
//! fails each of its hosts with that error, and no other account is
//! affected. Hosts are handled one at a time in inventory order: provider
//! APIs are rate-limited per project (Hetzner: 3600 requests an hour), and
//! a firewall's rules are replaced as a whole, so two calls on one object
//! must not race.

use std::collections::HashMap;
use std::time::Duration;

use super::provider::{check_apply, ProviderError, ProviderOutcome};
use crate::backend::http::cloud::{build, Cloud, CloudError, CloudKey, CloudSettings};
use crate::contract::{HostCtx, Scope};
use crate::inventory::Inventory;

/// One host's provider outcomes.
#[derive(Clone)]
pub struct HostOutcomes {
    /// The host's index in the inventory.
    pub index: usize,
    /// One per provider control that applies to it.
    pub outcomes: Vec<ProviderOutcome>,
}

impl HostOutcomes {
    /// True when apply has something to do at the provider.
    pub fn needs_apply(&self) -> bool {
        self.outcomes
            .iter()
            .any(|o| o.plan.as_ref().is_some_and(|p| p.needs_apply()))
    }
}

/// The provider controls of `hosts` (indexes into `inv.hosts`), in order.
/// Hosts without an account or without a provider control are left out.
pub async fn check_apply_all(
    inv: &Inventory,
    hosts: &[usize],
    ca: Option<&crate::ca::CaRuntime>,
    timeout: Duration,
    apply: bool,
) -> Vec<HostOutcomes> {
    let mut clouds: HashMap<CloudKey, Result<Cloud, CloudError>> = HashMap::new();
    let mut out = Vec::new();
    for &i in hosts {
        if super::run::stopping() {
            break;
        }
        let host = &inv.hosts[i];
        let Some(key) = host.settings::<CloudSettings>().account(host) else {
            continue;
        };
        let outcomes = super::check::with_host_ctx(inv, host, ca, |ctx| {
            let controls = super::check::controls_in(ctx, Scope::Provider);
            (!controls.is_empty()).then(|| controls.iter().map(|c| c.id()).collect::<Vec<_>>())
        });
        let Some(ids) = outcomes else { continue };
        let cloud = clouds
            .entry(key.clone())
            .or_insert_with(|| build(&key, timeout));
        let outcomes = match cloud {
            Ok(cloud) => one_host(inv, i, ca, cloud, apply).await,
            Err(e) => ids
                .into_iter()
                .map(|id| ProviderOutcome::failed(id, ProviderError::from(e.clone())))
                .collect(),
        };
        out.push(HostOutcomes { index: i, outcomes });
    }
    out
}

async fn one_host(
    inv: &Inventory,
    i: usize,
    ca: Option<&crate::ca::CaRuntime>,
    cloud: &Cloud,
    apply: bool,
) -> Vec<ProviderOutcome> {
    let host = &inv.hosts[i];
    let base = HostCtx::new(inv, host, ca);
    let ports = super::check::declared_ports(&base);
    let ctx = base.with_ports(&ports);
    check_apply(&ctx, cloud, apply).await
}
