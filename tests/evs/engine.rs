//! `evs` and `cloud-server` through the engine's provider phase
//! (`check_apply_all`) against the stateful OTC fake: encrypted and
//! unencrypted volumes, no volume, a missing or ambiguous server, an
//! address mismatch, a token that expires or is revoked mid-run, 429
//! throttling and 503, and volumes over three pages.

use harden::lab::fake_cloud::otc::{Fault, FaultKind};
use harden::report::model::Status;

use super::{brief, fake, findings_of, world, ADDR, KEY};

const VOLUMES: &str = "cloudvolumes/detail";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encrypted_volumes_in_sync_and_an_unencrypted_one_drifts() {
    let f = fake().await;
    let (data, plain, other) = {
        let mut s = f.lock();
        let srv = s.add_server("db-1", "subnet-1", ADDR);
        let elsewhere = s.add_server("app-1", "subnet-1", "127.0.0.9");
        (
            s.add_volume("db-1-data", Some(&srv), Some(KEY)),
            s.add_volume("db-1-logs", Some(&srv), None),
            s.add_volume("app-1-data", Some(&elsewhere), None),
        )
    };
    let w = world(f, "");
    let out = w.run().await;
    let evs = findings_of(&out, "evs");
    assert_eq!(
        brief(&evs),
        [
            ("evs-volume", format!("{data} (db-1-data)"), Status::InSync),
            ("evs-volume", format!("{plain} (db-1-logs)"), Status::Drift),
            ("evs-key", format!("{data} (db-1-data)"), Status::InSync),
        ],
        "the other server's volume {other} is not judged"
    );
    assert!(
        evs[2].actual.contains(KEY) && evs[2].actual.contains("evs/default"),
        "{:?}",
        evs[2]
    );
    assert!(evs[0].actual.contains(KEY), "{:?}", evs[0]);
    assert!(evs[1].actual.contains("not encrypted"), "{:?}", evs[1]);
    let m = evs[1].message.as_deref().unwrap_or("");
    assert!(
        m.contains("GET /v2/{project_id}/cloudvolumes/detail") && m.contains("LUKS"),
        "{m}"
    );
    assert!(evs
        .iter()
        .all(|f| f.tom == "TOM-1.2-disk-encryption" && f.host == "db-1"));
    let cloud = findings_of(&out, "cloud");
    assert_eq!(
        brief(&cloud),
        [("cloud-server", "server named db-1".into(), Status::InSync)]
    );
    // One token for the account, the name anchored for Nova.
    assert_eq!(w.fake.lock().tokens.len(), 1);
    let lookups = w.sent("servers/detail?name=%5Edb-1%24");
    assert_eq!(
        lookups.len(),
        1,
        "cloud, evs and otc-secgroup share one server lookup per run: {lookups:?}"
    );
    // POSTs: the token, and the one documented read of KMS.
    let posts = w.sent("POST");
    assert!(
        posts
            .iter()
            .all(|l| l.contains("/v3/auth/tokens") || l.ends_with("/kms/describe-key")),
        "{posts:?}"
    );
    assert_eq!(w.sent("describe-key").len(), 1, "{posts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_attached_volume_missing_or_ambiguous_server_are_drift() {
    let f = fake().await;
    let srv = f.lock().add_server("db-1", "subnet-1", ADDR);
    f.lock().add_volume("loose", None, Some(KEY));
    let w = world(f, "");
    let evs = findings_of(&w.run().await, "evs");
    assert_eq!(
        brief(&evs),
        [("evs-volumes", format!("server {srv} (db-1)"), Status::Drift)]
    );
    assert!(
        evs[0].actual.contains("no volume of the 1 listed"),
        "{:?}",
        evs[0]
    );

    // Missing: the inventory names a server the project does not have.
    let w = world(fake().await, "cloud = { server = \"db-1-prod\" }");
    w.fake.lock().add_server("db-1", "subnet-1", ADDR);
    let out = w.run().await;
    let evs = findings_of(&out, "evs");
    assert_eq!(
        brief(&evs),
        [(
            "evs-volumes",
            "server named db-1-prod".into(),
            Status::Drift
        )]
    );
    assert!(
        evs[0].actual.contains("no server named db-1-prod"),
        "{:?}",
        evs[0]
    );
    let cloud = findings_of(&out, "cloud");
    assert_eq!(cloud[0].status, Status::Drift);

    // Ambiguous: two servers of that exact name (and one that only
    // contains it, which the anchors keep out).
    let w = world(fake().await, "");
    for name in ["db-1", "db-1", "db-10"] {
        w.fake.lock().add_server(name, "subnet-1", ADDR);
    }
    let evs = findings_of(&w.run().await, "evs");
    assert_eq!(evs[0].status, Status::Drift);
    assert!(evs[0].actual.contains("2 servers match"), "{:?}", evs[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloud_server_drifts_when_the_server_lacks_the_host_address() {
    let f = fake().await;
    let srv = f.lock().add_server("db-1", "subnet-1", "127.0.0.9");
    f.lock().add_volume("db-1-data", Some(&srv), Some(KEY));
    let w = world(f, "");
    let out = w.run().await;
    let cloud = findings_of(&out, "cloud");
    assert_eq!(
        brief(&cloud),
        [("cloud-server", "server named db-1".into(), Status::Drift)]
    );
    assert!(cloud[0].actual.contains("127.0.0.9"), "{:?}", cloud[0]);
    assert!(cloud[0].expected.contains(ADDR), "{:?}", cloud[0]);
    // By id, the server's own GET.
    let w2 = world(
        fake().await,
        &format!("cloud = {{ server_id = \"{srv}\" }}"),
    );
    w2.fake.lock().servers = w.fake.lock().servers.clone();
    w2.fake.lock().volumes = w.fake.lock().volumes.clone();
    w2.fake.lock().keys = w.fake.lock().keys.clone();
    let out = w2.run().await;
    assert_eq!(findings_of(&out, "cloud")[0].status, Status::Drift);
    assert_eq!(findings_of(&out, "evs")[0].status, Status::InSync);
    assert_eq!(w2.sent(&format!("/servers/{srv}")).len(), 1);
}

fn encrypted_world_seed(f: &harden::lab::fake_cloud::otc::OtcFake, n: usize) -> Vec<String> {
    let mut s = f.lock();
    let srv = s.add_server("db-1", "subnet-1", ADDR);
    (0..n)
        .map(|i| s.add_volume(&format!("v{i}"), Some(&srv), Some(KEY)))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_expiring_or_revoked_mid_run_is_renewed() {
    // The first token is already expired when used: 401, a new token.
    let f = fake().await;
    encrypted_world_seed(&f, 1);
    f.lock().next_lifetimes.push(-5);
    let w = world(f, "");
    let out = w.run().await;
    assert!(findings_of(&out, "evs")
        .iter()
        .all(|f| f.status == Status::InSync));
    assert_eq!(findings_of(&out, "cloud")[0].status, Status::InSync);
    assert_eq!(w.fake.lock().tokens.len(), 2);

    // 60 s left (inside the 5 min margin): renewed before the next call.
    let f = fake().await;
    encrypted_world_seed(&f, 1);
    f.lock().next_lifetimes.push(60);
    let w = world(f, "");
    let out = w.run().await;
    assert!(findings_of(&out, "evs")
        .iter()
        .all(|f| f.status == Status::InSync));
    assert_eq!(w.fake.lock().tokens.len(), 2);

    // Revoked on the volume listing: one 401, one new token, correct.
    let f = fake().await;
    let vols = encrypted_world_seed(&f, 2);
    f.fault(Fault::on(VOLUMES, FaultKind::RevokeToken));
    let w = world(f, "");
    let out = w.run().await;
    let evs = findings_of(&out, "evs");
    assert_eq!(evs.len(), 4, "two volumes, two key findings");
    assert!(evs.iter().all(|f| f.status == Status::InSync));
    assert!(evs[1].item.starts_with(&vols[1]));
    let s = w.fake.lock();
    assert_eq!((s.tokens.len(), s.faults.injected), (2, 1));
    assert!(s.tokens[0].revoked && !s.tokens[1].revoked);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_and_unavailable_are_retried() {
    let f = fake().await;
    let srv = f.lock().add_server("db-1", "subnet-1", ADDR);
    f.lock().add_volume("plain", Some(&srv), None);
    f.fault(Fault::on(VOLUMES, FaultKind::Throttle { retry_after: 1 }));
    f.fault(Fault::on("servers/detail", FaultKind::Status(503)));
    let w = world(f, "");
    let started = std::time::Instant::now();
    let out = w.run().await;
    let evs = findings_of(&out, "evs");
    assert_eq!(evs.len(), 1);
    assert_eq!(
        evs[0].status,
        Status::Drift,
        "the answer after the 429 counts"
    );
    assert_eq!(findings_of(&out, "cloud")[0].status, Status::InSync);
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(900),
        "Retry-After honoured"
    );
    assert_eq!(w.sent(VOLUMES).len(), 2);
    assert_eq!(w.fake.lock().faults.injected, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn volumes_over_three_pages_are_all_read() {
    let f = fake().await;
    let vols = encrypted_world_seed(&f, 5);
    {
        let mut s = f.lock();
        s.evs_page_max = 2;
        // The last volume, on the third page, is not encrypted.
        s.volumes[4].metadata.clear();
    }
    let w = world(f, "");
    let evs = findings_of(&w.run().await, "evs");
    let status: Vec<Status> = evs.iter().map(|f| f.status).collect();
    assert_eq!(
        status,
        [
            Status::InSync,
            Status::InSync,
            Status::InSync,
            Status::InSync,
            Status::Drift,
            Status::InSync,
            Status::InSync,
            Status::InSync,
            Status::InSync,
        ]
    );
    assert!(evs[4].item.starts_with(&vols[4]));
    assert!(evs[5..].iter().all(|f| f.check == "evs-key"));
    assert_eq!(w.sent("describe-key").len(), 1, "one key, described once");
    let pages = w.sent(VOLUMES);
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert!(
        pages[1].ends_with(&format!("marker={}", vols[1])),
        "{pages:?}"
    );
    assert!(
        pages[2].ends_with(&format!("marker={}", vols[3])),
        "{pages:?}"
    );
}
