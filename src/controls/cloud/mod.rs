//! The provider accounts and the host's server at its provider
//! (TOM-6.2-provider-firewall: every system sits behind its provider's
//! firewall, so harden must know which provider object is the host).
//!
//! The `cloud` section ([`section`]) holds the accounts; the `cloud`
//! control (provider-scoped, for every host whose provider has an
//! account) proves the mapping: exactly one server matches
//! ([`server::read`]) and it carries the host's inventory address. It is
//! report-only; the other provider controls (EVS encryption, the provider
//! firewalls) start from the same lookup.

pub mod section;
pub mod server;

use crate::contract::{Control, Facts, HostCtx, Plan, Probe, RenderError, Scope};
use crate::report::model::Finding;

/// The cloud control.
pub struct CloudControl;

const TOM: &str = crate::tom::PROVIDER_FIREWALL.id;

impl Control for CloudControl {
    fn id(&self) -> &'static str {
        "cloud"
    }

    fn scope(&self) -> Scope {
        Scope::Provider
    }

    fn section(&self) -> Option<&'static dyn crate::contract::section::Section> {
        Some(&section::CloudSection)
    }

    fn measures(&self) -> &'static [&'static crate::tom::Tom] {
        &[crate::tom::PROVIDER_FIREWALL]
    }

    fn applies(&self, ctx: &HostCtx<'_>) -> bool {
        server::account(ctx).is_some()
    }

    fn probes(&self, ctx: &HostCtx<'_>) -> Result<Vec<Probe>, RenderError> {
        Ok(server::probe(ctx).into_iter().collect())
    }

    fn plan(&self, ctx: &HostCtx<'_>, facts: &Facts) -> Result<Plan, RenderError> {
        let mut plan = Plan::new(self.id());
        let wanted = ctx
            .host
            .settings::<crate::backend::http::cloud::CloudSettings>()
            .server(ctx.host);
        let item = wanted.to_string();
        let expected = format!("one server carrying {}", ctx.host.address);
        let f = Finding::new("cloud", "cloud-server", item, TOM);
        plan.findings.push(match server::read(ctx, facts) {
            Ok(s) if s.has(ctx.host.address) => f.ok(format!(
                "server {} ({}) carrying {}",
                s.id, s.name, ctx.host.address
            )),
            Ok(s) => f
                .drift(
                    expected,
                    format!(
                        "server {} ({}) with {}",
                        s.id,
                        s.name,
                        shown(&s.addresses)
                    ),
                    crate::report::model::Fix::None,
                )
                .with_message(
                    "the provider's server does not carry the host's address: the inventory maps the host to another machine",
                ),
            Err(why) => f
                .drift(expected, why, crate::report::model::Fix::None)
                .with_message("harden cannot tell which provider server is this host; name it in hosts[].cloud (server or server_id)"),
        });
        Ok(plan)
    }
}

fn shown(a: &[(std::net::IpAddr, u8)]) -> String {
    if a.is_empty() {
        return "no address".into();
    }
    a.iter()
        .map(|(ip, len)| match (ip, len) {
            (std::net::IpAddr::V6(_), l) if *l < 128 => format!("{ip}/{l}"),
            _ => ip.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}
