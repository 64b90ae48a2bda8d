//! One host's `[[hosts.gatekeeper.services]]`: each service validated key
//! by key and laid over the host's and the defaults' service settings;
//! then the rules across the host's services (unique names, shared
//! ports). Problems are reported at the key they were written at.

use std::collections::BTreeSet;

use crate::contract::section::{SectionCx, Side};
use crate::inventory::KeyPath;

use super::super::model::{Balance, Listen, Mode, Service, Timeouts, DEFAULT_SERVICE_MAXCONN};
use super::values;
use super::{
    keys, RawDefaults, RawHost, RawService, RawTimeouts, MAX_MAXCONN, MAX_RATE_LIMIT, MAX_SERVICES,
    TIMEOUT_MS,
};

/// The service defaults of one table, validated.
#[derive(Default, Clone, Copy)]
struct Layer {
    balance: Option<Balance>,
    timeouts: [Option<u32>; 5],
    rate_limit: Option<u32>,
}

/// The service defaults below a service: the host's table over the
/// defaults', and the process-wide limit a service's `maxconn` defaults to.
pub(super) struct Layers {
    below: [Layer; 2],
    maxconn: u32,
}

const TIMEOUT_KEYS: [&str; 5] = ["connect", "client", "server", "handshake", "check"];

fn timeouts_of(t: &RawTimeouts) -> [&Option<String>; 5] {
    [&t.connect, &t.client, &t.server, &t.handshake, &t.check]
}

/// Validates one table's `timeouts` and `rate_limit` at `at` (the table).
fn layer(
    cx: &mut SectionCx<'_>,
    at: &KeyPath,
    balance: Option<super::RawBalance>,
    t: Option<&RawTimeouts>,
    rate: Option<u32>,
) -> Layer {
    let mut out = Layer {
        balance: balance.map(Balance::from),
        ..Layer::default()
    };
    if let Some(t) = t {
        for (i, v) in timeouts_of(t).into_iter().enumerate() {
            let Some(v) = v else { continue };
            match values::duration_ms(v, TIMEOUT_MS.0, TIMEOUT_MS.1) {
                Ok(ms) => out.timeouts[i] = Some(ms as u32),
                Err(b) => {
                    let k = at.key("timeouts").key(TIMEOUT_KEYS[i]);
                    cx.error(&k, "inv-gk-duration", b.msg, b.help);
                }
            }
        }
    }
    if let Some(r) = rate {
        out.rate_limit = super::ranged_at(
            cx,
            &at.key("rate_limit"),
            "rate_limit",
            r,
            0,
            MAX_RATE_LIMIT,
        );
    }
    out
}

impl Layers {
    /// The defaults' and the host's service settings, validated.
    pub(super) fn new(
        cx: &mut SectionCx<'_>,
        d: Option<&RawDefaults>,
        h: &RawHost,
        maxconn: u32,
    ) -> Layers {
        let dl = d.map_or_else(Layer::default, |d| {
            let at = cx.path(Side::Defaults).clone();
            layer(cx, &at, d.balance, d.timeouts.as_ref(), d.rate_limit)
        });
        let at = cx.path(Side::Host).clone();
        let hl = layer(cx, &at, h.balance, h.timeouts.as_ref(), h.rate_limit);
        Layers {
            below: [hl, dl],
            maxconn,
        }
    }
}

/// Every service of the host's table `h`, then the rules across them.
pub(super) fn all(cx: &mut SectionCx<'_>, h: &RawHost, layers: &Layers) -> Vec<Service> {
    let list = h.services.as_deref().unwrap_or_default();
    let sp = cx.key(Side::Host, "services");
    if list.is_empty() {
        let at = cx.path(Side::Host).clone();
        cx.error(
            &at,
            "inv-gk-no-services",
            "the gatekeeper table has no services",
            "add [[hosts.gatekeeper.services]] with name, listen and backends, or remove the table",
        );
        return Vec::new();
    }
    if list.len() > MAX_SERVICES {
        cx.error(
            &sp,
            "inv-gk-limit",
            format!("{} services on one host", list.len()),
            format!("at most {MAX_SERVICES}: split them over more gatekeepers"),
        );
    }
    let mut out: Vec<(usize, Service)> = Vec::new();
    let mut names = BTreeSet::new();
    for (j, raw) in list.iter().enumerate().take(MAX_SERVICES) {
        let at = sp.index(j);
        let Some(s) = one(cx, &at, raw, layers) else {
            continue;
        };
        if !names.insert(s.name.clone()) {
            cx.error(
                &at.key("name"),
                "inv-gk-duplicate",
                format!("service name `{}` is used twice on this host", s.name),
                "give every service of a host its own name",
            );
            continue;
        }
        out.push((j, s));
    }
    shared_ports(cx, &sp, &out);
    out.into_iter().map(|(_, s)| s).collect()
}

/// Two listeners that would bind the same socket.
pub(super) fn overlap(a: &Listen, b: &Listen) -> bool {
    a.port == b.port && (a.addr.is_none() || b.addr.is_none() || a.addr == b.addr)
}

/// Services sharing a listener need distinct, non-empty `sni` lists, and
/// a reencrypt service shares no listener.
fn shared_ports(cx: &mut SectionCx<'_>, sp: &KeyPath, list: &[(usize, Service)]) {
    for (n, (j, b)) in list.iter().enumerate() {
        for (_, a) in &list[..n] {
            let Some(l) = b
                .listen
                .iter()
                .find(|l| a.listen.iter().any(|m| overlap(l, m)))
            else {
                continue;
            };
            let why =
                if matches!(a.mode, Mode::Reencrypt(_)) || matches!(b.mode, Mode::Reencrypt(_)) {
                    "a reencrypt service needs a port of its own"
                } else if a.sni.is_empty() || b.sni.is_empty() {
                    "services sharing a port must each list their `sni` names"
                } else if a.sni.iter().any(|s| b.sni.contains(s)) {
                    "their `sni` lists name the same server name"
                } else {
                    continue;
                };
            cx.error(
                &sp.index(*j).key("listen"),
                "inv-gk-shared-port",
                format!(
                    "service `{}` shares port {} with service `{}`: {why}",
                    b.name, l.port, a.name
                ),
                "give the service another port, or (passthrough) distinct sni names on both",
            );
        }
    }
}

/// One service, or `None` when a required part is missing or broken
/// (reported).
fn one(cx: &mut SectionCx<'_>, at: &KeyPath, s: &RawService, layers: &Layers) -> Option<Service> {
    let name = match &s.name {
        None => {
            missing(cx, at, "name", "name = \"portal\"");
            None
        }
        Some(n) => match values::name(n) {
            Ok(()) => Some(n.clone()),
            Err(b) => {
                cx.error(&at.key("name"), "inv-gk-name", b.msg, b.help);
                None
            }
        },
    };
    let listen = keys::listen(cx, at, s);
    let sources = keys::sources(cx, at, s);
    let mode = keys::mode(cx, at, s);
    let sni = keys::sni(cx, at, s);
    let backends = keys::backends(cx, at, s);
    let health = keys::health(cx, at, s, mode.as_ref());
    let [hl, dl] = layers.below;
    let sl = layer(cx, at, s.balance, s.timeouts.as_ref(), s.rate_limit);
    let pick = |f: &dyn Fn(&Layer) -> Option<u32>| f(&sl).or(f(&hl)).or(f(&dl));
    let dt = Timeouts::default();
    let timeouts = Timeouts {
        connect_ms: pick(&|l| l.timeouts[0]).unwrap_or(dt.connect_ms),
        client_ms: pick(&|l| l.timeouts[1]).unwrap_or(dt.client_ms),
        server_ms: pick(&|l| l.timeouts[2]).unwrap_or(dt.server_ms),
        handshake_ms: pick(&|l| l.timeouts[3]).unwrap_or(dt.handshake_ms),
        check_ms: pick(&|l| l.timeouts[4]).unwrap_or(dt.check_ms),
    };
    let rate_limit = pick(&|l| l.rate_limit).filter(|r| *r > 0);
    let balance = sl.balance.or(hl.balance).or(dl.balance);
    let maxconn = match s.maxconn {
        Some(m) => {
            let hi = layers.maxconn.min(MAX_MAXCONN);
            super::ranged_at(cx, &at.key("maxconn"), "maxconn", m, 1, hi)
        }
        None => Some(DEFAULT_SERVICE_MAXCONN.min(layers.maxconn)),
    };
    Some(Service {
        name: name?,
        listen: listen?,
        sources: sources?,
        sources_written: s.sources.clone().unwrap_or_default(),
        mode: mode?,
        sni: sni?,
        backends: backends?,
        health: health?,
        balance: balance.unwrap_or(Balance::RoundRobin),
        timeouts,
        maxconn: maxconn?,
        rate_limit,
        proxy_protocol: s.proxy_protocol.unwrap_or(false),
    })
}

pub(super) fn missing(cx: &mut SectionCx<'_>, at: &KeyPath, key: &str, example: &str) {
    cx.error(
        at,
        "inv-missing-key",
        format!("the service has no `{key}`"),
        format!("add {example}"),
    );
}

pub(super) fn too_many(
    cx: &mut SectionCx<'_>,
    at: &KeyPath,
    key: &str,
    n: usize,
    max: usize,
) -> bool {
    if n <= max {
        return false;
    }
    cx.error(
        at,
        "inv-gk-limit",
        format!("{key} has {n} entries"),
        format!("at most {max}"),
    );
    true
}
