//! The one HTTP/1.1 exchange of an outside probe: the request, and the
//! parse of the response head (status line and headers) and of the start
//! of the body, all bounded and cleaned.

use crate::contract::outside::{HttpGet, HttpSeen};

use super::clean;

/// Largest response head read (bytes).
pub const MAX_HEAD: usize = 16 * 1024;
/// Largest body start kept (bytes).
pub const MAX_BODY: usize = 4 * 1024;
/// Most headers kept.
const MAX_HEADERS: usize = 100;

/// Why a response was not understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpError {
    /// No `\r\n\r\n` within [`MAX_HEAD`] bytes (or before the end).
    NoHead,
    /// The status line is not `HTTP/1.x NNN …`.
    StatusLine(String),
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpError::NoHead => {
                write!(f, "no complete HTTP response head within {MAX_HEAD} bytes")
            }
            HttpError::StatusLine(l) => write!(f, "not an HTTP status line: {l:?}"),
        }
    }
}

/// The request bytes; `None` when host or path could break the request
/// line (control characters, spaces).
pub fn request(get: &HttpGet) -> Option<Vec<u8>> {
    let safe = |s: &str, max: usize| {
        !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_graphic())
    };
    if !safe(&get.host, 300) || !safe(&get.path, 1024) || !get.path.starts_with('/') {
        return None;
    }
    Some(
        format!(
            "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: harden/{}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
            get.path,
            get.host,
            env!("CARGO_PKG_VERSION")
        )
        .into_bytes(),
    )
}

/// Where the head ends (the index after `\r\n\r\n`), if it does within
/// [`MAX_HEAD`].
pub fn head_end(buf: &[u8]) -> Option<usize> {
    let window = &buf[..buf.len().min(MAX_HEAD)];
    window
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4)
}

/// Parses what was read: a complete head, then at most [`MAX_BODY`] bytes
/// of body.
pub fn parse(buf: &[u8]) -> Result<HttpSeen, HttpError> {
    let end = head_end(buf).ok_or(HttpError::NoHead)?;
    let head = String::from_utf8_lossy(&buf[..end - 4]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status =
        status(status_line).ok_or_else(|| HttpError::StatusLine(clean::text(status_line, 80)))?;
    let mut headers = Vec::new();
    for line in lines.take(MAX_HEADERS) {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim();
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic()) {
            continue;
        }
        headers.push((
            clean::text(&name.to_ascii_lowercase(), clean::MAX_NAME),
            clean::text(value.trim(), clean::MAX_VALUE),
        ));
    }
    let body = &buf[end..];
    Ok(HttpSeen {
        status,
        headers,
        body_start: clean::bytes(&body[..body.len().min(MAX_BODY)], MAX_BODY),
    })
}

fn status(line: &str) -> Option<u16> {
    let mut parts = line.splitn(3, ' ');
    let version = parts.next()?;
    let code = parts.next()?;
    if !version.starts_with("HTTP/1.") || code.len() != 3 {
        return None;
    }
    code.parse().ok().filter(|c| (100..=599).contains(c))
}
