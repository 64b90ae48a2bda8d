//! The firewall control's inventory section: `[defaults.firewall]` merged
//! key by key with `hosts[].firewall` into [`FirewallSettings`] (read with
//! `host.settings::<FirewallSettings>()`). A problem is reported at the
//! table the value was written in.

use std::any::Any;

use serde::Deserialize;

use crate::contract::section::{pick, Section, SectionCx, Side};

/// `[defaults.firewall]` / `hosts[].firewall`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFirewall {
    /// Rate of accepted ICMP/ICMPv6 echo requests per second (default 10).
    pub icmp_rate: Option<u32>,
    /// Log prefix of accepted management connections (default `harden-mgmt: `).
    pub log_prefix: Option<String>,
}

/// Effective firewall settings of a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirewallSettings {
    /// Echo requests accepted per second.
    pub icmp_rate: u32,
    /// Log prefix for accepted management connections.
    pub log_prefix: String,
}

impl Default for FirewallSettings {
    fn default() -> Self {
        FirewallSettings {
            icmp_rate: 10,
            log_prefix: "harden-mgmt: ".into(),
        }
    }
}

/// The `firewall` section.
pub struct FirewallSection;

impl Section for FirewallSection {
    fn name(&self) -> &'static str {
        "firewall"
    }

    fn load(
        &self,
        cx: &mut SectionCx<'_>,
        defaults: Option<&toml::Value>,
        host: Option<&toml::Value>,
    ) -> Box<dyn Any + Send + Sync> {
        let d: Option<RawFirewall> = cx.parse(Side::Defaults, defaults);
        let h: Option<RawFirewall> = cx.parse(Side::Host, host);
        Box::new(merge(cx, d.as_ref(), h.as_ref()))
    }
}

/// `[defaults.firewall]` with the host's `firewall` keys laid over it.
fn merge(
    cx: &mut SectionCx<'_>,
    d: Option<&RawFirewall>,
    h: Option<&RawFirewall>,
) -> FirewallSettings {
    let def = FirewallSettings::default();
    let (icmp_rate, side) = pick(d, h, |f| f.icmp_rate).unwrap_or((def.icmp_rate, Side::Host));
    if !(1..=1000).contains(&icmp_rate) {
        cx.error(
            &cx.key(side, "icmp_rate"),
            "inv-bad-value",
            format!("icmp_rate = {icmp_rate} is outside 1-1000"),
            "valid: 1-1000 packets per second",
        );
    }
    let (log_prefix, side) =
        pick(d, h, |f| f.log_prefix.clone()).unwrap_or((def.log_prefix, Side::Host));
    if log_prefix.len() > 60 || log_prefix.contains(['"', '\\', '\n']) {
        cx.error(
            &cx.key(side, "log_prefix"),
            "inv-bad-value",
            "log_prefix must be at most 60 characters without quotes or backslashes",
            "e.g. \"harden-mgmt: \"",
        );
    }
    FirewallSettings {
        icmp_rate,
        log_prefix,
    }
}
