//! One host's `[[hosts.gatekeeper.services]]`: each service validated key
//! by key and laid over the host's and the defaults' service settings;
//! then the rules across the host's services (unique names, shared
//! ports). Problems are reported at the key they were written at.

use std::collections::BTreeSet;

use crate::contract::section::{SectionCx, Side};
use crate::inventory::{Cidr, KeyPath};

use super::super::model::{
    Backend, Balance, Health, Listen, Mode, Reencrypt, Service, Timeouts, DEFAULT_SERVICE_MAXCONN,
};
use super::values::{self, shown};
use super::{
    RawDefaults, RawHealth, RawHost, RawService, RawTimeouts, MAX_BACKENDS, MAX_LISTEN,
    MAX_MAXCONN, MAX_RATE_LIMIT, MAX_SERVICES, MAX_SNI, MAX_SOURCES, TIMEOUT_MS,
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
fn overlap(a: &Listen, b: &Listen) -> bool {
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
    let listen = listen(cx, at, s);
    let sources = sources(cx, at, s);
    let mode = mode(cx, at, s);
    let sni = sni(cx, at, s);
    let backends = backends(cx, at, s);
    let health = health(cx, at, s, mode.as_ref());
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

fn missing(cx: &mut SectionCx<'_>, at: &KeyPath, key: &str, example: &str) {
    cx.error(
        at,
        "inv-missing-key",
        format!("the service has no `{key}`"),
        format!("add {example}"),
    );
}

fn too_many(cx: &mut SectionCx<'_>, at: &KeyPath, key: &str, n: usize, max: usize) -> bool {
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

fn listen(cx: &mut SectionCx<'_>, at: &KeyPath, s: &RawService) -> Option<Vec<Listen>> {
    let Some(list) = &s.listen else {
        missing(cx, at, "listen", "listen = [443]");
        return None;
    };
    let lp = at.key("listen");
    if list.is_empty() {
        cx.error(
            &lp,
            "inv-gk-listen",
            "listen is empty",
            "add a port, e.g. listen = [443]",
        );
        return None;
    }
    if too_many(cx, &lp, "listen", list.len(), MAX_LISTEN) {
        return None;
    }
    let mut out: Vec<Listen> = Vec::new();
    let mut ok = true;
    for (k, v) in list.iter().enumerate() {
        match values::listen(v) {
            Ok(l) if out.iter().any(|m| overlap(&l, m)) => {
                cx.error(
                    &lp.index(k),
                    "inv-gk-duplicate",
                    format!("port {} is listed twice", l.port),
                    "list each listener once",
                );
                ok = false;
            }
            Ok(l) => out.push(l),
            Err(b) => {
                cx.error(&lp.index(k), "inv-gk-listen", b.msg, b.help);
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

/// `Some(None)`: anyone; `None`: broken (reported).
fn sources(cx: &mut SectionCx<'_>, at: &KeyPath, s: &RawService) -> Option<Option<Vec<Cidr>>> {
    let Some(list) = &s.sources else {
        return Some(None);
    };
    let sp = at.key("sources");
    if list.is_empty() {
        cx.error(
            &sp,
            "inv-gk-sources",
            "sources is empty: nobody could connect",
            "remove `sources` to admit anyone, or list prefixes or host names",
        );
        return None;
    }
    if too_many(cx, &sp, "sources", list.len(), MAX_SOURCES) {
        return None;
    }
    let mut out = Vec::new();
    let mut ok = true;
    for (k, e) in list.iter().enumerate() {
        if let Some((_, addrs)) = cx.host(e) {
            out.extend(addrs.iter().map(|a| Cidr::host(*a)));
        } else if values::looks_like_address(e) {
            match Cidr::parse(e) {
                Ok(c) => out.push(c),
                Err(msg) => {
                    let help =
                        "write an address (198.51.100.7) or a prefix (0.0.0.0/0, 2001:db8::/48)";
                    cx.error(&sp.index(k), "inv-gk-sources", msg, help);
                    ok = false;
                }
            }
        } else {
            unknown_host(
                cx,
                &sp.index(k),
                e,
                "a host of this inventory nor an address",
            );
            ok = false;
        }
    }
    out.sort();
    out.dedup();
    ok.then_some(Some(out))
}

fn unknown_host(cx: &mut SectionCx<'_>, at: &KeyPath, name: &str, what: &str) {
    let mut known = cx.host_names();
    let more = known.len().saturating_sub(20);
    known.truncate(20);
    let more = if more > 0 {
        format!(" … and {more} more")
    } else {
        String::new()
    };
    cx.error(
        at,
        "inv-gk-unknown-host",
        format!("`{}` is neither {what}", shown(name)),
        format!("use one of: {}{more}", known.join(", ")),
    );
}

fn mode(cx: &mut SectionCx<'_>, at: &KeyPath, s: &RawService) -> Option<Mode> {
    let re = [&s.cert, &s.key, &s.backend_ca, &s.backend_name];
    let keys = ["cert", "key", "backend_ca", "backend_name"];
    match s.mode.as_deref().unwrap_or("passthrough") {
        "passthrough" => {
            for (v, k) in re.iter().zip(keys) {
                if v.is_some() {
                    cx.error(
                        &at.key(k),
                        "inv-gk-reencrypt",
                        format!("`{k}` is set but the service is passthrough"),
                        "remove it, or set mode = \"reencrypt\" (then cert, key, backend_ca and backend_name are all required)",
                    );
                }
            }
            Some(Mode::Passthrough)
        }
        "reencrypt" => reencrypt(cx, at, s),
        m @ ("tcp" | "http" | "plain" | "plaintext" | "none" | "clear") => {
            cx.policy_error(
                &at.key("mode"),
                "pol-gk-plaintext",
                crate::tom::TRANSPORT_ENCRYPTION,
                format!("mode `{m}` would forward plaintext"),
                "use mode = \"passthrough\" (TLS end to end) or \"reencrypt\" (TLS on both legs)",
            );
            None
        }
        m => {
            cx.error(
                &at.key("mode"),
                "inv-gk-mode",
                format!("unknown mode `{}`", shown(m)),
                "use \"passthrough\" or \"reencrypt\"",
            );
            None
        }
    }
}

fn reencrypt(cx: &mut SectionCx<'_>, at: &KeyPath, s: &RawService) -> Option<Mode> {
    let all = [
        ("cert", &s.cert),
        ("key", &s.key),
        ("backend_ca", &s.backend_ca),
        ("backend_name", &s.backend_name),
    ];
    let missing: Vec<&str> = all
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| *k)
        .collect();
    if !missing.is_empty() {
        cx.error(
            at,
            "inv-gk-reencrypt",
            format!("a reencrypt service needs `{}`", missing.join("`, `")),
            "set cert, key, backend_ca (absolute paths on the gatekeeper) and backend_name",
        );
    }
    let mut get = |key: &str, v: &Option<String>, dns: bool| -> Option<String> {
        let v = v.as_ref()?;
        let (r, code) = if dns {
            (values::dns_name(v), "inv-gk-dns-name")
        } else {
            (values::path(v), "inv-gk-path")
        };
        match r {
            Ok(()) => Some(v.clone()),
            Err(b) => {
                cx.error(&at.key(key), code, b.msg, b.help);
                None
            }
        }
    };
    let cert = get("cert", &s.cert, false);
    let key = get("key", &s.key, false);
    let backend_ca = get("backend_ca", &s.backend_ca, false);
    let backend_name = get("backend_name", &s.backend_name, true);
    let (cert, key) = (cert?, key?);
    if key != cert && key != format!("{cert}.key") {
        cx.error(
            &at.key("key"),
            "inv-gk-path",
            format!("key `{key}` is neither `{cert}.key` nor the cert file"),
            format!("HAProxy loads the key from `{cert}.key` (or from the cert file when it holds both): move the key there"),
        );
        return None;
    }
    Some(Mode::Reencrypt(Reencrypt {
        cert,
        key,
        backend_ca: backend_ca?,
        backend_name: backend_name?,
    }))
}

fn sni(cx: &mut SectionCx<'_>, at: &KeyPath, s: &RawService) -> Option<Vec<String>> {
    let list = s.sni.clone().unwrap_or_default();
    let sp = at.key("sni");
    if too_many(cx, &sp, "sni", list.len(), MAX_SNI) {
        return None;
    }
    let mut ok = true;
    for (k, n) in list.iter().enumerate() {
        if let Err(b) = values::dns_name(n) {
            cx.error(&sp.index(k), "inv-gk-dns-name", b.msg, b.help);
            ok = false;
        } else if list[..k].contains(n) {
            cx.error(
                &sp.index(k),
                "inv-gk-duplicate",
                format!("`{n}` is listed twice"),
                "list each name once",
            );
            ok = false;
        }
    }
    ok.then_some(list)
}

fn backends(cx: &mut SectionCx<'_>, at: &KeyPath, s: &RawService) -> Option<Vec<Backend>> {
    let Some(list) = &s.backends else {
        missing(cx, at, "backends", "backends = [\"otc-app-1:8443\"]");
        return None;
    };
    let bp = at.key("backends");
    if list.is_empty() {
        cx.error(
            &bp,
            "inv-gk-backend",
            "backends is empty",
            "add \"<inventory host>:<port>\" entries, e.g. backends = [\"otc-app-1:8443\"]",
        );
        return None;
    }
    if too_many(cx, &bp, "backends", list.len(), MAX_BACKENDS) {
        return None;
    }
    let mut out: Vec<Backend> = Vec::new();
    let mut ok = true;
    for (k, e) in list.iter().enumerate() {
        let (host, port) = match values::backend(e) {
            Ok(v) => v,
            Err(b) => {
                cx.error(&bp.index(k), "inv-gk-backend", b.msg, b.help);
                ok = false;
                continue;
            }
        };
        let Some(addr) = cx.host(host).and_then(|(_, a)| a.first().copied()) else {
            unknown_host(cx, &bp.index(k), host, "a host of this inventory");
            ok = false;
            continue;
        };
        if out.iter().any(|b| b.host == host && b.port == port) {
            cx.error(
                &bp.index(k),
                "inv-gk-duplicate",
                format!("backend `{}` is listed twice", shown(e)),
                "list each backend once",
            );
            ok = false;
            continue;
        }
        out.push(Backend {
            host: host.to_string(),
            addr,
            port,
        });
    }
    ok.then_some(out)
}

fn health(
    cx: &mut SectionCx<'_>,
    at: &KeyPath,
    s: &RawService,
    mode: Option<&Mode>,
) -> Option<Health> {
    let passthrough = matches!(mode, Some(Mode::Passthrough));
    match (s.health.unwrap_or(RawHealth::Tls), &s.health_path) {
        (RawHealth::Tls, None) => Some(Health::Tls),
        (RawHealth::Tls, Some(_)) => {
            cx.error(
                &at.key("health_path"),
                "inv-gk-health",
                "health_path is set but health is not \"http\"",
                "set health = \"http\" (reencrypt only), or remove health_path",
            );
            None
        }
        (RawHealth::Http, _) if passthrough => {
            cx.error(
                &at.key("health"),
                "inv-gk-health",
                "an HTTP health check needs mode = \"reencrypt\"",
                "use health = \"tls\" in passthrough: the gatekeeper does not see HTTP there",
            );
            None
        }
        (RawHealth::Http, p) => {
            let p = p.clone().unwrap_or_else(|| "/".to_string());
            match values::health_path(&p) {
                Ok(()) => Some(Health::Http { path: p }),
                Err(b) => {
                    cx.error(&at.key("health_path"), "inv-gk-health", b.msg, b.help);
                    None
                }
            }
        }
    }
}
