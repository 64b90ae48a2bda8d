//! Renders `/etc/haproxy/haproxy.cfg` from [`GatekeeperSettings`].
//!
//! One frontend per distinct listener (`fe-<port>` or `fe-<addr>-<port>`)
//! carrying every service that listens there; one backend per service
//! (`be-<service>`), its servers named by inventory host. Passthrough
//! frontends are `mode tcp` and reject non-TLS and unknown names before
//! routing by `req.ssl_sni`; reencrypt frontends terminate with the
//! service certificates, strip identifying response headers (also from
//! HAProxy's own replies) and verify every backend against the declared
//! CA and name. A listener shared by both modes is refused.
//!
//! The file carries its own fingerprint: `global description
//! harden:<sha256>`, the hash of the file with that value empty. HAProxy
//! reports the description in `show info`, so drift and activation can
//! prove the running process loaded *this* file.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::crypto::{self, Tls};
use super::model::{GatekeeperSettings, Health, Listen, Mode, Service};
use crate::contract::RenderError;
use crate::controls::templates;

/// The rendered file.
pub const CONFIG: &str = "/etc/haproxy/haproxy.cfg";
/// The root-only runtime socket (`show info`, `show stat`).
pub const STATS_SOCKET: &str = "/run/haproxy/admin.sock";
/// The master CLI (`show proc`, `reload`), also root-only.
pub const MASTER_SOCKET: &str = "/run/haproxy-master.sock";
/// The template's name.
pub const TEMPLATE: &str = "haproxy/haproxy.cfg";
/// What precedes the fingerprint in the file.
pub const FINGERPRINT_PREFIX: &str = "    description harden:";

/// Response headers that name the backend's software or host; removed
/// from every reply in reencrypt (`X-Backend-*` by prefix as well).
pub const HIDDEN_HEADERS: &[&str] = &[
    "Server",
    "X-Powered-By",
    "Via",
    "X-AspNet-Version",
    "X-AspNetMvc-Version",
    "X-Generator",
    "X-Served-By",
    "X-Server",
    "X-Host",
];

#[derive(Serialize)]
struct Ctx<'a> {
    host: &'a str,
    rationale: &'a str,
    fingerprint: &'a str,
    stats_socket: &'a str,
    maxconn: u32,
    hard_stop_after_s: u32,
    ciphers: &'a str,
    ciphersuites: &'a str,
    groups: &'a str,
    defaults: Defaults,
    frontends: Vec<Frontend>,
    backends: Vec<BackendCtx>,
    hidden_headers: &'a [&'a str],
}

#[derive(Serialize)]
struct Defaults {
    connect_ms: u32,
    client_ms: u32,
    server_ms: u32,
    check_ms: u32,
}

#[derive(Serialize)]
struct Frontend {
    name: String,
    mode: &'static str,
    binds: Vec<String>,
    crts: Vec<String>,
    maxconn: u32,
    client_ms: u32,
    handshake_ms: u32,
    sources: Vec<String>,
    rate_limit: Option<u32>,
    names: Vec<String>,
    routes: Vec<Route>,
}

#[derive(Serialize)]
struct Route {
    backend: String,
    names: Vec<String>,
}

#[derive(Serialize)]
struct BackendCtx {
    name: String,
    mode: &'static str,
    balance: &'static str,
    connect_ms: u32,
    server_ms: u32,
    check_ms: u32,
    http_path: Option<String>,
    verify_name: String,
    server_opts: String,
    servers: Vec<ServerCtx>,
}

#[derive(Serialize)]
struct ServerCtx {
    name: String,
    addr: String,
}

/// The HAProxy backend section of a service.
pub fn backend_name(s: &Service) -> String {
    format!("be-{}", s.name)
}

fn listen_addr(l: &Listen) -> String {
    match l.addr {
        None => format!(":{}", l.port),
        Some(a) if a.is_ipv6() => format!("[{a}]:{}", l.port),
        Some(a) => format!("{a}:{}", l.port),
    }
}

fn frontend_name(l: &Listen) -> String {
    match l.addr {
        None => format!("fe-{}", l.port),
        Some(a) => format!("fe-{a}-{}", l.port),
    }
}

fn frontend(l: &Listen, svcs: &[&Service]) -> Result<Frontend, RenderError> {
    let passthrough = matches!(svcs[0].mode, Mode::Passthrough);
    if svcs
        .iter()
        .any(|s| matches!(s.mode, Mode::Passthrough) != passthrough)
    {
        return Err(RenderError(format!(
            "listener {} is shared by passthrough and reencrypt services; give each mode its own port",
            listen_addr(l)
        )));
    }
    if svcs.len() > 1 && svcs.iter().any(|s| s.sni.is_empty()) {
        return Err(RenderError(format!(
            "services {} share listener {} but not all name their `sni`",
            svcs.iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            listen_addr(l)
        )));
    }
    let mut crts: Vec<String> = Vec::new();
    for s in svcs {
        if let Mode::Reencrypt(r) = &s.mode {
            if !crts.contains(&r.cert) {
                crts.push(r.cert.clone());
            }
        }
    }
    // Anyone may connect when any service on the listener says so.
    let sources = if svcs.iter().any(|s| s.sources.is_none()) {
        Vec::new()
    } else {
        let mut v: Vec<String> = svcs
            .iter()
            .flat_map(|s| s.sources.iter().flatten())
            .map(|c| c.to_string())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let names: Vec<String> = svcs.iter().flat_map(|s| s.sni.iter().cloned()).collect();
    Ok(Frontend {
        name: frontend_name(l),
        mode: if passthrough { "tcp" } else { "http" },
        binds: vec![listen_addr(l)],
        crts,
        maxconn: svcs.iter().fold(0u32, |a, s| a.saturating_add(s.maxconn)),
        client_ms: svcs.iter().map(|s| s.timeouts.client_ms).max().unwrap_or(0),
        handshake_ms: svcs
            .iter()
            .map(|s| s.timeouts.handshake_ms)
            .max()
            .unwrap_or(0),
        sources,
        rate_limit: svcs.iter().filter_map(|s| s.rate_limit).min(),
        names,
        routes: svcs
            .iter()
            .map(|s| Route {
                backend: backend_name(s),
                names: s.sni.clone(),
            })
            .collect(),
    })
}

fn backend(s: &Service) -> BackendCtx {
    let check = format!("check inter {}ms", s.timeouts.check_ms);
    let proxy = if s.proxy_protocol {
        " send-proxy-v2"
    } else {
        ""
    };
    let (mode, verify_name, server_opts) = match &s.mode {
        Mode::Passthrough => {
            // The client verifies the backend itself; the check only
            // proves a TLS handshake completes.
            let sni = s
                .sni
                .first()
                .map(|n| format!(" check-sni {n}"))
                .unwrap_or_default();
            (
                "tcp",
                String::new(),
                format!("{check} check-ssl verify none{sni}{proxy}"),
            )
        }
        Mode::Reencrypt(r) => (
            "http",
            r.backend_name.clone(),
            format!(
                "ssl verify required ca-file {ca} sni str({n}) verifyhost {n} {check} check-sni {n}{proxy}",
                ca = r.backend_ca,
                n = r.backend_name
            ),
        ),
    };
    BackendCtx {
        name: backend_name(s),
        mode,
        balance: s.balance.as_str(),
        connect_ms: s.timeouts.connect_ms,
        server_ms: s.timeouts.server_ms,
        check_ms: s.timeouts.check_ms,
        http_path: match (&s.health, &s.mode) {
            (Health::Http { path }, Mode::Reencrypt(_)) => Some(path.clone()),
            _ => None,
        },
        verify_name,
        server_opts,
        servers: s
            .backends
            .iter()
            .map(|b| ServerCtx {
                name: b.host.clone(),
                addr: listen_addr(&Listen {
                    addr: Some(b.addr),
                    port: b.port,
                }),
            })
            .collect(),
    }
}

/// SHA-256 (hex) of `text` with its fingerprint value emptied: what the
/// file's `description harden:` must say.
pub fn fingerprint_of(text: &str) -> String {
    let blank = match text.find(FINGERPRINT_PREFIX) {
        Some(i) => {
            let start = i + FINGERPRINT_PREFIX.len();
            let end = text[start..].find('\n').map_or(text.len(), |j| start + j);
            format!("{}{}", &text[..start], &text[end..])
        }
        None => text.to_string(),
    };
    hex(&Sha256::digest(blank.as_bytes()))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The rendered config and its fingerprint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// The file's content.
    pub text: String,
    /// Its fingerprint (also inside it).
    pub fingerprint: String,
}

/// Every string the config interpolates, with what it is (for errors).
fn strings(s: &Service) -> Vec<(&'static str, &str)> {
    let mut v = vec![("service name", s.name.as_str())];
    v.extend(s.sni.iter().map(|n| ("sni", n.as_str())));
    v.extend(s.backends.iter().map(|b| ("backend host", b.host.as_str())));
    if let Health::Http { path } = &s.health {
        v.push(("health_path", path));
    }
    if let Mode::Reencrypt(r) = &s.mode {
        v.extend([
            ("cert", r.cert.as_str()),
            ("key", r.key.as_str()),
            ("backend_ca", r.backend_ca.as_str()),
            ("backend_name", r.backend_name.as_str()),
        ]);
    }
    v
}

/// Defence in depth: the loader validated every value, but a value that
/// could end a token (space, `#`, quote, brace, …) never reaches the file.
fn check_safe(s: &Service) -> Result<(), RenderError> {
    for (what, v) in strings(s) {
        let ok = !v.is_empty()
            && v.len() <= 255
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._~/:*@-".contains(c));
        if !ok {
            return Err(RenderError(format!(
                "service {:?}: {what} {v:?} is not config-safe (letters, digits and ._~/:*@- only)",
                s.name
            )));
        }
    }
    if matches!(s.health, Health::Http { .. }) && matches!(s.mode, Mode::Passthrough) {
        return Err(RenderError(format!(
            "service {}: an HTTP health check needs reencrypt (passthrough never sees HTTP)",
            s.name
        )));
    }
    Ok(())
}

/// Renders the config of `host` for the TLS settings `tls`.
pub fn render(host: &str, g: &GatekeeperSettings, tls: &Tls) -> Result<Rendered, RenderError> {
    for s in &g.services {
        check_safe(s)?;
    }
    let mut listens: Vec<&Listen> = g.services.iter().flat_map(|s| s.listen.iter()).collect();
    listens.sort();
    listens.dedup();
    let mut frontends = Vec::new();
    for l in listens {
        let svcs: Vec<&Service> = g.services.iter().filter(|s| s.listen.contains(l)).collect();
        frontends.push(frontend(l, &svcs)?);
    }
    let max = |f: fn(&Service) -> u32| g.services.iter().map(f).max().unwrap_or(5_000);
    let ctx = Ctx {
        host,
        rationale: &tls.rationale,
        fingerprint: "",
        stats_socket: STATS_SOCKET,
        maxconn: g.maxconn,
        hard_stop_after_s: g.hard_stop_after_s,
        ciphers: crypto::CIPHERS,
        ciphersuites: crypto::CIPHERSUITES,
        groups: &tls.groups,
        defaults: Defaults {
            connect_ms: max(|s| s.timeouts.connect_ms),
            client_ms: max(|s| s.timeouts.client_ms),
            server_ms: max(|s| s.timeouts.server_ms),
            check_ms: max(|s| s.timeouts.check_ms),
        },
        frontends,
        backends: g.services.iter().map(backend).collect(),
        hidden_headers: HIDDEN_HEADERS,
    };
    let blank = templates::render(TEMPLATE, &ctx)?;
    if blank.bytes().any(|c| c.is_ascii_control() && c != b'\n') {
        return Err(RenderError(format!(
            "{host}: the rendered haproxy.cfg holds a control character (an unvalidated setting?)"
        )));
    }
    let fingerprint = fingerprint_of(&blank);
    let text = blank.replacen(
        &format!("{FINGERPRINT_PREFIX}\n"),
        &format!("{FINGERPRINT_PREFIX}{fingerprint}\n"),
        1,
    );
    Ok(Rendered { text, fingerprint })
}

#[cfg(test)]
#[path = "render_testkit.rs"]
pub(crate) mod testkit;

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
