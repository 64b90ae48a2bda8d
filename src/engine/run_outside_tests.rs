//! `gather`'s outside half: the TLS probes of a phase are answered from
//! the controller, every other probe is left to the host.

use std::collections::BTreeSet;

use super::answer_outside;
use crate::backend::tls::testkit::{chain, Server};
use crate::contract::outside::{TlsProbe, TlsSeen};
use crate::contract::Probe;

#[tokio::test]
async fn tls_probes_are_answered_here_and_nothing_else() {
    let srv = Server::start(chain(&["app.internal"], "app", "O", "CA"), None, 1);
    let set: BTreeSet<Probe> = [
        Probe::File("/etc/haproxy/haproxy.cfg".into()),
        Probe::cmd("x", "true"),
        Probe::Tls(TlsProbe {
            id: "hiding:portal".into(),
            addr: srv.addr.ip(),
            port: srv.addr.port(),
            sni: None,
            http: None,
        }),
    ]
    .into_iter()
    .collect();
    let got = answer_outside(&set).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "hiding:portal");
    let TlsSeen::Connected(s) = &got[0].1 else {
        panic!("{got:?}");
    };
    assert_eq!(s.chain[0].dns_names, vec!["app.internal"]);
}

#[tokio::test]
async fn no_tls_probe_no_connection() {
    let set: BTreeSet<Probe> = [Probe::File("/etc/hosts".into())].into_iter().collect();
    assert!(answer_outside(&set).await.is_empty());
}
