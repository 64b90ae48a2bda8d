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
//!
//! Parts: [`render`] (the file, from `templates/haproxy/`, carrying its
//! own fingerprint), [`crypto`] (TLS groups from the host's OpenSSL),
//! [`activate`] (reload and proof), [`running`] (host-side drift of the
//! running process), [`hiding`] (checked from the controller as an
//! internet client: no certificate, header or page names a backend). The file is validated on the host with
//! `haproxy -dW -c -f` (warnings fatal) before the swap; activation exits
//! non-zero when HAProxy refused the reload, so apply restores the old
//! file and reloads it. `guard` stays false: HAProxy cannot cut harden's
//! SSH off.

pub mod activate;
pub mod crypto;
pub mod hiding;
pub mod model;
pub mod ports;
pub mod render;
pub mod running;
pub mod section;

use crate::contract::{Control, Facts, HostCtx, ManagedFile, Plan, PortNeed, Probe, RenderError};
use model::GatekeeperSettings;
use render::CONFIG;

const TOM: &str = crate::tom::TRANSPORT_ENCRYPTION.id;

/// The config's validator on the host: HAProxy's own parser, warnings
/// fatal (a config that only warns on 2.6 can be fatal on 3.0).
pub const VALIDATE: &str = "haproxy -dW -c -f {}";

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
        // The last four are the section's cross-host policy rules.
        &[
            crate::tom::TRANSPORT_ENCRYPTION,
            crate::tom::PORTS,
            crate::tom::MGMT_WINDOW,
            crate::tom::DISK_ENCRYPTION,
            crate::tom::PROD_TEST,
            crate::tom::DEDICATED_SERVERS,
        ]
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

    fn probes(&self, ctx: &HostCtx<'_>) -> Result<Vec<Probe>, RenderError> {
        let mut p = vec![
            Probe::File(CONFIG.into()),
            Probe::File(activate::DROPIN.into()),
        ];
        p.extend(running::probes(settings(ctx))?);
        p.extend(hiding::probes(ctx));
        Ok(p)
    }

    fn plan(&self, ctx: &HostCtx<'_>, facts: &Facts) -> Result<Plan, RenderError> {
        let g = settings(ctx);
        let mut p = Plan::new(ID);
        let state = if facts.assumed {
            None
        } else {
            match running::state(facts) {
                Ok(v) => Some(v),
                Err(f) => {
                    p.push(*f);
                    None
                }
            }
        };
        let openssl = match &state {
            None if facts.assumed => Some(crypto::ASSUMED),
            Some(v) => v
                .build
                .as_ref()
                .and_then(|b| b.openssl_running.as_deref())
                .and_then(crypto::OpenSsl::parse),
            None => None,
        };
        let mut tls = crypto::choose(openssl);
        if facts.assumed {
            tls.rationale
                .push_str(" (rendered offline: OpenSSL assumed, `harden plan` uses the host's)");
        }
        let r = render::render(&ctx.host.name, g, &tls)?;
        p.notes.push(tls.rationale.clone());
        p.file(
            ManagedFile::root(CONFIG, r.text, 0o600, TOM).validated_by(VALIDATE),
            &facts.file(CONFIG),
        );
        if facts.base.systemd {
            p.file(
                ManagedFile::root(
                    activate::DROPIN,
                    activate::dropin(render::MASTER_SOCKET),
                    0o644,
                    TOM,
                ),
                &facts.file(activate::DROPIN),
            );
        }
        p.activate
            .push(activate::script(&activate::Paths::default()));
        if let Some(v) = &state {
            if v.build.is_none() {
                p.preflight
                    .push("haproxy is not installed: apt-get install haproxy".into());
            }
            p.extend(running::findings(g, v, &r.fingerprint));
        }
        if !facts.assumed {
            p.extend(running::socket_findings(facts));
            p.extend(running::tls_file_findings(g, facts));
        }
        // From outside, as an internet client: nothing may name a backend.
        p.extend(hiding::findings(ctx, facts));
        Ok(p)
    }
}
