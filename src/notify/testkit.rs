//! Fixtures for the delivery tests: a notifier with short retry waits that
//! trusts one test certificate, a receiver to go with it, sample events.

use std::path::Path;
use std::time::Duration;

use super::testserver::{self, Reply, Server, TestCert};
use super::{Delivery, Notifier, ReportConfig, RetryPolicy};
use crate::audit::Event;

/// The bearer token every fixture notifier sends.
pub(super) const TOKEN: &str = "s3cret-token";

pub(super) fn fast() -> RetryPolicy {
    RetryPolicy {
        base: Duration::from_millis(10),
        cap: Duration::from_millis(50),
        retry_after_cap: Duration::from_secs(5),
        budget: Duration::from_secs(20),
    }
}

/// A notifier for `url` trusting only `cert`, with its outbox in `dir`.
pub(super) fn notifier(dir: &Path, url: &str, cert: &TestCert, retries: u32) -> Notifier {
    std::fs::write(dir.join("ca.pem"), &cert.pem).unwrap();
    let mut cfg = ReportConfig::new(url);
    cfg.ca_file = Some("ca.pem".into());
    cfg.timeout_secs = 1;
    cfg.retries = retries;
    Notifier::with_token(&cfg, dir, Some(TOKEN.into()))
        .unwrap()
        .with_policy(fast())
}

/// A receiver answering `replies` in turn, and a notifier trusting it
/// (outbox in the returned temporary directory).
pub(super) async fn serve(
    replies: Vec<Reply>,
    retries: u32,
) -> (tempfile::TempDir, Server, Notifier) {
    let dir = tempfile::tempdir().unwrap();
    let cert = TestCert::new();
    let server = Server::start(&cert, replies).await;
    let n = notifier(dir.path(), &server.url(), &cert, retries);
    (dir, server, n)
}

/// The reason of a queued delivery; any other outcome fails the test.
pub(super) fn queued_reason(d: &Delivery) -> &str {
    match d {
        Delivery::Queued { reason, .. } => reason,
        other => panic!("{other:?}"),
    }
}

pub(super) fn event(host: &str) -> Event {
    Event::new("maintenance-open", vec![host.into()])
        .with_reason("OPS-42 kernel update")
        .with_key_id("alice@laptop")
        .with_details(serde_json::json!({"ports": [22], "minutes": 30}))
}

pub(super) fn body_event(req: &testserver::Request) -> Event {
    serde_json::from_slice(&req.body).unwrap()
}
