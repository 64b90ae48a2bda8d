//! What counts as naming a backend, for the outside checks in
//! [`hiding`](super): a backend's inventory name (or the name it
//! must carry in `reencrypt`), a name under the backends' domains, any
//! inventory address of a backend, a private or internal address, and an
//! internal-looking name (`.internal`, `.local`, `.lan`, `.corp`, …, or a
//! single label). Pure functions over already-cleaned strings.

use std::net::IpAddr;

use crate::contract::HostCtx;
use crate::controls::haproxy::model::{GatekeeperSettings, Mode};

/// Suffixes of names no public client should ever be shown.
pub const INTERNAL_SUFFIXES: &[&str] = &[
    ".internal",
    ".local",
    ".lan",
    ".corp",
    ".home",
    ".intranet",
    ".localdomain",
    ".home.arpa",
    ".private",
];

/// The backends of every service of one gatekeeper, and what the public
/// is allowed to see.
#[derive(Debug, Default)]
pub struct Hidden {
    /// Lower-case inventory names of backends, and reencrypt's
    /// `backend_name`s.
    pub names: Vec<String>,
    /// Parent domains of those names (at least two labels).
    pub domains: Vec<String>,
    /// Every inventory address of a backend, with the backend's name.
    pub addrs: Vec<(IpAddr, String)>,
    /// The gatekeeper's own and listen addresses (never a leak).
    pub own: Vec<IpAddr>,
}

impl Hidden {
    /// What the gatekeeper `ctx.host` must hide.
    pub fn of(ctx: &HostCtx<'_>) -> Hidden {
        let mut h = Hidden {
            own: ctx.host.addresses.clone(),
            ..Default::default()
        };
        h.own.push(ctx.host.address);
        let settings = ctx.host.settings::<GatekeeperSettings>();
        for s in &settings.services {
            h.own.extend(s.listen.iter().filter_map(|l| l.addr));
            if let Mode::Reencrypt(r) = &s.mode {
                h.add_name(&r.backend_name);
            }
            for b in &s.backends {
                h.add_name(&b.host);
                h.add_addr(b.addr, &b.host);
                if let Some(host) = ctx.inv.hosts.iter().find(|x| x.name == b.host) {
                    for a in &host.addresses {
                        h.add_addr(*a, &b.host);
                    }
                    h.add_addr(host.address, &b.host);
                }
            }
        }
        h
    }

    fn add_name(&mut self, name: &str) {
        let n = name.trim_end_matches('.').to_ascii_lowercase();
        if n.is_empty() {
            return;
        }
        if let Some((_, parent)) = n.split_once('.') {
            if parent.contains('.') && !self.domains.iter().any(|d| d == parent) {
                self.domains.push(parent.to_string());
            }
        }
        if !self.names.contains(&n) {
            self.names.push(n);
        }
    }

    fn add_addr(&mut self, a: IpAddr, host: &str) {
        if !self.addrs.iter().any(|(x, _)| *x == a) {
            self.addrs.push((a, host.to_string()));
        }
    }

    /// Why `name` (a DNS name or common name) names a backend or looks
    /// internal; `None` when it may be public. `public` are the names the
    /// client asked for (the service's SNI names): those are not leaks
    /// unless they are a backend's own name. `single_label` also flags a
    /// name of one label (a leaf certificate's names; not CA names).
    pub fn name_problem(
        &self,
        name: &str,
        public: &[String],
        single_label: bool,
    ) -> Option<String> {
        let n = name.trim_end_matches('.').to_ascii_lowercase();
        let bare = n.strip_prefix("*.").unwrap_or(&n);
        if let Ok(ip) = bare.trim_matches(['[', ']']).parse::<IpAddr>() {
            return self.addr_problem(ip);
        }
        if let Some(b) = self.names.iter().find(|b| *b == bare) {
            return Some(format!("names backend {b}"));
        }
        if public.contains(&n) {
            return None;
        }
        let first = bare.split('.').next().unwrap_or_default();
        if let Some(b) = self.names.iter().find(|b| *b == first) {
            return Some(format!("names backend {b}"));
        }
        if let Some(d) = self
            .domains
            .iter()
            .find(|d| bare == d.as_str() || bare.ends_with(&format!(".{d}")))
        {
            return Some(format!("a name under the backends' domain {d}"));
        }
        if let Some(sfx) = INTERNAL_SUFFIXES
            .iter()
            .find(|s| bare.ends_with(*s) || bare == &s[1..])
        {
            return Some(format!("an internal-looking name: {sfx}"));
        }
        if single_label && !bare.contains('.') && is_hostname(bare) {
            return Some("a single-label (internal-looking) name".into());
        }
        None
    }

    /// Why an address must not be shown: a backend's, or private/internal.
    /// The gatekeeper's own addresses are fine.
    pub fn addr_problem(&self, ip: IpAddr) -> Option<String> {
        let ip = canonical(ip);
        if let Some((_, host)) = self.addrs.iter().find(|(a, _)| canonical(*a) == ip) {
            return Some(format!("the address of backend {host}"));
        }
        if self.own.iter().any(|a| canonical(*a) == ip) {
            return None;
        }
        internal_addr(ip).then(|| "a private/internal address".to_string())
    }

    /// Problems in free text (a subject, a header value, a body start):
    /// tokens that are addresses, dotted names, or a backend's name.
    pub fn text_problems(&self, text: &str, public: &[String]) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut push = |tok: &str, why: String| {
            if !out.iter().any(|(t, _)| t == tok) {
                out.push((tok.to_string(), why));
            }
        };
        let tokens = text
            .split(|c: char| !(c.is_ascii_alphanumeric() || ".-:_[]*".contains(c)))
            .filter(|t| !t.is_empty())
            .take(2000);
        for raw in tokens {
            let tok = raw.trim_matches(|c| c == '.' || c == ':');
            if let Ok(ip) = tok.trim_matches(['[', ']']).parse::<IpAddr>() {
                if let Some(why) = self.addr_problem(ip) {
                    push(tok, why);
                }
                continue;
            }
            for part in tok.split(':').filter(|p| !p.is_empty()) {
                let part = part.trim_matches(['.', '[', ']']);
                let lower = part.to_ascii_lowercase();
                let why = if lower.contains('.') {
                    self.name_problem(&lower, public, false)
                } else if let Ok(ip) = part.parse::<IpAddr>() {
                    self.addr_problem(ip)
                } else {
                    self.names
                        .iter()
                        .find(|b| **b == lower)
                        .map(|b| format!("names backend {b}"))
                };
                if let Some(why) = why {
                    push(part, why);
                }
            }
        }
        out
    }
}

/// An IPv4-mapped IPv6 address as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// Private, shared (CGNAT), loopback, link-local, unique-local or
/// unspecified: an address that only means something inside a network.
pub fn internal_addr(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || (o[0] == 100 && (64..128).contains(&o[1]))
        }
        IpAddr::V6(v6) => {
            let s = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (s & 0xfe00) == 0xfc00
                || (s & 0xffc0) == 0xfe80
        }
    }
}

fn is_hostname(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}
