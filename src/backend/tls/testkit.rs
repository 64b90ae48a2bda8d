//! Test helpers: rcgen certificates with chosen names, and a local
//! blocking rustls server on 127.0.0.1 that serves a fixed number of
//! connections (handshake, then optionally one canned HTTP answer).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A leaf (and the CA that issued it).
pub struct Chain {
    /// Leaf first.
    pub certs: Vec<CertificateDer<'static>>,
    /// The leaf's PKCS#8 key.
    pub key: Vec<u8>,
    /// The leaf as PEM.
    pub cert_pem: String,
    /// Its key as PEM.
    pub key_pem: String,
}

/// A leaf with these SANs (IP strings become iPAddress entries), subject
/// CN and O, issued by a CA named `ca_cn`.
pub fn chain(sans: &[&str], cn: &str, org: &str, ca_cn: &str) -> Chain {
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, ca_cn);
    let ca_cert = ca.self_signed(&ca_key).expect("CA cert");
    let key = KeyPair::generate().expect("leaf key");
    let names: Vec<String> = sans.iter().map(|s| s.to_string()).collect();
    let mut leaf = CertificateParams::new(names).expect("leaf params");
    leaf.distinguished_name.push(DnType::CommonName, cn);
    leaf.distinguished_name.push(DnType::OrganizationName, org);
    let issuer = Issuer::from_params(&ca, &ca_key);
    let leaf_cert = leaf.signed_by(&key, &issuer).expect("leaf cert");
    Chain {
        certs: vec![leaf_cert.der().clone(), ca_cert.der().clone()],
        key: key.serialize_der(),
        cert_pem: leaf_cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

/// A server on 127.0.0.1 serving `connections` handshakes with `chain`;
/// with `reply`, it reads the request head and writes `reply` after it.
pub struct Server {
    /// Where it listens.
    pub addr: SocketAddr,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    pub fn start(chain: Chain, reply: Option<&'static str>, connections: usize) -> Server {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(chain.key));
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(chain.certs, key)
            .expect("server config");
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("addr");
        listener.set_nonblocking(true).expect("nonblocking");
        let thread = std::thread::spawn(move || {
            let until = Instant::now() + Duration::from_secs(20);
            let mut served = 0;
            while served < connections && Instant::now() < until {
                let Ok((sock, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                served += 1;
                let _ = sock.set_nonblocking(false);
                let _ = sock.set_read_timeout(Some(Duration::from_secs(5)));
                let Ok(conn) = rustls::ServerConnection::new(config.clone()) else {
                    continue;
                };
                let mut tls = rustls::StreamOwned::new(conn, sock);
                let Some(reply) = reply else {
                    let _ = tls.conn.complete_io(&mut tls.sock);
                    continue;
                };
                let mut head = Vec::new();
                let mut b = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16384 {
                    match tls.read(&mut b) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => head.extend_from_slice(&b[..n]),
                    }
                }
                let _ = tls.write_all(reply.as_bytes());
                tls.conn.send_close_notify();
                let _ = tls.flush();
            }
        });
        Server {
            addr,
            thread: Some(thread),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
