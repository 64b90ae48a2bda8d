//! A small TLS application server for lab backends (`harden-lab
//! tls-serve`): rustls with a certificate and key from files, a thread per
//! connection, one HTTP/1.x request per connection answered `200` with the
//! body `backend=<name>\n`, so a client can tell which backend answered
//! even when the gatekeeper terminates TLS. Extra response headers can be
//! configured (a backend that leaks `Server: …` for the header checks),
//! and a PROXY v2 header can be required before TLS (the body then names
//! the client the header carries: `client=<addr>`).
//!
//! Every read is bounded (16 KiB of request head, 60 s per read) and at
//! most [`MAX_CONNS`] connections are served at once; more are closed.

use std::io::{Read, Write};
use std::net::{IpAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

use super::{proxy_v2, LabError};

/// Connections served at the same time.
pub const MAX_CONNS: usize = 128;
const MAX_HEAD: usize = 16 * 1024;

/// What a backend answers.
#[derive(Clone, Debug)]
pub struct Reply {
    /// Names the backend in the body (`backend=<name>`).
    pub name: String,
    /// Extra response headers (`Name`, `value`).
    pub headers: Vec<(String, String)>,
    /// Expect a PROXY v2 header before TLS and name the client it carries
    /// in the body (`client=<addr>`); refuse connections without one.
    pub accept_proxy: bool,
}

impl Reply {
    fn bytes(&self, client: Option<IpAddr>) -> Vec<u8> {
        let mut body = format!("backend={}\n", self.name);
        if let Some(c) = client {
            body.push_str(&format!("client={c}\n"));
        }
        let mut head = String::from("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n");
        for (k, v) in &self.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ));
        head.into_bytes()
    }
}

/// A rustls server configuration from a PEM chain and a PEM key.
pub fn config(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, LabError> {
    let read = |p: &Path| std::fs::read(p).map_err(|e| LabError(format!("{}: {e}", p.display())));
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&read(cert)?)
        .collect::<Result<_, _>>()
        .map_err(|e| LabError(format!("{}: {e}", cert.display())))?;
    if chain.is_empty() {
        return Err(LabError(format!("{}: no certificate", cert.display())));
    }
    let key = PrivateKeyDer::from_pem_slice(&read(key)?)
        .map_err(|e| LabError(format!("{}: {e}", key.display())))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| LabError(format!("tls: {e}")))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| LabError(format!("tls: {e}")))?;
    Ok(Arc::new(cfg))
}

/// Serves `listener` until `max` connections were accepted (forever when
/// `None`).
pub fn serve(
    listener: TcpListener,
    cfg: Arc<ServerConfig>,
    reply: Reply,
    max: Option<usize>,
) -> Result<(), LabError> {
    let reply = Arc::new(reply);
    let busy = Arc::new(AtomicUsize::new(0));
    let mut accepted = 0usize;
    let mut workers = Vec::new();
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        accepted += 1;
        if busy.load(Ordering::SeqCst) >= MAX_CONNS {
            drop(stream);
        } else {
            busy.fetch_add(1, Ordering::SeqCst);
            let (cfg, reply, busy) = (cfg.clone(), reply.clone(), busy.clone());
            let h = std::thread::spawn(move || {
                let _ = answer(stream, cfg, &reply);
                busy.fetch_sub(1, Ordering::SeqCst);
            });
            if max.is_some() {
                workers.push(h);
            }
        }
        if max.is_some_and(|m| accepted >= m) {
            break;
        }
    }
    for w in workers {
        let _ = w.join();
    }
    Ok(())
}

fn answer(mut stream: TcpStream, cfg: Arc<ServerConfig>, reply: &Reply) -> std::io::Result<()> {
    // Long enough for a client that holds its connection across reloads
    // (HAProxy's own client/server timeouts are 30 s).
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    let client = if reply.accept_proxy {
        match proxy_v2::read(&mut stream).map_err(std::io::Error::other)? {
            proxy_v2::Header::Proxy(a) => Some(a.ip()),
            proxy_v2::Header::Local => None,
        }
    } else {
        None
    };
    let conn = ServerConnection::new(cfg).map_err(std::io::Error::other)?;
    let mut tls = StreamOwned::new(conn, stream);
    let mut head = Vec::new();
    let mut chunk = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tls.read(&mut chunk)?;
        if n == 0 || head.len() + n > MAX_HEAD {
            return Ok(());
        }
        head.extend_from_slice(&chunk[..n]);
    }
    tls.write_all(&reply.bytes(client))?;
    tls.flush()?;
    tls.conn.send_close_notify();
    let _ = tls.flush();
    Ok(())
}
