//! A real HTTPS webhook receiver for the tests: TLS from tokio-rustls with a
//! certificate made on the spot, and just enough HTTP/1.1 (keep-alive,
//! Content-Length bodies) to record requests and play scripted replies.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// A self-signed certificate for 127.0.0.1 and its key.
pub struct TestCert {
    /// PEM of the certificate (the client's `ca_file`).
    pub pem: String,
    der: CertificateDer<'static>,
    key: Vec<u8>,
}

impl TestCert {
    /// A fresh certificate.
    pub fn new() -> TestCert {
        let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()])
            .expect("generate test certificate");
        TestCert {
            pem: ck.cert.pem(),
            der: ck.cert.der().clone(),
            key: ck.signing_key.serialize_der(),
        }
    }
}

/// What the server answers.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// Wait this long before answering.
    pub delay: Duration,
    /// Answer with the request's headers as the body (a receiver that
    /// echoes what it got, `Authorization` included).
    pub echo: bool,
}

impl Reply {
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            delay: Duration::ZERO,
            echo: false,
        }
    }

    pub fn echoing(mut self) -> Reply {
        self.echo = true;
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

/// One received request.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A running receiver; stops when dropped.
pub struct Server {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
    task: JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    /// Starts on 127.0.0.1 with a free port. Request n gets `replies[n]`;
    /// once they run out, the last one repeats.
    pub async fn start(cert: &TestCert, replies: Vec<Reply>) -> Server {
        Server::start_on("127.0.0.1:0".parse().expect("addr"), cert, replies).await
    }

    /// Starts on `addr`.
    pub async fn start_on(addr: SocketAddr, cert: &TestCert, replies: Vec<Reply>) -> Server {
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der.clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.key.clone())),
        )
        .expect("server config");
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind(addr).await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let replies = Arc::new(replies);
        let seen = requests.clone();
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, seen, replies) = (acceptor.clone(), seen.clone(), replies.clone());
                tokio::spawn(async move {
                    if let Ok(tls) = acceptor.accept(tcp).await {
                        let _ = serve(tls, seen, replies).await;
                    }
                });
            }
        });
        Server {
            addr,
            requests,
            task,
        }
    }

    /// `https://127.0.0.1:<port>/hook`.
    pub fn url(&self) -> String {
        format!("https://{}/hook", self.addr)
    }

    /// Requests received so far.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("lock").clone()
    }
}

async fn serve(
    tls: tokio_rustls::server::TlsStream<tokio::net::TcpStream>,
    seen: Arc<Mutex<Vec<Request>>>,
    replies: Arc<Vec<Reply>>,
) -> std::io::Result<()> {
    let mut stream = BufReader::new(tls);
    loop {
        let mut line = String::new();
        if stream.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        let path = parts.next().unwrap_or_default().to_string();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            stream.read_line(&mut h).await?;
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((n, v)) = h.split_once(':') {
                headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        let len = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; len];
        stream.read_exact(&mut body).await?;
        let echoed: String = headers
            .iter()
            .map(|(n, v)| format!("{n}: {v}\r\n"))
            .collect();
        let n = {
            let mut seen = seen.lock().expect("lock");
            seen.push(Request {
                method,
                path,
                headers,
                body,
            });
            seen.len() - 1
        };
        let reply = replies
            .get(n)
            .or(replies.last())
            .cloned()
            .unwrap_or_else(|| Reply::status(200));
        tokio::time::sleep(reply.delay).await;
        let text = if reply.echo {
            format!("status {}\r\nyou sent:\r\n{echoed}", reply.status)
        } else {
            format!("status {}", reply.status)
        };
        let mut out = format!(
            "HTTP/1.1 {} X\r\ncontent-length: {}\r\ncontent-type: text/plain\r\n",
            reply.status,
            text.len()
        );
        for (n, v) in &reply.headers {
            out.push_str(&format!("{n}: {v}\r\n"));
        }
        out.push_str("\r\n");
        out.push_str(&text);
        stream.get_mut().write_all(out.as_bytes()).await?;
        stream.get_mut().flush().await?;
    }
}
