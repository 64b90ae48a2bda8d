//! `harden-lab receive`: a webhook receiver for the lab tests.
//!
//! Plain HTTP/1.1 on 127.0.0.1 of whatever network namespace it is started
//! in (`ip netns exec <controller> harden-lab receive …`): loopback is per
//! namespace, and harden's `[report]` accepts `http://` only on loopback.
//! Each request becomes one JSON line in the output file — method, path,
//! the headers a receiver cares about, the body (parsed when it is JSON)
//! and the status answered — so a test can check every field management
//! would get. One request per connection (`Connection: close`); every read
//! is bounded.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::time::Duration;

use serde_json::{json, Map, Value};

/// Headers recorded (lower-case).
const KEEP: [&str; 4] = [
    "authorization",
    "idempotency-key",
    "content-type",
    "user-agent",
];

/// Serves until `max` requests were answered (forever when None).
pub fn serve(port: u16, out: &Path, fail_first: u32, max: Option<u32>) -> std::io::Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    // The file's existence tells the test the receiver is listening.
    OpenOptions::new().create(true).append(true).open(out)?;
    let mut n = 0u32;
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        n += 1;
        let status = if n <= fail_first { 500 } else { 200 };
        if let Some(line) = handle(stream, status) {
            let mut f = OpenOptions::new().append(true).open(out)?;
            f.write_all(format!("{line}\n").as_bytes())?;
        }
        if max.is_some_and(|m| n >= m) {
            break;
        }
    }
    Ok(())
}

fn handle(mut s: TcpStream, status: u16) -> Option<Value> {
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 64 * 1024 {
            return None;
        }
        let k = s.read(&mut chunk).ok()?;
        if k == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..k]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, path) = (first.next()?.to_string(), first.next()?.to_string());
    let mut headers = Map::new();
    let mut len = 0usize;
    for l in lines {
        let Some((k, v)) = l.split_once(':') else {
            continue;
        };
        let k = k.trim().to_ascii_lowercase();
        if k == "content-length" {
            len = v.trim().parse().ok()?;
        }
        if KEEP.contains(&k.as_str()) {
            headers.insert(k, Value::String(v.trim().to_string()));
        }
    }
    let mut body = buf[head_end..].to_vec();
    while body.len() < len.min(1 << 20) {
        let k = s.read(&mut chunk).ok()?;
        if k == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..k]);
    }
    let reason = if status == 200 {
        "OK"
    } else {
        "Internal Server Error"
    };
    let _ = s.write_all(
        format!("HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    );
    let body = serde_json::from_slice::<Value>(&body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
    Some(json!({
        "method": method,
        "path": path,
        "headers": headers,
        "status": status,
        "body": body,
    }))
}
