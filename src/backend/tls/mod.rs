//! Outside TLS probes: the engine connects from where harden runs to a
//! public service, as a client on the internet would, and records what it
//! is shown ([`TlsSeen`]): protocol version, cipher, the certificate chain
//! (subject, issuer, subjectAltName, read by [`der`]) and, when asked, the
//! head and body start of one HTTP/1.1 response ([`http`]).
//!
//! The connection uses rustls with the ring provider and a verifier that
//! accepts any chain and records it ([`verifier`]): we observe, we do not
//! trust. Everything is bounded: connect, handshake and HTTP each have a
//! time limit of a few seconds, the chain, each certificate, the response
//! head and the body start have size limits, every stored string is
//! cleaned ([`clean`]), and at most [`MAX_PROBES`] probes run per call,
//! [`MAX_PARALLEL`] at a time. Addresses are IPs from the inventory: no
//! name is resolved.

pub mod clean;
pub mod der;
pub mod http;
pub mod verifier;

#[cfg(test)]
mod client_tests;
#[cfg(test)]
mod der_tests;
#[cfg(test)]
mod http_tests;
#[cfg(test)]
pub(crate) mod testkit;

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use rustls::{AlertDescription, ClientConfig, ClientConnection, PeerIncompatible, ProtocolVersion};

use crate::contract::outside::{CertSummary, HttpGet, HttpSeen, TlsProbe, TlsSeen, TlsSession};

/// The start of the failure reason when the server speaks no TLS 1.2 or
/// 1.3 (a client that still offers them could be served TLS 1.0/1.1).
pub const OLD_TLS: &str = "the server offers no TLS 1.2 or later";

/// Most probes answered per call (the rest fail with a reason).
pub const MAX_PROBES: usize = 64;
/// Probes run at the same time.
pub const MAX_PARALLEL: usize = 16;

/// Time limits of one probe.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// TCP connect.
    pub connect: Duration,
    /// The TLS handshake, after connect.
    pub handshake: Duration,
    /// Sending the request and reading the response, after the handshake.
    pub http: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connect: Duration::from_secs(3),
            handshake: Duration::from_secs(5),
            http: Duration::from_secs(5),
        }
    }
}

impl Limits {
    /// The longest one probe can take.
    pub fn total(&self) -> Duration {
        self.connect + self.handshake + self.http
    }
}

/// Answers `probes` in parallel (bounded), each with the default limits;
/// results keyed by probe id, in probe order. Up to [`MAX_PARALLEL`]
/// probes take at most [`Limits::total`] plus a second.
pub async fn answer(probes: Vec<TlsProbe>) -> Vec<(String, TlsSeen)> {
    answer_with(probes, Limits::default()).await
}

/// [`answer`] with explicit limits.
pub async fn answer_with(probes: Vec<TlsProbe>, limits: Limits) -> Vec<(String, TlsSeen)> {
    let gate = Arc::new(tokio::sync::Semaphore::new(MAX_PARALLEL));
    let mut tasks = Vec::new();
    for (n, p) in probes.into_iter().enumerate() {
        let id = p.id.clone();
        if n >= MAX_PROBES {
            tasks.push((id, None));
            continue;
        }
        let gate = gate.clone();
        let task = tokio::spawn(async move {
            let _permit = gate.acquire_owned().await;
            tokio::task::spawn_blocking(move || probe(&p, &limits)).await
        });
        tasks.push((id, Some(task)));
    }
    let started_probes = tasks.iter().filter(|(_, t)| t.is_some()).count();
    let rounds = u32::try_from(started_probes.div_ceil(MAX_PARALLEL).max(1)).unwrap_or(u32::MAX);
    let overall = (limits.total() + Duration::from_secs(1)) * rounds;
    let started = Instant::now();
    let mut out = Vec::new();
    for (id, task) in tasks {
        let seen = match task {
            None => TlsSeen::Failed(format!("not probed: more than {MAX_PROBES} outside probes")),
            Some(t) => {
                let left = overall.saturating_sub(started.elapsed());
                match tokio::time::timeout(left, t).await {
                    Ok(Ok(Ok(seen))) => seen,
                    Ok(_) => TlsSeen::Failed("the probe crashed".into()),
                    Err(_) => TlsSeen::Failed(format!("no result within {}s", overall.as_secs())),
                }
            }
        };
        out.push((id, seen));
    }
    out
}

/// One probe, blocking (run it on a blocking thread).
pub fn probe(p: &TlsProbe, limits: &Limits) -> TlsSeen {
    match session(p, limits) {
        Ok(s) => TlsSeen::Connected(s),
        Err(e) => TlsSeen::Failed(clean::text(&e, clean::MAX_REASON)),
    }
}

fn session(p: &TlsProbe, limits: &Limits) -> Result<TlsSession, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let recorder = Arc::new(verifier::Recorder::new(provider.clone()));
    let config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| format!("TLS client: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_no_client_auth();
    let name = match &p.sni {
        Some(s) => ServerName::try_from(s.clone()).map_err(|_| format!("invalid SNI {s:?}"))?,
        None => ServerName::IpAddress(p.addr.into()),
    };
    let mut conn =
        ClientConnection::new(Arc::new(config), name).map_err(|e| format!("TLS client: {e}"))?;
    let target = SocketAddr::new(p.addr, p.port);
    let mut sock =
        TcpStream::connect_timeout(&target, limits.connect).map_err(|e| match e.kind() {
            ErrorKind::TimedOut | ErrorKind::WouldBlock => {
                format!("no TCP connection within {}s", limits.connect.as_secs())
            }
            _ => format!("TCP connect failed: {e}"),
        })?;
    let _ = sock.set_nodelay(true);
    let deadline = Instant::now() + limits.handshake;
    while conn.is_handshaking() {
        step(&mut conn, &mut sock, deadline, "the handshake")?;
    }
    let chain = recorder.chain().iter().map(|c| summary(c)).collect();
    let version = match conn.protocol_version() {
        Some(ProtocolVersion::TLSv1_3) => "TLSv1.3".to_string(),
        Some(ProtocolVersion::TLSv1_2) => "TLSv1.2".to_string(),
        other => clean::text(&format!("{other:?}"), 40),
    };
    let cipher = conn
        .negotiated_cipher_suite()
        .map(|s| iana(&format!("{:?}", s.suite())))
        .unwrap_or_default();
    let http = match &p.http {
        Some(get) => exchange(&mut conn, &mut sock, get, limits.http).ok(),
        None => None,
    };
    Ok(TlsSession {
        version,
        cipher: clean::text(&cipher, 80),
        chain,
        http,
    })
}

/// The start of the subject of a certificate that could not be read
/// (its summary is otherwise empty).
pub const UNREADABLE: &str = "(unreadable certificate: ";

/// The summary of one certificate; an unreadable one still shows up.
fn summary(der: &[u8]) -> CertSummary {
    der::summary(der).unwrap_or_else(|e| CertSummary {
        subject: clean::text(&format!("{UNREADABLE}{e})"), clean::MAX_NAME),
        ..Default::default()
    })
}

/// rustls names TLS 1.3 suites `TLS13_…`; IANA names them `TLS_…`.
fn iana(name: &str) -> String {
    match name.strip_prefix("TLS13_") {
        Some(rest) => format!("TLS_{rest}"),
        None => name.to_string(),
    }
}

/// One round of I/O before `deadline`: write what rustls wants written,
/// then read once if it wants to read. Returns the bytes read (0: EOF).
fn step(
    conn: &mut ClientConnection,
    sock: &mut TcpStream,
    deadline: Instant,
    during: &str,
) -> Result<usize, String> {
    let timeout = || format!("timed out during {during}");
    let left = deadline
        .checked_duration_since(Instant::now())
        .filter(|d| !d.is_zero())
        .ok_or_else(timeout)?;
    sock.set_read_timeout(Some(left))
        .map_err(|e| e.to_string())?;
    sock.set_write_timeout(Some(left))
        .map_err(|e| e.to_string())?;
    while conn.wants_write() {
        if Instant::now() >= deadline {
            return Err(timeout());
        }
        conn.write_tls(sock).map_err(|e| io_error(&e, during))?;
    }
    if !conn.wants_read() {
        return Ok(0);
    }
    let n = conn.read_tls(sock).map_err(|e| io_error(&e, during))?;
    if n == 0 && conn.is_handshaking() {
        return Err(format!("the server closed the connection during {during}"));
    }
    conn.process_new_packets().map_err(|e| tls_error(&e))?;
    Ok(n)
}

fn io_error(e: &std::io::Error, during: &str) -> String {
    match e.kind() {
        ErrorKind::TimedOut | ErrorKind::WouldBlock => format!("timed out during {during}"),
        _ => format!("I/O error during {during}: {e}"),
    }
}

fn tls_error(e: &rustls::Error) -> String {
    match e {
        rustls::Error::PeerIncompatible(PeerIncompatible::ServerDoesNotSupportTls12Or13)
        | rustls::Error::AlertReceived(AlertDescription::ProtocolVersion) => {
            format!("{OLD_TLS} ({e})")
        }
        _ => format!("TLS handshake failed: {e}"),
    }
}

/// Sends one GET and reads the response until the server closes, the
/// body start is complete, or `limit` has passed.
fn exchange(
    conn: &mut ClientConnection,
    sock: &mut TcpStream,
    get: &HttpGet,
    limit: Duration,
) -> Result<HttpSeen, String> {
    let req = http::request(get).ok_or("unsafe HTTP host or path")?;
    conn.writer()
        .write_all(&req)
        .map_err(|e| format!("HTTP request: {e}"))?;
    let deadline = Instant::now() + limit;
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 4096];
    let mut eof = false;
    loop {
        let full = match http::head_end(&buf) {
            Some(end) => buf.len() >= end + http::MAX_BODY,
            None => buf.len() >= http::MAX_HEAD,
        };
        if full {
            break;
        }
        match conn.reader().read(&mut chunk) {
            Ok(0) => break, // close_notify
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                continue;
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock && !eof => {}
            Err(_) => break, // drained after EOF, or closed without close_notify
        }
        match step(conn, sock, deadline, "the HTTP exchange") {
            Ok(0) => eof = true,
            Ok(_) => {}
            // Out of time with a complete head: keep what came.
            Err(_) if http::head_end(&buf).is_some() => break,
            Err(e) => return Err(e),
        }
    }
    http::parse(&buf).map_err(|e| e.to_string())
}
