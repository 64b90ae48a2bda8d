//! The sshd control's inventory section: `[defaults.sshd]` merged key by
//! key with `hosts[].sshd`, range-checked, into [`SshdSettings`] (read with
//! `host.settings::<SshdSettings>()`).
//!
//! `legacy_kex_clients` and `max_startups` are taken whole from the host
//! when it sets them; `extra` is the defaults' list followed by the host's,
//! each entry one allowed directive ([`extra`]). A problem is reported at
//! the table it was written in.

pub mod extra;

use std::any::Any;

use serde::Deserialize;

use crate::contract::section::{pick, Section, SectionCx, Side};
use crate::inventory::validate::CodeInfo;

/// `[defaults.sshd]` / `hosts[].sshd`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSshd {
    /// Older clients that cannot do post-quantum key exchange; naming one
    /// keeps `curve25519-sha256` as the last key exchange.
    pub legacy_kex_clients: Option<Vec<RawLegacyClient>>,
    /// `AllowTcpForwarding` (default false).
    pub allow_tcp_forwarding: Option<bool>,
    /// `AllowAgentForwarding` (default false).
    pub allow_agent_forwarding: Option<bool>,
    /// `X11Forwarding` (default false).
    pub x11_forwarding: Option<bool>,
    /// `LoginGraceTime` in seconds (default 20, allowed 5-120).
    pub login_grace_time: Option<u32>,
    /// `MaxAuthTries` (default 3, allowed 1-6).
    pub max_auth_tries: Option<u32>,
    /// `MaxStartups` (default `10:30:60`).
    pub max_startups: Option<String>,
    /// `ClientAliveInterval` in seconds (default 300, allowed 0-3600).
    pub client_alive_interval: Option<u32>,
    /// Extra `Keyword value` lines appended before the end of the file.
    /// They must not set a keyword harden manages.
    pub extra: Option<Vec<String>>,
}

/// A client allowed a classical key exchange, with the reason.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLegacyClient {
    /// Who needs it, e.g. `ci-runner (paramiko 3.4)`.
    pub name: String,
    /// Why it cannot be upgraded yet.
    pub reason: String,
}

/// A client that keeps a classical key exchange allowed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LegacyClient {
    /// Who.
    pub name: String,
    /// Why.
    pub reason: String,
}

/// Effective sshd settings of a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshdSettings {
    /// Clients that need a classical key exchange.
    pub legacy_kex_clients: Vec<LegacyClient>,
    /// AllowTcpForwarding.
    pub allow_tcp_forwarding: bool,
    /// AllowAgentForwarding.
    pub allow_agent_forwarding: bool,
    /// X11Forwarding.
    pub x11_forwarding: bool,
    /// LoginGraceTime (seconds).
    pub login_grace_time: u32,
    /// MaxAuthTries.
    pub max_auth_tries: u32,
    /// MaxStartups.
    pub max_startups: String,
    /// ClientAliveInterval (seconds).
    pub client_alive_interval: u32,
    /// Extra lines, normalised to `Keyword value`.
    pub extra: Vec<String>,
}

impl Default for SshdSettings {
    fn default() -> Self {
        SshdSettings {
            legacy_kex_clients: Vec::new(),
            allow_tcp_forwarding: false,
            allow_agent_forwarding: false,
            x11_forwarding: false,
            login_grace_time: 20,
            max_auth_tries: 3,
            max_startups: "10:30:60".into(),
            client_alive_interval: 300,
            extra: Vec::new(),
        }
    }
}

/// Codes only this section emits.
const CODES: &[CodeInfo] = &[CodeInfo {
    code: "inv-sshd-extra",
    severity: "error",
    tom: None,
    description: "an sshd.extra entry is not one `Keyword value` directive with an allowed keyword and plain values",
}];

/// The `sshd` section.
pub struct SshdSection;

impl Section for SshdSection {
    fn name(&self) -> &'static str {
        "sshd"
    }

    fn load(
        &self,
        cx: &mut SectionCx<'_>,
        defaults: Option<&toml::Value>,
        host: Option<&toml::Value>,
    ) -> Box<dyn Any + Send + Sync> {
        let d: Option<RawSshd> = cx.parse(Side::Defaults, defaults);
        let h: Option<RawSshd> = cx.parse(Side::Host, host);
        for (side, raw) in [(Side::Defaults, &d), (Side::Host, &h)] {
            if let Some(raw) = raw {
                check(cx, side, raw);
            }
        }
        Box::new(merge(cx, d.as_ref(), h.as_ref()))
    }

    fn codes(&self) -> &'static [CodeInfo] {
        CODES
    }
}

/// The free-text and `extra` rules of one table.
fn check(cx: &mut SectionCx<'_>, side: Side, s: &RawSshd) {
    for (i, c) in s.legacy_kex_clients.iter().flatten().enumerate() {
        let cp = cx.key(side, "legacy_kex_clients").index(i);
        cx.text(&cp.key("name"), &c.name, 100);
        cx.text(&cp.key("reason"), &c.reason, 200);
    }
    for (i, e) in s.extra.iter().flatten().enumerate() {
        if let Err(r) = extra::parse(e) {
            let at = cx.key(side, "extra").index(i);
            cx.error(&at, "inv-sshd-extra", r.message, r.help);
        }
    }
}

/// `[defaults.sshd]` with the host's `sshd` keys laid over it.
fn merge(cx: &mut SectionCx<'_>, d: Option<&RawSshd>, h: Option<&RawSshd>) -> SshdSettings {
    let def = SshdSettings::default();
    let mut ranged =
        |name: &str, f: &dyn Fn(&RawSshd) -> Option<u32>, lo: u32, hi: u32, dflt: u32| -> u32 {
            match pick(d, h, f) {
                Some((v, side)) if v < lo || v > hi => {
                    cx.error(
                        &cx.key(side, name),
                        "inv-bad-value",
                        format!("{name} = {v} is outside the safe range"),
                        format!("valid: {lo}-{hi}"),
                    );
                    dflt
                }
                Some((v, _)) => v,
                None => dflt,
            }
        };
    let login_grace_time = ranged(
        "login_grace_time",
        &|s| s.login_grace_time,
        5,
        120,
        def.login_grace_time,
    );
    let max_auth_tries = ranged(
        "max_auth_tries",
        &|s| s.max_auth_tries,
        1,
        6,
        def.max_auth_tries,
    );
    let client_alive_interval = ranged(
        "client_alive_interval",
        &|s| s.client_alive_interval,
        0,
        3600,
        def.client_alive_interval,
    );
    let b =
        |f: &dyn Fn(&RawSshd) -> Option<bool>, dflt: bool| pick(d, h, f).map_or(dflt, |(v, _)| v);
    let legacy = pick(d, h, |s| s.legacy_kex_clients.clone())
        .map(|(v, _)| v)
        .unwrap_or_default()
        .into_iter()
        .map(|c| LegacyClient {
            name: c.name,
            reason: c.reason,
        })
        .collect();
    let (max_startups, side) =
        pick(d, h, |s| s.max_startups.clone()).unwrap_or((def.max_startups, Side::Defaults));
    if !max_startups.split(':').all(|p| p.parse::<u32>().is_ok())
        || max_startups.split(':').count() > 3
    {
        cx.error(
            &cx.key(side, "max_startups"),
            "inv-bad-value",
            format!("max_startups `{max_startups}` is not `N` or `start:rate:full`"),
            "e.g. \"10:30:60\"",
        );
    }
    // Entries were checked above; only well-formed ones, normalised to
    // `Keyword value`, are ever rendered.
    let extra: Vec<String> = d
        .and_then(|s| s.extra.as_ref())
        .into_iter()
        .chain(h.and_then(|s| s.extra.as_ref()))
        .flatten()
        .filter_map(|e| extra::parse(e).ok())
        .collect();
    SshdSettings {
        legacy_kex_clients: legacy,
        allow_tcp_forwarding: b(&|s| s.allow_tcp_forwarding, def.allow_tcp_forwarding),
        allow_agent_forwarding: b(&|s| s.allow_agent_forwarding, def.allow_agent_forwarding),
        x11_forwarding: b(&|s| s.x11_forwarding, def.x11_forwarding),
        login_grace_time,
        max_auth_tries,
        max_startups,
        client_alive_interval,
        extra,
    }
}
