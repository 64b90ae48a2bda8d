//! Delivery tests against a real local HTTPS receiver ([`super::testserver`]).
//! Retry waits are shortened; everything binds to 127.0.0.1.

use std::time::{Duration, Instant};

use super::testkit::{body_event, event, notifier, queued_reason, serve, TOKEN};
use super::testserver::{Reply, Server, TestCert};
use super::*;
use crate::audit::Event;

#[tokio::test]
async fn delivers_json_with_token_and_idempotency_key() {
    let (_dir, server, n) = serve(vec![Reply::status(200)], 3).await;
    let ev = event("web1");
    let d = n.send(&ev).await;
    assert_eq!(
        d,
        Delivery::Delivered {
            status: 200,
            attempts: 1
        }
    );
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/hook"));
    assert_eq!(r.header("authorization"), Some("Bearer s3cret-token"));
    assert_eq!(r.header("idempotency-key"), Some(ev.id.as_str()));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.header("user-agent"),
        Some(concat!("harden/", env!("CARGO_PKG_VERSION")))
    );
    let got: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(got["action"], "maintenance-open");
    assert_eq!(got["hosts"][0], "web1");
    assert_eq!(got["actor"]["key_id"], "alice@laptop");
    assert_eq!(got["reason"], "OPS-42 kernel update");
    assert_eq!(body_event(r), ev);
    assert!(n.outbox().list().unwrap().is_empty());
    // The token is not in any debug output.
    assert!(!format!("{n:?}").contains(TOKEN));
}

#[tokio::test]
async fn no_token_no_authorization_header() {
    let dir = tempfile::tempdir().unwrap();
    let cert = TestCert::new();
    let server = Server::start(&cert, vec![Reply::status(204)]).await;
    std::fs::write(dir.path().join("ca.pem"), &cert.pem).unwrap();
    let mut cfg = ReportConfig::new(server.url());
    cfg.ca_file = Some("ca.pem".into());
    let n = Notifier::with_token(&cfg, dir.path(), Some(String::new())).unwrap();
    assert!(!n.has_token());
    assert!(matches!(
        n.send(&event("a")).await,
        Delivery::Delivered { status: 204, .. }
    ));
    assert_eq!(server.requests()[0].header("authorization"), None);
}

#[tokio::test]
async fn retries_after_500() {
    let (_dir, server, n) = serve(vec![Reply::status(500), Reply::status(200)], 3).await;
    let ev = event("db1");
    assert_eq!(
        n.send(&ev).await,
        Delivery::Delivered {
            status: 200,
            attempts: 2
        }
    );
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        assert_eq!(r.header("idempotency-key"), Some(ev.id.as_str()));
    }
    assert!(n.outbox().list().unwrap().is_empty());
}

#[tokio::test]
async fn gives_up_after_retries_and_queues() {
    let (_dir, server, n) = serve(vec![Reply::status(503)], 2).await;
    let d = n.send(&event("a")).await;
    let reason = queued_reason(&d);
    assert!(reason.contains("503"), "{reason}");
    assert!(reason.contains("gave up after 3 attempts"), "{reason}");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn server_down_queues_then_flush_delivers() {
    let dir = tempfile::tempdir().unwrap();
    let cert = TestCert::new();
    // A port that was free a moment ago and has nobody listening now.
    let addr = {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap()
    };
    let url = format!("https://{addr}/hook");
    let n = notifier(dir.path(), &url, &cert, 2);
    let ev = event("web2");
    let d = n.send(&ev).await;
    let Delivery::Queued { reason, file } = &d else {
        panic!("{d:?}")
    };
    assert!(reason.contains("gave up after 3 attempts"), "{reason}");
    assert!(d.to_string().starts_with("NOT REPORTED"), "{d}");
    assert!(file.starts_with(dir.path().join(".harden/outbox")));
    let queued: Event = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    assert_eq!(queued, ev);
    assert_eq!(n.outbox().list().unwrap(), vec![file.clone()]);

    // Still down: flush keeps it.
    let r = n.flush_outbox().await;
    assert_eq!(
        (r.delivered, r.still_queued, r.errors.len()),
        (0, 1, 1),
        "{r:?}"
    );
    assert!(file.exists());

    // The receiver comes up on the same address.
    let server = Server::start_on(addr, &cert, vec![Reply::status(200)]).await;
    let r = n.flush_outbox().await;
    assert_eq!(
        r,
        FlushReport {
            delivered: 1,
            still_queued: 0,
            errors: vec![]
        }
    );
    assert!(r.is_clean());
    assert!(!file.exists());
    assert!(n.outbox().list().unwrap().is_empty());
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(body_event(&reqs[0]), ev);
    assert_eq!(reqs[0].header("idempotency-key"), Some(ev.id.as_str()));
    assert_eq!(reqs[0].header("authorization"), Some("Bearer s3cret-token"));
}

#[tokio::test]
async fn client_error_is_not_retried_and_is_queued() {
    let (_dir, server, n) = serve(vec![Reply::status(400), Reply::status(200)], 3).await;
    let d = n.send(&event("a")).await;
    let Delivery::Queued { reason, file } = &d else {
        panic!("{d:?}")
    };
    assert!(
        reason.contains("400") && reason.contains("not retried"),
        "{reason}"
    );
    assert!(file.exists());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let (_dir, _server, n) = serve(
        vec![
            Reply::status(429).header("Retry-After", "1"),
            Reply::status(200),
        ],
        3,
    )
    .await;
    let started = Instant::now();
    let d = n.send(&event("a")).await;
    let elapsed = started.elapsed();
    assert_eq!(
        d,
        Delivery::Delivered {
            status: 200,
            attempts: 2
        }
    );
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[tokio::test]
async fn retry_after_beyond_the_cap_queues_at_once() {
    let (_dir, server, n) = serve(vec![Reply::status(503).header("Retry-After", "3600")], 3).await;
    let started = Instant::now();
    let d = n.send(&event("a")).await;
    assert!(started.elapsed() < Duration::from_secs(2));
    let reason = queued_reason(&d);
    assert!(reason.contains("retry after 3600s"), "{reason}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn timeout_is_retried() {
    let (_dir, _server, n) = serve(
        vec![
            Reply::status(200).after(Duration::from_secs(3)),
            Reply::status(200),
        ],
        1,
    )
    .await;
    let started = Instant::now();
    let d = n.send(&event("a")).await;
    assert_eq!(
        d,
        Delivery::Delivered {
            status: 200,
            attempts: 2
        }
    );
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[tokio::test]
async fn untrusted_certificate_is_refused_and_not_retried() {
    let dir = tempfile::tempdir().unwrap();
    let served = TestCert::new();
    let trusted = TestCert::new();
    let server = Server::start(&served, vec![Reply::status(200)]).await;
    let n = notifier(dir.path(), &server.url(), &trusted, 3);
    let d = n.send(&event("a")).await;
    let reason = queued_reason(&d);
    assert!(reason.starts_with("TLS: "), "{reason}");
    assert!(reason.contains("not retried"), "{reason}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn flush_keeps_order_and_stops_at_first_failure() {
    let dir = tempfile::tempdir().unwrap();
    let cert = TestCert::new();
    let events: Vec<Event> = (1..=3).map(|i| event(&format!("h{i}"))).collect();
    // Queue three events while nobody listens.
    let addr = {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap()
    };
    let down = notifier(dir.path(), &format!("https://{addr}/hook"), &cert, 0);
    for e in &events {
        assert!(matches!(down.send(e).await, Delivery::Queued { .. }));
    }
    // The receiver takes the first, then fails.
    let server = Server::start(&cert, vec![Reply::status(200), Reply::status(500)]).await;
    let n = notifier(dir.path(), &server.url(), &cert, 0);
    let r = n.flush_outbox().await;
    assert_eq!((r.delivered, r.still_queued), (1, 2), "{r:?}");
    assert_eq!(r.errors.len(), 1);
    assert!(r.errors[0].contains("500"), "{r:?}");
    let left: Vec<Event> = n
        .outbox()
        .list()
        .unwrap()
        .iter()
        .map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap())
        .collect();
    assert_eq!(left, events[1..]);
    drop(server);

    let server = Server::start(&cert, vec![Reply::status(200)]).await;
    let n = notifier(dir.path(), &server.url(), &cert, 0);
    let r = n.flush_outbox().await;
    assert_eq!((r.delivered, r.still_queued), (2, 0), "{r:?}");
    let got: Vec<Event> = server.requests().iter().map(body_event).collect();
    assert_eq!(got, events[1..]);
}

#[tokio::test]
async fn garbage_in_the_outbox_is_set_aside() {
    let (_dir, _server, n) = serve(vec![Reply::status(200)], 0).await;
    let ev = event("a");
    n.outbox().put(&ev, b"{not json").unwrap();
    n.outbox()
        .put(&ev, &serde_json::to_vec(&ev).unwrap())
        .unwrap();
    let r = n.flush_outbox().await;
    assert_eq!((r.delivered, r.still_queued), (1, 0), "{r:?}");
    assert_eq!(r.errors.len(), 1);
    assert!(r.errors[0].contains("not an event"), "{r:?}");
    let bad = std::fs::read_dir(n.outbox().dir())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".json.bad"))
        .count();
    assert_eq!(bad, 1);
}

#[test]
fn plain_http_to_a_remote_host_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = ReportConfig::new("http://hooks.example.com/harden");
    let err = Notifier::with_token(&cfg, dir.path(), None).unwrap_err();
    assert!(matches!(err, NotifyError::Config(ref e) if e.key == "webhook_url"));
    assert!(err.to_string().contains("use https://"), "{err}");
}

#[test]
fn missing_or_empty_ca_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = ReportConfig::new("https://127.0.0.1:9/hook");
    cfg.ca_file = Some("nope.pem".into());
    assert!(matches!(
        Notifier::with_token(&cfg, dir.path(), None),
        Err(NotifyError::CaFile { .. })
    ));
    std::fs::write(dir.path().join("empty.pem"), "").unwrap();
    cfg.ca_file = Some("empty.pem".into());
    assert!(matches!(
        Notifier::with_token(&cfg, dir.path(), None),
        Err(NotifyError::CaFile { .. })
    ));
}

#[test]
fn token_with_a_newline_is_refused_without_showing_it() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = ReportConfig::new("https://127.0.0.1:9/hook");
    let err = Notifier::with_token(&cfg, dir.path(), Some("abc\ndef".into())).unwrap_err();
    assert!(matches!(err, NotifyError::BadToken { .. }));
    assert!(!err.to_string().contains("abc"));
}

/// A receiver that echoes the request headers in its error body: the token
/// must not reach the delivery error, the flush report or the outbox, and
/// the text is one bounded line.
#[tokio::test]
async fn echoed_token_never_reaches_an_error_or_the_outbox() {
    let (_dir, server, n) = serve(vec![Reply::status(401).echoing()], 0).await;
    let d = n.send(&event("a")).await;
    let Delivery::Queued { reason, file } = &d else {
        panic!("{d:?}")
    };
    // The receiver did get the token (and echoed it) ...
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Bearer s3cret-token")
    );
    // ... but harden's message shows neither it nor the echoed header line.
    assert!(reason.contains("HTTP 401"), "{reason}");
    assert!(reason.contains("you sent:"), "{reason}");
    assert!(reason.contains("authorization: <redacted>"), "{reason}");
    let shown = d.to_string();
    assert!(!shown.contains("s3cret"), "{shown}");
    assert!(!shown.contains('\n') && !shown.contains('\r'), "{shown}");
    assert!(
        reason.contains("\\r\\n"),
        "control characters escaped: {reason}"
    );
    let queued = std::fs::read_to_string(file).unwrap();
    assert!(!queued.contains("s3cret"), "{queued}");
    // A flush against the same receiver reports the same scrubbed error.
    let r = n.flush_outbox().await;
    assert_eq!(r.still_queued, 1, "{r:?}");
    let errors = r.errors.join("\n");
    assert!(errors.contains("HTTP 401"), "{errors}");
    assert!(!errors.contains("s3cret"), "{errors}");
    let body_len = reason
        .split_once("HTTP 401 Unauthorized: ")
        .map(|(_, b)| {
            b.split(" (not retried")
                .next()
                .unwrap_or("")
                .chars()
                .count()
        })
        .unwrap_or(usize::MAX);
    assert!(body_len <= super::scrub::MAX_CHARS + 1, "{reason}");
}
