//! Probes made from where harden runs, not on the host: a TLS connection
//! to a public service as a client on the internet would make it, and
//! what that client saw (certificates, and in HTTP mode the response
//! headers and the start of the body).
//!
//! A control asks with [`Probe::Tls`](crate::contract::Probe::Tls) and
//! reads [`Facts::tls`](crate::contract::Facts::tls). The engine answers
//! these probes itself (`backend/tls/`), with bounded time and size;
//! nothing seen is trusted: every string was checked for control
//! characters and length before it is stored here.

use std::net::IpAddr;

/// Connect to `addr:port` from the controller and record what is seen.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TlsProbe {
    /// Key under which the result is stored.
    pub id: String,
    /// Public address of the service.
    pub addr: IpAddr,
    /// Its port.
    pub port: u16,
    /// Server name sent in the ClientHello (`None`: no SNI).
    pub sni: Option<String>,
    /// Also send one HTTP/1.1 request over the connection.
    pub http: Option<HttpGet>,
}

/// One `GET` sent after the handshake.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct HttpGet {
    /// The `Host` header.
    pub host: String,
    /// The request path (absolute, already validated).
    pub path: String,
}

/// What the outside client saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TlsSeen {
    /// No TLS session: refused, timed out, handshake failed (the reason,
    /// sanitised).
    Failed(String),
    /// A session was established.
    Connected(TlsSession),
}

/// An established session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsSession {
    /// `TLSv1.3`, `TLSv1.2`.
    pub version: String,
    /// The negotiated cipher suite, IANA name.
    pub cipher: String,
    /// The certificates the server sent, leaf first.
    pub chain: Vec<CertSummary>,
    /// The HTTP answer, when one was asked for and came.
    pub http: Option<HttpSeen>,
}

/// The identifying parts of one certificate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CertSummary {
    /// The subject, as `CN=…, O=…` (printable attributes only).
    pub subject: String,
    /// The issuer, the same way.
    pub issuer: String,
    /// Subject common names.
    pub common_names: Vec<String>,
    /// subjectAltName DNS names.
    pub dns_names: Vec<String>,
    /// subjectAltName IP addresses.
    pub ip_addrs: Vec<IpAddr>,
}

/// The HTTP response head (and the start of its body).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpSeen {
    /// Status code.
    pub status: u16,
    /// Header names (lower-case) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The first bytes of the body (lossy UTF-8, control characters
    /// replaced), at most a few KiB.
    pub body_start: String,
}
