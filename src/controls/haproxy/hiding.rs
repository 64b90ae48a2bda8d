//! Hiding the backends, checked from outside (TOM-2.1-transport-encryption):
//! harden connects to every public listener of every service as a client
//! on the internet would (an outside TLS probe answered by the engine,
//! `backend/tls`) and reports anything it was shown that names a backend.
//!
//! Read: every certificate of the chain (subject and issuer, subject CN,
//! subjectAltName dNSName and iPAddress), the negotiated TLS version, and
//! in `reencrypt` the response to `GET /` (headers and the start of the
//! body, which is also where HAProxy's own error pages show). In
//! `passthrough` the certificate the client sees is the backend's own:
//! exactly what is checked here. Its application headers are not (the
//! gatekeeper cannot remove them; docs/gatekeeper.md).
//!
//! Every leak is drift with no fix (the certificate, the backend's names
//! or its headers have to change) and says what was read, from where,
//! what was expected and what was found; a connection that failed is a
//! failed check with the reason. [`scan`] says what counts as naming a
//! backend.

use std::net::{IpAddr, SocketAddr};

#[cfg(test)]
#[path = "hiding_real_tests.rs"]
mod real_tests;
#[path = "hiding_scan.rs"]
pub mod scan;
#[cfg(test)]
#[path = "hiding_testkit.rs"]
mod testkit;
#[cfg(test)]
#[path = "hiding_tests.rs"]
mod tests;

use super::model::{GatekeeperSettings, Mode, Service};
use super::ID;
use crate::backend::tls::{OLD_TLS, UNREADABLE};
use crate::contract::outside::{CertSummary, HttpGet, HttpSeen, TlsProbe, TlsSeen, TlsSession};
use crate::contract::{Facts, HostCtx, Probe};
use crate::report::model::{Finding, Fix};
use scan::Hidden;

/// The certificate chain names no backend.
pub const CHECK_CERT: &str = "hiding-cert";
/// The HTTP response names no backend (reencrypt).
pub const CHECK_HTTP: &str = "hiding-http";
/// TLS 1.2 or later.
pub const CHECK_VERSION: &str = "hiding-tls-version";
/// The service answered TLS from outside.
pub const CHECK_REACH: &str = "hiding-reach";

/// Response headers that name the software or server behind the
/// gatekeeper whatever their value (`x-backend-*` and `x-upstream-*` too).
const REVEALING: &[&str] = &[
    "server",
    "x-powered-by",
    "via",
    "x-served-by",
    "x-server",
    "x-aspnet-version",
    "x-aspnetmvc-version",
    "x-generator",
];

fn tom() -> &'static str {
    crate::tom::TRANSPORT_ENCRYPTION.id
}

/// One listener of one service, as the outside client reaches it.
struct Target<'a> {
    service: &'a Service,
    at: SocketAddr,
    sni: Option<&'a String>,
    /// The controller may connect: the service is open to anyone, or one
    /// of its `sources` overlaps the host's `controller_sources`.
    reachable: bool,
}

impl Target<'_> {
    fn id(&self) -> String {
        format!("{ID}-hiding:{}:{}", self.service.name, self.at)
    }

    fn item(&self) -> String {
        format!("{} {}", self.service.name, self.at)
    }

    fn from(&self) -> String {
        let sni = self.sni.map(String::as_str).unwrap_or("none");
        format!("TLS handshake to {}, SNI {sni}", self.at)
    }
}

fn targets<'a>(ctx: &HostCtx<'a>) -> Vec<Target<'a>> {
    let mut out: Vec<Target<'a>> = Vec::new();
    for s in &ctx.host.settings::<GatekeeperSettings>().services {
        let reachable = match &s.sources {
            None => true,
            Some(src) => src.iter().any(|a| {
                ctx.host
                    .controller_sources
                    .iter()
                    .any(|c| a.contains(c.network()) || c.contains(a.network()))
            }),
        };
        for l in &s.listen {
            let at = SocketAddr::new(l.addr.unwrap_or(ctx.host.address), l.port);
            if !out.iter().any(|t| t.service.name == s.name && t.at == at) {
                out.push(Target {
                    service: s,
                    at,
                    sni: s.sni.first(),
                    reachable,
                });
            }
        }
    }
    out
}

/// One outside TLS probe per service and listener: to the listen address
/// (or the host's `address`), with the service's first SNI name (or
/// none), and in `reencrypt` a `GET /` with that name (or the address) as
/// `Host`. A service whose `sources` leave out the controller is not
/// probed (its firewall would refuse the connection).
pub fn probes(ctx: &HostCtx<'_>) -> Vec<Probe> {
    targets(ctx)
        .into_iter()
        .filter(|t| t.reachable)
        .map(|t| {
            let http = matches!(t.service.mode, Mode::Reencrypt(_)).then(|| HttpGet {
                host: match t.sni {
                    Some(n) => n.clone(),
                    None => host_of(t.at.ip()),
                },
                path: "/".into(),
            });
            Probe::Tls(TlsProbe {
                id: t.id(),
                addr: t.at.ip(),
                port: t.at.port(),
                sni: t.sni.cloned(),
                http,
            })
        })
        .collect()
}

fn host_of(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

/// What the outside probes saw, as findings (none offline: facts assumed).
pub fn findings(ctx: &HostCtx<'_>, facts: &Facts) -> Vec<Finding> {
    if facts.assumed {
        return Vec::new();
    }
    let hidden = Hidden::of(ctx);
    let mut out = Vec::new();
    for t in targets(ctx) {
        if !t.reachable {
            out.push(Finding::new(ID, CHECK_REACH, t.item(), tom()).info(format!(
                "not checked from outside: the service's sources do not include the controller_sources, so {} would refuse harden",
                t.at
            )));
            continue;
        }
        match facts.tls(&t.id()) {
            None => out.push(
                Finding::new(ID, CHECK_REACH, t.item(), tom())
                    .failed(format!("{}: not probed", t.from())),
            ),
            Some(TlsSeen::Failed(why)) if why.starts_with(OLD_TLS) => out.push(
                Finding::new(ID, CHECK_VERSION, t.item(), tom())
                    .drift("TLSv1.2 or later", "below TLSv1.2", Fix::None)
                    .with_message(format!("{}: {why}", t.from())),
            ),
            Some(TlsSeen::Failed(why)) => out.push(
                Finding::new(ID, CHECK_REACH, t.item(), tom())
                    .failed(format!("{}: {why}", t.from())),
            ),
            Some(TlsSeen::Connected(s)) => session(&t, &hidden, s, &mut out),
        }
    }
    out
}

fn session(t: &Target<'_>, hidden: &Hidden, s: &TlsSession, out: &mut Vec<Finding>) {
    let version = Finding::new(ID, CHECK_VERSION, t.item(), tom());
    out.push(if matches!(s.version.as_str(), "TLSv1.2" | "TLSv1.3") {
        version.ok(s.version.clone())
    } else {
        version
            .drift("TLSv1.2 or later", s.version.clone(), Fix::None)
            .with_message(format!("{}: negotiated {}", t.from(), s.version))
    });
    let public: Vec<String> = t.service.sni.clone();
    let cert = Finding::new(ID, CHECK_CERT, t.item(), tom());
    if let Some(bad) = s.chain.iter().find(|c| c.subject.starts_with(UNREADABLE)) {
        out.push(cert.failed(format!("{}: {}", t.from(), bad.subject)));
    } else if s.chain.is_empty() {
        out.push(cert.failed(format!("{}: no certificate was sent", t.from())));
    } else {
        let leaks = chain_leaks(hidden, &s.chain, &public);
        out.push(report(
            cert,
            "no backend name or internal address in the certificate chain",
            &leaks,
            &t.from(),
            passthrough_note(t.service),
        ));
    }
    if matches!(t.service.mode, Mode::Reencrypt(_)) {
        let f = Finding::new(ID, CHECK_HTTP, t.item(), tom());
        out.push(match &s.http {
            None => f.failed(format!("{}: GET / got no HTTP response", t.from())),
            Some(h) => report(
                f,
                "no backend name, address or software in the response",
                &http_leaks(hidden, h, &public),
                &format!("response to GET / after the {}", t.from()),
                "",
            ),
        });
    }
}

fn passthrough_note(s: &Service) -> &'static str {
    match s.mode {
        Mode::Passthrough => " In passthrough the client is shown the backend's own certificate: give the backends a certificate from a private CA carrying only the public name (a publicly issued one also puts its names into Certificate Transparency logs).",
        Mode::Reencrypt(_) => " This is the gatekeeper's own certificate: issue it for the public name only.",
    }
}

/// `(where it was read, the value, why it is a leak)`.
type Leak = (String, String, String);

fn report(f: Finding, expected: &str, leaks: &[Leak], from: &str, note: &str) -> Finding {
    if leaks.is_empty() {
        return f.ok(expected);
    }
    let found: Vec<String> = leaks
        .iter()
        .map(|(w, v, why)| format!("{w} {v} ({why})"))
        .collect();
    let message = format!("read in the {from}: {}.{note}", found.join("; "));
    f.drift(expected, found.join("; "), Fix::None)
        .with_message(message)
}

fn chain_leaks(hidden: &Hidden, chain: &[CertSummary], public: &[String]) -> Vec<Leak> {
    let mut out: Vec<Leak> = Vec::new();
    let add = |out: &mut Vec<Leak>, at: String, v: &str, why: Option<String>| {
        if let Some(why) = why {
            if !out.iter().any(|(_, x, _)| x == v) {
                out.push((at, v.to_string(), why));
            }
        }
    };
    for (i, c) in chain.iter().enumerate() {
        let leaf = i == 0;
        let cert = if leaf {
            "leaf certificate".to_string()
        } else {
            format!("chain certificate {}", i + 1)
        };
        for n in &c.dns_names {
            add(
                &mut out,
                format!("{cert} subjectAltName dNSName"),
                n,
                hidden.name_problem(n, public, leaf),
            );
        }
        for ip in &c.ip_addrs {
            add(
                &mut out,
                format!("{cert} subjectAltName iPAddress"),
                &ip.to_string(),
                hidden.addr_problem(*ip),
            );
        }
        for cn in &c.common_names {
            let why = if cn
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ".-*".contains(ch))
            {
                hidden.name_problem(cn, public, leaf)
            } else {
                None
            };
            add(&mut out, format!("{cert} subject CN"), cn, why);
        }
        for (field, text) in [("subject", &c.subject), ("issuer", &c.issuer)] {
            for (tok, why) in hidden.text_problems(text, public) {
                add(
                    &mut out,
                    format!("{cert} {field} ({text})"),
                    &tok,
                    Some(why),
                );
            }
        }
    }
    out
}

fn http_leaks(hidden: &Hidden, h: &HttpSeen, public: &[String]) -> Vec<Leak> {
    let mut out: Vec<Leak> = Vec::new();
    for (name, value) in &h.headers {
        if REVEALING.contains(&name.as_str())
            || name.starts_with("x-backend")
            || name.starts_with("x-upstream")
        {
            out.push((
                format!("response header {name}"),
                value.clone(),
                "names what serves behind the gatekeeper".into(),
            ));
            continue;
        }
        for (tok, why) in hidden.text_problems(value, public) {
            out.push((format!("response header {name}"), tok, why));
        }
    }
    for (tok, why) in hidden.text_problems(&h.body_start, public) {
        out.push((format!("response body (status {})", h.status), tok, why));
    }
    out
}
