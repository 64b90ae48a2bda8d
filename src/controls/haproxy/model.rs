//! The gatekeeper's typed settings: what [`section`](super::section) loads
//! from `hosts[].gatekeeper` (merged with `[defaults.gatekeeper]`) and what
//! the renderer, the derived firewall rules and the outside checks read.
//!
//! Every string here was validated at load: names are `[a-z0-9-]`, host
//! names are DNS names, paths are absolute and shell- and config-safe.
//! Backends are resolved to the inventory host they name.

use std::net::IpAddr;

use crate::inventory::schema::Provider;
use crate::inventory::Cidr;

/// Effective gatekeeper settings of one host (`services` empty: the
/// control leaves the host alone).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GatekeeperSettings {
    /// The services the host forwards.
    pub services: Vec<Service>,
    /// Upper bound, in seconds, on how long old workers keep serving
    /// established connections after a reload (`hard-stop-after`).
    pub hard_stop_after_s: u32,
    /// Process-wide connection limit (`global maxconn`).
    pub maxconn: u32,
    /// Where the estate says gatekeepers and their backends run
    /// (`[defaults.gatekeeper]`; checked by the cross-host policy).
    pub placement: Placement,
}

/// Where gatekeepers and their backends must run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placement {
    /// Provider of every gatekeeper (default Hetzner).
    pub gatekeeper: Provider,
    /// Provider of every backend (default Telekom).
    pub backend: Provider,
}

impl Default for Placement {
    fn default() -> Self {
        Placement {
            gatekeeper: Provider::Hetzner,
            backend: Provider::Telekom,
        }
    }
}

/// One forwarded service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    /// `[a-z0-9-]{1,32}`, unique on the host; names the HAProxy sections.
    pub name: String,
    /// Public listeners (at least one).
    pub listen: Vec<Listen>,
    /// Who may connect to the listeners; `None`: anyone.
    pub sources: Option<Vec<Cidr>>,
    /// The `sources` entries as written (host names, addresses, prefixes),
    /// in order, for the separation rules; empty when `sources` is absent.
    pub sources_written: Vec<String>,
    /// How TLS is handled.
    pub mode: Mode,
    /// TLS server names routed to this service (passthrough: `req.ssl_sni`;
    /// reencrypt: the SNI and Host the certificate serves). Lower-case DNS
    /// names; empty in passthrough means "any name" and is only allowed
    /// when the service is alone on its listeners.
    pub sni: Vec<String>,
    /// The pool, in inventory order (at least one).
    pub backends: Vec<Backend>,
    /// How HAProxy checks a backend.
    pub health: Health,
    /// Balancing algorithm.
    pub balance: Balance,
    /// Timeouts.
    pub timeouts: Timeouts,
    /// Connection limit of the service's frontend.
    pub maxconn: u32,
    /// New connections per source address per 10 s; `None`: unlimited.
    pub rate_limit: Option<u32>,
    /// Send PROXY protocol v2 to the backends (they must `accept-proxy`).
    pub proxy_protocol: bool,
}

/// A listening address and port.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Listen {
    /// `None`: every address of the host (`:port`).
    pub addr: Option<IpAddr>,
    /// TCP port.
    pub port: u16,
}

/// How the gatekeeper handles TLS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// TCP mode: the gatekeeper never sees plaintext; the client sees the
    /// backend's certificate.
    Passthrough,
    /// Terminate with the gatekeeper's certificate, then TLS to the backend.
    Reencrypt(Reencrypt),
}

impl Mode {
    /// `passthrough` or `reencrypt`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Mode::Passthrough => "passthrough",
            Mode::Reencrypt(_) => "reencrypt",
        }
    }
}

/// What terminating TLS needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reencrypt {
    /// PEM certificate chain on the gatekeeper (absolute path).
    pub cert: String,
    /// Its private key on the gatekeeper: `<cert>.key` (HAProxy loads it
    /// from there) or the cert file itself when it holds both.
    pub key: String,
    /// CA bundle the backends' certificates are verified against.
    pub backend_ca: String,
    /// Name every backend certificate must carry (`verify required` +
    /// `sni` + `verifyhost`).
    pub backend_name: String,
}

/// One backend server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backend {
    /// Inventory host name.
    pub host: String,
    /// The address the gatekeeper connects to (the host's `address`).
    pub addr: IpAddr,
    /// TCP port on the backend.
    pub port: u16,
}

/// Health check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Health {
    /// A TLS handshake with the backend (verified like traffic).
    Tls,
    /// `GET <path>` over TLS, expecting a 2xx/3xx (reencrypt only).
    Http {
        /// Absolute URL path, `[A-Za-z0-9/._~-]`.
        path: String,
    },
}

/// Balancing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Balance {
    /// `roundrobin`.
    RoundRobin,
    /// `leastconn`.
    LeastConn,
    /// `source` (sticky by client address).
    Source,
}

impl Balance {
    /// HAProxy's keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Balance::RoundRobin => "roundrobin",
            Balance::LeastConn => "leastconn",
            Balance::Source => "source",
        }
    }
}

/// Timeouts in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// To establish a backend connection.
    pub connect_ms: u32,
    /// Client inactivity.
    pub client_ms: u32,
    /// Server inactivity.
    pub server_ms: u32,
    /// Reencrypt: the whole request header must arrive within this
    /// (slowloris guard); passthrough: the TLS ClientHello (inspect delay).
    pub handshake_ms: u32,
    /// Interval between health checks.
    pub check_ms: u32,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect_ms: 5_000,
            client_ms: 30_000,
            server_ms: 30_000,
            handshake_ms: 5_000,
            check_ms: 2_000,
        }
    }
}

/// Defaults of the gatekeeper's process-wide settings.
pub const DEFAULT_HARD_STOP_AFTER_S: u32 = 1800;
/// Default process-wide connection limit.
pub const DEFAULT_MAXCONN: u32 = 20_000;
/// Default per-service connection limit.
pub const DEFAULT_SERVICE_MAXCONN: u32 = 10_000;
