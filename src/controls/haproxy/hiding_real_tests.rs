//! The outside checks end to end: the probes of a gatekeeper listening on
//! 127.0.0.1, answered by the real client against local rustls servers
//! whose certificates carry internal names (rcgen), then judged.

use super::testkit::*;
use super::*;
use crate::backend::tls::testkit::{chain, Server};
use crate::report::model::Status;

async fn seen_from(srv: &Server, mode: Mode) -> Vec<Finding> {
    let inv = inv(vec![service(
        "portal",
        vec![listen(Some("127.0.0.1"), srv.addr.port())],
        &["portal.example.com"],
        mode,
    )]);
    let ps = tls_probes(&inv);
    let mut facts = Facts::default();
    for (id, seen) in crate::backend::tls::answer(ps).await {
        facts.set_tls(&id, seen);
    }
    findings(&ctx(&inv), &facts)
}

#[tokio::test]
async fn a_real_backend_certificate_with_internal_names_is_found() {
    let srv = Server::start(
        chain(
            &["portal.example.com", "db1.otc.internal", "10.20.0.11"],
            "otc-app-1",
            "Ops",
            "OTC Backend CA",
        ),
        None,
        1,
    );
    let fs = seen_from(&srv, Mode::Passthrough).await;
    let d = drifting(&fs);
    assert_eq!(d.len(), 1, "{fs:#?}");
    for part in [
        "db1.otc.internal",
        "10.20.0.11 (the address of backend otc-app-1)",
        "subject CN otc-app-1",
    ] {
        assert!(d[0].actual.contains(part), "{part}: {}", d[0].actual);
    }
}

#[tokio::test]
async fn a_real_clean_certificate_and_response_are_in_sync() {
    let reply = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n";
    let srv = Server::start(
        chain(
            &["portal.example.com"],
            "portal.example.com",
            "Example GmbH",
            "Example Public CA",
        ),
        Some(reply),
        1,
    );
    let fs = seen_from(&srv, reencrypt()).await;
    assert_eq!(fs.len(), 3, "{fs:#?}");
    assert!(fs.iter().all(|f| f.status == Status::InSync), "{fs:#?}");
}

#[tokio::test]
async fn a_real_response_naming_its_server_is_found() {
    let reply = "HTTP/1.1 200 OK\r\nServer: Apache/2.4.57 (Debian)\r\nX-Backend: otc-app-2\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
    let srv = Server::start(
        chain(
            &["portal.example.com"],
            "portal.example.com",
            "Example",
            "CA",
        ),
        Some(reply),
        1,
    );
    let fs = seen_from(&srv, reencrypt()).await;
    let d = drifting(&fs);
    assert_eq!(d.len(), 1, "{fs:#?}");
    assert!(
        d[0].actual
            .contains("response header server Apache/2.4.57 (Debian)"),
        "{}",
        d[0].actual
    );
    assert!(
        d[0].actual.contains("response header x-backend otc-app-2"),
        "{}",
        d[0].actual
    );
}
