//! The HTTP/1.1 core of the local fake provider APIs (tests and the lab
//! demo): a listener on a loopback address, one request per connection
//! (`Connection: close`), each answered by a [`Handler`] with a [`Reply`]
//! (status, headers, body, an optional delay, optionally chunked). Every
//! read is bounded in size (64 KiB of head, 8 MiB of body) and time
//! (10 s); dropping the [`FakeServer`] stops it and its connections.
//!
//! Only for fakes: it serves plain HTTP, which harden's API client accepts
//! only to a loopback IP literal.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// One answer.
#[derive(Clone, Debug)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// Wait this long before answering.
    pub delay: Duration,
    /// Send the body with `Transfer-Encoding: chunked`.
    pub chunked: bool,
}

impl Reply {
    /// `status` with a JSON body.
    pub fn json(status: u16, body: serde_json::Value) -> Reply {
        Reply::raw(status, body.to_string().into_bytes()).header("content-type", "application/json")
    }

    /// `status` with a Hetzner-style error body
    /// (`{"error":{"code","message","details"}}`).
    pub fn error(status: u16, code: &str, message: &str) -> Reply {
        Reply::json(
            status,
            serde_json::json!({"error": {"code": code, "message": message, "details": {}}}),
        )
    }

    /// No answer for a minute (longer than any client here waits).
    pub fn hang() -> Reply {
        Reply::raw(200, b"{}".to_vec()).after(Duration::from_secs(60))
    }

    /// `status` with these body bytes.
    pub fn raw(status: u16, body: Vec<u8>) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body,
            delay: Duration::ZERO,
            chunked: false,
        }
    }

    /// The same reply with one more header.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The same reply, sent after `delay`.
    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }

    /// The same reply, chunked.
    pub fn chunked(mut self) -> Reply {
        self.chunked = true;
        self
    }
}

/// One received request.
#[derive(Clone, Debug)]
pub struct Request {
    /// `GET`, `POST`, …
    pub method: String,
    /// Path and query.
    pub target: String,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Request {
    /// A header's value (name in lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// Every value of query parameter `key`, in order (not decoded beyond
    /// `%2C`/`%3A`/`%3D`, which the fakes never need otherwise).
    pub fn query_all(&self, key: &str) -> Vec<String> {
        let Some((_, q)) = self.target.split_once('?') else {
            return Vec::new();
        };
        q.split('&')
            .filter_map(|kv| kv.split_once('='))
            .filter(|(k, _)| *k == key)
            .map(|(_, v)| {
                v.replace("%2C", ",")
                    .replace("%3A", ":")
                    .replace("%3D", "=")
                    .replace("%5E", "^")
                    .replace("%24", "$")
            })
            .collect()
    }

    /// The first value of query parameter `key`.
    pub fn query(&self, key: &str) -> Option<String> {
        self.query_all(key).into_iter().next()
    }

    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// Answers requests.
pub type Handler = Arc<dyn Fn(Request) -> Reply + Send + Sync>;

/// A running fake server.
pub struct FakeServer {
    /// Where it listens.
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl FakeServer {
    /// Serves `handler` on `bind` (`127.0.0.1:0` for any free port), in
    /// the current tokio runtime.
    pub async fn start(bind: &str, handler: Handler) -> std::io::Result<FakeServer> {
        let listener = TcpListener::bind(bind).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            // Dropped with this task: aborts every connection task.
            let mut conns = JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    break;
                };
                conns.spawn(serve(stream, handler.clone()));
                while conns.try_join_next().is_some() {}
            }
        });
        Ok(FakeServer { addr, task })
    }

    /// The base URL (`http://127.0.0.1:<port>`) with `path` appended.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 8 * 1024 * 1024;

async fn serve(stream: TcpStream, handler: Handler) {
    let mut stream = BufReader::new(stream);
    let read = tokio::time::timeout(Duration::from_secs(10), read_request(&mut stream)).await;
    let Some(req) = read.ok().and_then(|r| r.ok()).flatten() else {
        return;
    };
    let reply = handler(req);
    tokio::time::sleep(reply.delay).await;
    let _ = write_reply(stream.get_mut(), &reply).await;
}

async fn read_request(s: &mut BufReader<TcpStream>) -> std::io::Result<Option<Request>> {
    let mut head = 0usize;
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        if s.read_line(&mut line).await? == 0 {
            return Ok(None);
        }
        head += line.len();
        if head > MAX_HEAD {
            return Ok(None);
        }
        let line = line.trim_end_matches(['\r', '\n']).to_string();
        if line.is_empty() {
            break;
        }
        lines.push(line);
    }
    let mut parts = lines.first().map(|l| l.split(' ')).into_iter().flatten();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("").to_string();
    let headers: Vec<(String, String)> = lines
        .iter()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    if len > MAX_BODY {
        return Ok(None);
    }
    let mut body = vec![0; len];
    s.read_exact(&mut body).await?;
    Ok(Some(Request {
        method,
        target,
        headers,
        body,
    }))
}

async fn write_reply(s: &mut TcpStream, r: &Reply) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {} Fake\r\nconnection: close\r\n", r.status);
    for (n, v) in &r.headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    if r.chunked {
        head.push_str("transfer-encoding: chunked\r\n\r\n");
        s.write_all(head.as_bytes()).await?;
        for piece in r.body.chunks(16 * 1024) {
            s.write_all(format!("{:x}\r\n", piece.len()).as_bytes())
                .await?;
            s.write_all(piece).await?;
            s.write_all(b"\r\n").await?;
        }
        s.write_all(b"0\r\n\r\n").await?;
    } else {
        head.push_str(&format!("content-length: {}\r\n\r\n", r.body.len()));
        s.write_all(head.as_bytes()).await?;
        s.write_all(&r.body).await?;
    }
    s.flush().await?;
    s.shutdown().await
}
