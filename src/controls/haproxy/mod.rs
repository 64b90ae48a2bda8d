//! HAProxy gatekeeper / load-balancer control: hosts at Hetzner that
//! forward only TLS to backends at Telekom, hiding where the data systems
//! are (TOM-2.1-transport-encryption, TOM-1.2-ports).
//!
//! It owns `hosts[].gatekeeper` ([`section`], typed as [`model`]), renders
//! `/etc/haproxy/haproxy.cfg`, validates it on the host with the host's
//! own binary before the swap, reloads without dropping connections and
//! proves the reload took. Through [`Control::ports`] it derives the
//! firewall on both sides ([`ports`]): public listeners on the
//! gatekeeper, forwarded ports on each backend open only to the
//! gatekeepers that front it.

pub mod activate;
pub mod crypto;
pub mod model;
pub mod ports;
pub mod render;
pub mod section;

use crate::contract::{Control, Facts, HostCtx, Plan, PortNeed, Probe, RenderError};
use model::GatekeeperSettings;

/// The control's id.
pub const ID: &str = "haproxy";

/// The HAProxy control.
pub struct Haproxy;

/// The host's services (empty: not a gatekeeper).
pub fn settings<'a>(ctx: &HostCtx<'a>) -> &'a GatekeeperSettings {
    ctx.host.settings::<GatekeeperSettings>()
}

impl Control for Haproxy {
    fn id(&self) -> &'static str {
        ID
    }

    fn section(&self) -> Option<&'static dyn crate::contract::section::Section> {
        Some(&section::GatekeeperSection)
    }

    fn measures(&self) -> &'static [&'static crate::tom::Tom] {
        &[crate::tom::TRANSPORT_ENCRYPTION, crate::tom::PORTS]
    }

    fn applies(&self, ctx: &HostCtx<'_>) -> bool {
        !settings(ctx).services.is_empty()
    }

    fn templates(&self) -> &'static [(&'static str, &'static str)] {
        &[(
            render::TEMPLATE,
            include_str!("../../../templates/haproxy/haproxy.cfg.tera"),
        )]
    }

    fn ports(&self, ctx: &HostCtx<'_>) -> Vec<PortNeed> {
        ports::needs(ctx)
    }

    fn probes(&self, _ctx: &HostCtx<'_>) -> Result<Vec<Probe>, RenderError> {
        Ok(Vec::new())
    }

    fn plan(&self, _ctx: &HostCtx<'_>, _facts: &Facts) -> Result<Plan, RenderError> {
        Ok(Plan::new(ID))
    }
}
