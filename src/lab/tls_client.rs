//! The lab's TLS client (`harden-lab tls-probe`, run in the outside
//! namespace): connects N times, one TLS connection and one HTTP request
//! each, and counts what happened: successes and failures (by reason),
//! which backend answered (the `backend=<name>` body of
//! [`tls_server`](super::tls_server)) and which certificate the server
//! showed (SHA-256 of its DER, compared with [`pki::fingerprint`]).
//!
//! The client accepts any certificate on purpose (the outside probes'
//! recording verifier, `backend::tls::verifier::Recorder`): it reports what it was
//! shown rather than judging it (signatures are still checked, so the
//! server holds the certificate's key). Every step has a time limit and
//! responses are read up to 64 KiB.
//!
//! [`pki::fingerprint`]: super::pki::fingerprint

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};
use serde::{Deserialize, Serialize};

use super::pki::sha256_hex;

const MAX_RESPONSE: usize = 64 * 1024;

/// Where to connect and what to ask.
#[derive(Clone, Debug)]
pub struct Target {
    /// Address.
    pub addr: IpAddr,
    /// Port.
    pub port: u16,
    /// TLS server name sent (and the `Host` header).
    pub sni: String,
    /// Request path.
    pub path: String,
    /// Limit of each step (connect, handshake, each read).
    pub timeout: Duration,
}

/// What one connection saw.
#[derive(Clone, Debug, Default)]
pub struct Seen {
    /// HTTP status.
    pub status: u16,
    /// The backend named in the body.
    pub backend: Option<String>,
    /// The client address the backend saw (`client=` in the body: from a
    /// PROXY v2 header).
    pub client: Option<String>,
    /// SHA-256 of the leaf certificate shown.
    pub cert_sha256: Option<String>,
    /// Response headers (names lower-case).
    pub headers: Vec<(String, String)>,
}

/// The count over a run of connections.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Connections attempted.
    pub sent: u32,
    /// Connections that got `200` from a named backend.
    pub ok: u32,
    /// The others.
    pub failed: u32,
    /// Answers per backend name.
    pub backends: BTreeMap<String, u32>,
    /// Connections per leaf certificate (SHA-256).
    pub certs: BTreeMap<String, u32>,
    /// Failures per reason.
    pub errors: BTreeMap<String, u32>,
    /// Response header names seen (lower-case) with the last value.
    pub headers: BTreeMap<String, String>,
    /// Answers per client address the backend saw (PROXY v2).
    #[serde(default)]
    pub clients: BTreeMap<String, u32>,
}

/// How long a run goes on.
#[derive(Clone, Debug)]
pub struct Plan {
    /// At most this many connections.
    pub count: u32,
    /// Stop early once this file exists.
    pub stop_file: Option<PathBuf>,
    /// After each connection, write `sent ok` here.
    pub progress: Option<PathBuf>,
    /// Stop after this long in any case.
    pub max: Duration,
    /// Hold each connection open after the handshake until this file
    /// exists (bounded by `max`), then send the request: an established
    /// connection across a reload. The progress file then says `held`
    /// while a connection waits.
    pub hold_until: Option<PathBuf>,
}

/// A client configuration that records any certificate.
pub fn config() -> Result<Arc<ClientConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(crate::backend::tls::verifier::Recorder::new(
            provider,
        )))
        .with_no_client_auth();
    Ok(Arc::new(cfg))
}

fn wait_file(p: &Path, until: Instant) {
    while !p.exists() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One connection and one request. With `hold` (file, deadline,
/// progress file), the connection waits after the handshake until the
/// file exists, writing `held` to the progress file first.
pub fn once(
    cfg: &Arc<ClientConfig>,
    t: &Target,
    hold: Option<(&PathBuf, Instant, Option<&PathBuf>)>,
) -> Result<Seen, String> {
    let name = ServerName::try_from(t.sni.clone()).map_err(|e| format!("sni: {e}"))?;
    let tcp = TcpStream::connect_timeout(&SocketAddr::new(t.addr, t.port), t.timeout)
        .map_err(|e| format!("connect: {:?}", e.kind()))?;
    tcp.set_read_timeout(Some(t.timeout))
        .map_err(|e| e.to_string())?;
    tcp.set_write_timeout(Some(t.timeout))
        .map_err(|e| e.to_string())?;
    let conn = ClientConnection::new(cfg.clone(), name).map_err(|e| format!("tls: {e}"))?;
    let mut tls = StreamOwned::new(conn, tcp);
    while tls.conn.is_handshaking() {
        tls.conn
            .complete_io(&mut tls.sock)
            .map_err(|e| format!("handshake: {e}"))?;
    }
    let cert_sha256 = tls
        .conn
        .peer_certificates()
        .and_then(|c| c.first())
        .map(|c| sha256_hex(c));
    if let Some((file, until, progress)) = hold {
        if let Some(p) = progress {
            let _ = std::fs::write(p, "held\n");
        }
        wait_file(file, until);
    }
    let req = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: harden-lab\r\nConnection: close\r\n\r\n",
        t.path, t.sni
    );
    tls.write_all(req.as_bytes())
        .and_then(|()| tls.flush())
        .map_err(|e| format!("write: {:?}", e.kind()))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match tls.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if buf.len() > MAX_RESPONSE {
                    return Err("response too large".into());
                }
            }
            // A server that closes without close_notify after answering.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !buf.is_empty() => break,
            Err(e) => return Err(format!("read: {:?}", e.kind())),
        }
    }
    let mut seen = parse(&buf)?;
    seen.cert_sha256 = cert_sha256;
    Ok(seen)
}

/// Parses an HTTP/1.x response: status, headers, `backend=` in the body.
pub fn parse(buf: &[u8]) -> Result<Seen, String> {
    let text = String::from_utf8_lossy(buf);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| "no HTTP response".to_string())?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| "no HTTP status".to_string())?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let field = |k: &str| {
        body.lines()
            .find_map(|l| l.strip_prefix(k))
            .map(str::to_string)
    };
    Ok(Seen {
        status,
        backend: field("backend="),
        client: field("client="),
        cert_sha256: None,
        headers,
    })
}

/// Runs `plan` against `t` and counts.
pub fn tally(t: &Target, plan: &Plan) -> Tally {
    let mut out = Tally::default();
    let cfg = match config() {
        Ok(c) => c,
        Err(e) => {
            out.errors.insert(e, 1);
            return out;
        }
    };
    let until = Instant::now() + plan.max;
    while out.sent < plan.count && Instant::now() < until {
        if plan.stop_file.as_ref().is_some_and(|f| f.exists()) {
            break;
        }
        out.sent += 1;
        let hold = plan
            .hold_until
            .as_ref()
            .map(|f| (f, until, plan.progress.as_ref()));
        match once(&cfg, t, hold) {
            Ok(seen) => {
                if let Some(c) = &seen.cert_sha256 {
                    *out.certs.entry(c.clone()).or_default() += 1;
                }
                for (k, v) in &seen.headers {
                    out.headers.insert(k.clone(), v.clone());
                }
                match (&seen.backend, seen.status) {
                    (Some(b), 200) => {
                        out.ok += 1;
                        *out.backends.entry(b.clone()).or_default() += 1;
                        if let Some(c) = &seen.client {
                            *out.clients.entry(c.clone()).or_default() += 1;
                        }
                    }
                    _ => {
                        out.failed += 1;
                        *out.errors
                            .entry(format!("status {}", seen.status))
                            .or_default() += 1;
                    }
                }
            }
            Err(e) => {
                out.failed += 1;
                *out.errors.entry(e).or_default() += 1;
            }
        }
        if let Some(p) = &plan.progress {
            let _ = std::fs::write(p, format!("{} {}\n", out.sent, out.ok));
        }
    }
    out
}
