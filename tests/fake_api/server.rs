//! The fake API server: HTTP/1.1 on 127.0.0.1:0 in the test's own tokio
//! runtime, answering each request with the next scripted [`Reply`]
//! (status, headers, body, delay, optionally chunked) and recording it. A
//! request beyond the script is answered 500 and counted as unexpected.
//! One request per connection (`Connection: close`). Every read is bounded
//! in size and time; dropping the server stops it and its connections.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// One scripted answer.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Wait this long before answering.
    pub delay: Duration,
    /// Send the body with `Transfer-Encoding: chunked` (no length known
    /// in advance).
    pub chunked: bool,
}

impl Reply {
    /// `status` with a JSON body.
    pub fn json(status: u16, body: serde_json::Value) -> Reply {
        Reply::raw(status, body.to_string().into_bytes()).header("content-type", "application/json")
    }

    /// `status` with a Hetzner-style error body.
    pub fn error(status: u16, code: &str, message: &str) -> Reply {
        Reply::json(
            status,
            serde_json::json!({"error": {"code": code, "message": message, "details": {}}}),
        )
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

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }

    /// No answer for a minute (longer than any test waits).
    pub fn hang() -> Reply {
        Reply::raw(200, b"{}".to_vec()).after(Duration::from_secs(60))
    }

    pub fn chunked(mut self) -> Reply {
        self.chunked = true;
        self
    }
}

/// One received request.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    /// Path and query.
    pub target: String,
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

#[derive(Default)]
struct State {
    script: VecDeque<Reply>,
    requests: Vec<Request>,
    unexpected: usize,
}

/// A running fake API.
pub struct FakeApi {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: JoinHandle<()>,
}

impl FakeApi {
    /// Starts serving `script`, one reply per request, in order.
    pub async fn start(script: Vec<Reply>) -> FakeApi {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let state = Arc::new(Mutex::new(State {
            script: script.into(),
            ..State::default()
        }));
        let st = state.clone();
        let task = tokio::spawn(async move {
            // Dropped with this task: aborts every connection task.
            let mut conns = JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    break;
                };
                conns.spawn(serve(stream, st.clone()));
                while conns.try_join_next().is_some() {}
            }
        });
        FakeApi { addr, state, task }
    }

    /// The base URL (`http://127.0.0.1:<port>`), with `path` appended.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().expect("lock").requests.clone()
    }

    /// Replies never used.
    pub fn unused(&self) -> usize {
        self.state.lock().expect("lock").script.len()
    }

    /// Requests that came after the script ran out.
    pub fn unexpected(&self) -> usize {
        self.state.lock().expect("lock").unexpected
    }
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 8 * 1024 * 1024;

async fn serve(stream: TcpStream, state: Arc<Mutex<State>>) {
    let mut stream = BufReader::new(stream);
    let read = tokio::time::timeout(Duration::from_secs(10), read_request(&mut stream)).await;
    let Some(req) = read.ok().and_then(|r| r.ok()).flatten() else {
        return;
    };
    let reply = {
        let mut st = state.lock().expect("lock");
        st.requests.push(req);
        match st.script.pop_front() {
            Some(r) => r,
            None => {
                st.unexpected += 1;
                Reply::error(500, "fake_unexpected", "request beyond the script")
            }
        }
    };
    tokio::time::sleep(reply.delay).await;
    let _ = write_reply(stream.get_mut(), &reply).await;
}

async fn read_request(s: &mut BufReader<TcpStream>) -> std::io::Result<Option<Request>> {
    let mut head = Vec::new();
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        if s.read_line(&mut line).await? == 0 {
            return Ok(None);
        }
        head.extend_from_slice(line.as_bytes());
        if head.len() > MAX_HEAD {
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
