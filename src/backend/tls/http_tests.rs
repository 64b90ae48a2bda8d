//! The HTTP request and the bounded response parse.

use super::http::{parse, request, HttpError, MAX_BODY, MAX_HEAD};
use crate::contract::outside::HttpGet;

fn get(host: &str, path: &str) -> HttpGet {
    HttpGet {
        host: host.into(),
        path: path.into(),
    }
}

#[test]
fn the_request_is_one_get_with_host_and_connection_close() {
    let r = String::from_utf8(request(&get("portal.example.com", "/")).expect("safe")).unwrap();
    assert!(
        r.starts_with("GET / HTTP/1.1\r\nHost: portal.example.com\r\n"),
        "{r}"
    );
    assert!(r.contains("\r\nConnection: close\r\n"));
    assert!(r.ends_with("\r\n\r\n"));
}

#[test]
fn an_unsafe_host_or_path_gives_no_request() {
    assert!(request(&get("a\r\nX-Evil: 1", "/")).is_none());
    assert!(request(&get("a b", "/")).is_none());
    assert!(request(&get("a", "relative")).is_none());
    assert!(request(&get("a", "/x y")).is_none());
    assert!(request(&get("", "/")).is_none());
}

#[test]
fn parses_status_headers_and_body_start() {
    let raw = b"HTTP/1.1 503 Service Unavailable\r\nServer: nginx/1.22\r\nX-Backend-Server: otc-app-1\r\nbad line\r\nX-Esc: a\x1bb\r\n\r\n<html>No server</html>";
    let h = parse(raw).expect("parses");
    assert_eq!(h.status, 503);
    assert_eq!(
        h.headers,
        vec![
            ("server".to_string(), "nginx/1.22".to_string()),
            ("x-backend-server".to_string(), "otc-app-1".to_string()),
            ("x-esc".to_string(), "a?b".to_string()),
        ]
    );
    assert_eq!(h.body_start, "<html>No server</html>");
}

#[test]
fn bounded_head_and_body() {
    let mut raw = b"HTTP/1.1 200 OK\r\n".to_vec();
    raw.extend(std::iter::repeat_n(b'a', MAX_HEAD));
    assert_eq!(parse(&raw), Err(HttpError::NoHead));
    let mut ok = b"HTTP/1.1 200 OK\r\n\r\n".to_vec();
    ok.extend(std::iter::repeat_n(b'b', MAX_BODY * 3));
    assert_eq!(parse(&ok).expect("parses").body_start.len(), MAX_BODY);
    let many: String = (0..500).map(|i| format!("h{i}: v\r\n")).collect();
    let raw = format!("HTTP/1.1 200 OK\r\n{many}\r\n");
    assert_eq!(parse(raw.as_bytes()).expect("parses").headers.len(), 100);
}

#[test]
fn a_bad_status_line_is_refused() {
    for raw in [
        &b"SSH-2.0-OpenSSH\r\n\r\n"[..],
        b"HTTP/1.1 20 OK\r\n\r\n",
        b"HTTP/1.1 999 X\r\n\r\n",
    ] {
        assert!(
            matches!(parse(raw), Err(HttpError::StatusLine(_))),
            "{raw:?}"
        );
    }
}
