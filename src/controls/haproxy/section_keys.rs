//! The keys of one gatekeeper service, each parsed and validated at its
//! own key path: listeners, sources and backends (resolved against the
//! inventory's hosts), the TLS mode with its reencrypt files, sni names
//! and the health check. [`service`](super::service) lays them together.

use crate::contract::section::SectionCx;
use crate::inventory::{Cidr, KeyPath};

use super::super::model::{Backend, Health, Listen, Mode, Reencrypt};
use super::service::{missing, overlap, too_many};
use super::values::{self, shown};
use super::{RawHealth, RawService, MAX_BACKENDS, MAX_LISTEN, MAX_SNI, MAX_SOURCES};

pub(super) fn listen(cx: &mut SectionCx<'_>, at: &KeyPath, s: &RawService) -> Option<Vec<Listen>> {
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
pub(super) fn sources(
    cx: &mut SectionCx<'_>,
    at: &KeyPath,
    s: &RawService,
) -> Option<Option<Vec<Cidr>>> {
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
    let known = crate::inventory::hosts::name_list(cx.host_names());
    cx.error(
        at,
        "inv-gk-unknown-host",
        format!("`{}` is neither {what}", shown(name)),
        format!("use one of: {known}"),
    );
}

pub(super) fn mode(cx: &mut SectionCx<'_>, at: &KeyPath, s: &RawService) -> Option<Mode> {
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

pub(super) fn sni(cx: &mut SectionCx<'_>, at: &KeyPath, s: &RawService) -> Option<Vec<String>> {
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

pub(super) fn backends(
    cx: &mut SectionCx<'_>,
    at: &KeyPath,
    s: &RawService,
) -> Option<Vec<Backend>> {
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

pub(super) fn health(
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
