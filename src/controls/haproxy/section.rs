//! The gatekeeper's inventory section: `[defaults.gatekeeper]` merged with
//! `hosts[].gatekeeper` into [`GatekeeperSettings`] (read with
//! `host.settings::<GatekeeperSettings>()`).
//!
//! Process-wide keys (`hard_stop_after`, `maxconn`) come from the host's
//! table, else the defaults; the service defaults (`balance`, `timeouts`
//! key by key, `rate_limit`) from the service, else the host's table, else
//! the defaults. Backends and host-name sources are resolved here against
//! the other hosts of the inventory ([`SectionCx::host`]); cross-host
//! rules (roles, placement, exposure) are in [`policy`]. Single values
//! are parsed in [`values`], a service's keys in `keys`, a service and
//! the rules across a host's services in `service`.

#[path = "section_codes.rs"]
mod codes;
#[path = "section_keys.rs"]
mod keys;
#[path = "policy.rs"]
pub mod policy;
#[path = "section_service.rs"]
mod service;
#[path = "section_values.rs"]
pub mod values;

use std::any::Any;

use serde::Deserialize;

use crate::contract::section::{pick, Section, SectionCx, Side};
use crate::inventory::schema::Provider;
use crate::inventory::validate::CodeInfo;

use super::model::{
    Balance, GatekeeperSettings, Placement, DEFAULT_HARD_STOP_AFTER_S, DEFAULT_MAXCONN,
};

/// Most services on one host.
pub const MAX_SERVICES: usize = 32;
/// Most backends of one service.
pub const MAX_BACKENDS: usize = 64;
/// Most `sni` names of one service.
pub const MAX_SNI: usize = 32;
/// Most listeners of one service.
pub const MAX_LISTEN: usize = 16;
/// Most `sources` entries of one service.
pub const MAX_SOURCES: usize = 256;
/// Highest `maxconn` (process-wide and per service).
pub const MAX_MAXCONN: u32 = 1_000_000;
/// Highest `rate_limit` (new connections per source per 10 s).
pub const MAX_RATE_LIMIT: u32 = 100_000;

/// Timeout bounds, in milliseconds (100 ms to 1 h).
pub const TIMEOUT_MS: (u64, u64) = (100, 3_600_000);
/// `hard_stop_after` bounds, in milliseconds (1 s to 24 h).
pub const HARD_STOP_MS: (u64, u64) = (1_000, 86_400_000);

/// `timeouts = { … }`, each a duration string.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTimeouts {
    /// To establish a backend connection.
    pub connect: Option<String>,
    /// Client inactivity.
    pub client: Option<String>,
    /// Server inactivity.
    pub server: Option<String>,
    /// Request header (reencrypt) or ClientHello (passthrough).
    pub handshake: Option<String>,
    /// Health-check interval.
    pub check: Option<String>,
}

/// `balance = …`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawBalance {
    /// `roundrobin`.
    Roundrobin,
    /// `leastconn`.
    Leastconn,
    /// `source`.
    Source,
}

impl From<RawBalance> for Balance {
    fn from(b: RawBalance) -> Self {
        match b {
            RawBalance::Roundrobin => Balance::RoundRobin,
            RawBalance::Leastconn => Balance::LeastConn,
            RawBalance::Source => Balance::Source,
        }
    }
}

/// `health = …`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawHealth {
    /// A TLS handshake.
    Tls,
    /// An HTTP request over TLS (reencrypt only).
    Http,
}

/// `[defaults.gatekeeper]`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDefaults {
    /// `hard-stop-after` as a duration.
    pub hard_stop_after: Option<String>,
    /// Process-wide connection limit.
    pub maxconn: Option<u32>,
    /// Where gatekeepers must run.
    pub gatekeeper_provider: Option<Provider>,
    /// Where their backends must run.
    pub backend_provider: Option<Provider>,
    /// Service default.
    pub balance: Option<RawBalance>,
    /// Service default, key by key.
    pub timeouts: Option<RawTimeouts>,
    /// Service default.
    pub rate_limit: Option<u32>,
}

/// `hosts[].gatekeeper`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHost {
    /// The services (at least one when the table is written).
    pub services: Option<Vec<RawService>>,
    /// `hard-stop-after` as a duration.
    pub hard_stop_after: Option<String>,
    /// Process-wide connection limit.
    pub maxconn: Option<u32>,
    /// Service default on this host.
    pub balance: Option<RawBalance>,
    /// Service default on this host, key by key.
    pub timeouts: Option<RawTimeouts>,
    /// Service default on this host.
    pub rate_limit: Option<u32>,
}

/// `[[hosts.gatekeeper.services]]`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    /// `[a-z0-9-]{1,32}`.
    pub name: Option<String>,
    /// Ports or `"addr:port"` strings.
    pub listen: Option<Vec<toml::Value>>,
    /// CIDRs or host names; absent: anyone.
    pub sources: Option<Vec<String>>,
    /// `passthrough` (default) or `reencrypt`.
    pub mode: Option<String>,
    /// TLS names routed here.
    pub sni: Option<Vec<String>>,
    /// `"host:port"` entries.
    pub backends: Option<Vec<String>>,
    /// `tls` (default) or `http`.
    pub health: Option<RawHealth>,
    /// Path of the HTTP check.
    pub health_path: Option<String>,
    /// Balancing.
    pub balance: Option<RawBalance>,
    /// Timeouts, key by key.
    pub timeouts: Option<RawTimeouts>,
    /// Frontend connection limit.
    pub maxconn: Option<u32>,
    /// New connections per source per 10 s (0: unlimited).
    pub rate_limit: Option<u32>,
    /// Send PROXY v2.
    pub proxy_protocol: Option<bool>,
    /// Reencrypt: certificate chain.
    pub cert: Option<String>,
    /// Reencrypt: private key.
    pub key: Option<String>,
    /// Reencrypt: CA of the backends.
    pub backend_ca: Option<String>,
    /// Reencrypt: name the backends carry.
    pub backend_name: Option<String>,
}

/// The `gatekeeper` section.
pub struct GatekeeperSection;

impl Section for GatekeeperSection {
    fn name(&self) -> &'static str {
        "gatekeeper"
    }

    fn load(
        &self,
        cx: &mut SectionCx<'_>,
        defaults: Option<&toml::Value>,
        host: Option<&toml::Value>,
    ) -> Box<dyn Any + Send + Sync> {
        let d: Option<RawDefaults> = cx.parse(Side::Defaults, defaults);
        let h: Option<RawHost> = cx.parse(Side::Host, host);
        let global = globals(cx, d.as_ref(), h.as_ref());
        let Some(h) = h else {
            // No table (or one that did not parse, reported): no services.
            return Box::new(global);
        };
        let layers = service::Layers::new(cx, d.as_ref(), &h, global.maxconn);
        let services = service::all(cx, &h, &layers);
        Box::new(GatekeeperSettings { services, ..global })
    }

    fn codes(&self) -> &'static [CodeInfo] {
        codes::CODES
    }

    fn policy(&self, inv: &crate::inventory::Inventory, out: &mut crate::inventory::Diags) {
        policy::check(inv, out);
    }
}

/// The process-wide settings and the placement, without services.
fn globals(
    cx: &mut SectionCx<'_>,
    d: Option<&RawDefaults>,
    h: Option<&RawHost>,
) -> GatekeeperSettings {
    let hard_stop = |side: Side, v: &Option<String>, cx: &mut SectionCx<'_>| {
        let v = v.as_ref()?;
        match values::duration_ms(v, HARD_STOP_MS.0, HARD_STOP_MS.1) {
            Ok(ms) if ms % 1_000 == 0 => Some((ms / 1_000) as u32),
            Ok(_) => {
                let at = cx.key(side, "hard_stop_after");
                cx.error(
                    &at,
                    "inv-gk-duration",
                    format!(
                        "hard_stop_after `{}` is not whole seconds",
                        values::shown(v)
                    ),
                    "write seconds, minutes or hours, e.g. \"30m\"",
                );
                None
            }
            Err(b) => {
                let at = cx.key(side, "hard_stop_after");
                cx.error(&at, "inv-gk-duration", b.msg, b.help);
                None
            }
        }
    };
    let dh = d.and_then(|d| hard_stop(Side::Defaults, &d.hard_stop_after, cx));
    let hh = h.and_then(|h| hard_stop(Side::Host, &h.hard_stop_after, cx));
    let mut maxconn = DEFAULT_MAXCONN;
    if let Some((m, side)) = pick(d, None, |d| d.maxconn) {
        maxconn = ranged(cx, side, "maxconn", m, MAX_MAXCONN).unwrap_or(maxconn);
    }
    if let Some((m, side)) = pick(None, h, |h| h.maxconn) {
        maxconn = ranged(cx, side, "maxconn", m, MAX_MAXCONN).unwrap_or(maxconn);
    }
    let dflt = Placement::default();
    GatekeeperSettings {
        services: Vec::new(),
        hard_stop_after_s: hh.or(dh).unwrap_or(DEFAULT_HARD_STOP_AFTER_S),
        maxconn,
        placement: Placement {
            gatekeeper: d
                .and_then(|d| d.gatekeeper_provider)
                .unwrap_or(dflt.gatekeeper),
            backend: d.and_then(|d| d.backend_provider).unwrap_or(dflt.backend),
        },
    }
}

/// `v` when it is 1..=`hi`, else an `inv-gk-range` error at `key`.
fn ranged(cx: &mut SectionCx<'_>, side: Side, key: &str, v: u32, hi: u32) -> Option<u32> {
    ranged_at(cx, &cx.key(side, key), key, v, 1, hi)
}

/// `v` when it is `lo..=hi`, else an `inv-gk-range` error at `at`.
fn ranged_at(
    cx: &mut SectionCx<'_>,
    at: &crate::inventory::KeyPath,
    key: &str,
    v: u32,
    lo: u32,
    hi: u32,
) -> Option<u32> {
    if (lo..=hi).contains(&v) {
        return Some(v);
    }
    cx.error(
        at,
        "inv-gk-range",
        format!("{key} = {v} is outside the safe range"),
        format!("valid: {lo}-{hi}"),
    );
    None
}

#[cfg(test)]
#[path = "section_tests.rs"]
mod tests;
