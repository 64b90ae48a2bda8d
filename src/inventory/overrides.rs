//! Per-host settings that override single keys of `[defaults]`: the
//! `sshd` and `firewall` tables, merged key by key and range-checked.

use super::hosts::Ctx;
use super::model::{FirewallSettings, LegacyClient, SshdSettings};
use super::schema::{RawFirewall, RawSshd};
use super::source::KeyPath;

/// `[defaults.sshd]` with the host's `sshd` keys laid over it.
pub(super) fn merge_sshd(
    cx: &mut Ctx<'_>,
    dpath: &KeyPath,
    d: Option<&RawSshd>,
    hpath: &KeyPath,
    h: Option<&RawSshd>,
) -> SshdSettings {
    let def = SshdSettings::default();
    let pick = |f: &dyn Fn(&RawSshd) -> Option<u32>| -> (Option<u32>, KeyPath) {
        if let Some(v) = h.and_then(f) {
            (Some(v), hpath.clone())
        } else {
            (d.and_then(f), dpath.clone())
        }
    };
    let mut ranged =
        |name: &str, f: &dyn Fn(&RawSshd) -> Option<u32>, lo: u32, hi: u32, dflt: u32| -> u32 {
            match pick(f) {
                (Some(v), p) if v < lo || v > hi => {
                    cx.err(
                        &p.key(name),
                        "inv-bad-value",
                        format!("{name} = {v} is outside the safe range"),
                        format!("valid: {lo}-{hi}"),
                    );
                    dflt
                }
                (Some(v), _) => v,
                (None, _) => dflt,
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
    let b = |f: &dyn Fn(&RawSshd) -> Option<bool>, dflt: bool| {
        h.and_then(f).or_else(|| d.and_then(f)).unwrap_or(dflt)
    };
    let legacy = h
        .and_then(|s| s.legacy_kex_clients.clone())
        .or_else(|| d.and_then(|s| s.legacy_kex_clients.clone()))
        .unwrap_or_default()
        .into_iter()
        .map(|c| LegacyClient {
            name: c.name,
            reason: c.reason,
        })
        .collect();
    let max_startups = h
        .and_then(|s| s.max_startups.clone())
        .or_else(|| d.and_then(|s| s.max_startups.clone()))
        .unwrap_or(def.max_startups);
    if !max_startups.split(':').all(|p| p.parse::<u32>().is_ok())
        || max_startups.split(':').count() > 3
    {
        let p = if h.and_then(|s| s.max_startups.as_ref()).is_some() {
            hpath
        } else {
            dpath
        };
        cx.err(
            &p.key("max_startups"),
            "inv-bad-value",
            format!("max_startups `{max_startups}` is not `N` or `start:rate:full`"),
            "e.g. \"10:30:60\"",
        );
    }
    // Entries were checked by fields.rs; only well-formed ones, normalised
    // to `Keyword value`, are ever rendered.
    let extra: Vec<String> = d
        .and_then(|s| s.extra.as_ref())
        .into_iter()
        .chain(h.and_then(|s| s.extra.as_ref()))
        .flatten()
        .filter_map(|e| super::sshd_extra::parse(e).ok())
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

/// `[defaults.firewall]` with the host's `firewall` keys laid over it.
pub(super) fn merge_firewall(
    cx: &mut Ctx<'_>,
    hpath: &KeyPath,
    d: Option<&RawFirewall>,
    h: Option<&RawFirewall>,
) -> FirewallSettings {
    let def = FirewallSettings::default();
    let icmp_rate = h
        .and_then(|f| f.icmp_rate)
        .or_else(|| d.and_then(|f| f.icmp_rate))
        .unwrap_or(def.icmp_rate);
    if !(1..=1000).contains(&icmp_rate) {
        cx.err(
            &hpath.key("icmp_rate"),
            "inv-bad-value",
            format!("icmp_rate = {icmp_rate} is outside 1-1000"),
            "valid: 1-1000 packets per second",
        );
    }
    let log_prefix = h
        .and_then(|f| f.log_prefix.clone())
        .or_else(|| d.and_then(|f| f.log_prefix.clone()))
        .unwrap_or(def.log_prefix);
    if log_prefix.len() > 60 || log_prefix.contains(['"', '\\', '\n']) {
        cx.err(
            &hpath.key("log_prefix"),
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
