//! The `evs-key` check through the engine against the stateful OTC fake:
//! each KMS-encrypted volume's key must be enabled. Enabled: in sync,
//! naming the alias; disabled or scheduled for deletion: drift naming the
//! volume, the key and the state (and the date); 403 and 404: failed,
//! naming the missing permission or the missing key; a key shared by two
//! volumes is described once; hostile answers are refused, escaped.

use harden::report::model::{Finding, Status};

use super::{fake, findings_of, world, ADDR, KEY};

const OTHER_KEY: &str = "4c2d0e3f-2222-4d4d-8e8e-0123456789ab";

fn keys(evs: &[Finding]) -> Vec<&Finding> {
    evs.iter().filter(|f| f.check == "evs-key").collect()
}

/// A world with two volumes on `KEY` and one on `OTHER_KEY`.
async fn three_volumes() -> (super::World, [String; 3]) {
    let f = fake().await;
    let vols = {
        let mut s = f.lock();
        let srv = s.add_server("db-1", "subnet-1", ADDR);
        [
            s.add_volume("data", Some(&srv), Some(KEY)),
            s.add_volume("logs", Some(&srv), Some(KEY)),
            s.add_volume("wal", Some(&srv), Some(OTHER_KEY)),
        ]
    };
    (world(f, ""), vols)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enabled_keys_in_sync_and_each_key_described_once() {
    let (w, vols) = three_volumes().await;
    w.fake.lock().key_mut(KEY).expect("key").alias = "evs/db-1".into();
    let evs = findings_of(&w.run().await, "evs");
    let k = keys(&evs);
    assert_eq!(k.len(), 3, "{evs:?}");
    assert!(k.iter().all(|f| f.status == Status::InSync), "{k:?}");
    assert!(k[0].item.starts_with(&vols[0]) && k[1].item.starts_with(&vols[1]));
    assert!(
        k[0].actual.contains(KEY) && k[0].actual.contains("alias evs/db-1"),
        "{:?}",
        k[0]
    );
    assert!(k[2].actual.contains(OTHER_KEY), "{:?}", k[2]);
    let described = w.sent("describe-key");
    assert_eq!(described.len(), 2, "two keys, two reads: {described:?}");
    assert!(described
        .iter()
        .all(|l| l == "POST /v1.0/0123456789abcdef0123456789abcdef/kms/describe-key"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabled_and_pending_deletion_drift_naming_volume_key_and_state() {
    let (w, vols) = three_volumes().await;
    {
        let mut s = w.fake.lock();
        s.key_mut(KEY).expect("key").state = "3".into();
        let k = s.key_mut(OTHER_KEY).expect("key");
        k.state = "4".into();
        k.deletion = "1798761600000".into();
    }
    let evs = findings_of(&w.run().await, "evs");
    let k = keys(&evs);
    assert_eq!(
        k.iter().map(|f| f.status).collect::<Vec<_>>(),
        [Status::Drift; 3],
        "{k:?}"
    );
    for (f, vol, key) in [(k[0], &vols[0], KEY), (k[1], &vols[1], KEY)] {
        let m = f.message.as_deref().unwrap_or("");
        assert!(m.contains(vol.as_str()) && m.contains(key), "{m}");
        assert!(f.actual.contains("is disabled (key_state 3)"), "{:?}", f);
        assert!(m.contains("enable the key"), "{m}");
        assert_eq!(f.expected, format!("KMS key {key} enabled (key_state 2)"));
    }
    let m = k[2].message.as_deref().unwrap_or("");
    assert!(
        k[2].actual
            .contains("scheduled for deletion on 2027-01-01T00:00:00Z (key_state 4)"),
        "{:?}",
        k[2]
    );
    assert!(
        m.contains(vols[2].as_str()) && m.contains(OTHER_KEY) && m.contains("cancel"),
        "{m}"
    );

    // Pending import (5): drift in words.
    w.fake.lock().key_mut(OTHER_KEY).expect("key").state = "5".into();
    let evs = findings_of(&w.run().await, "evs");
    assert!(
        keys(&evs)[2]
            .actual
            .contains("waiting for its key material"),
        "{evs:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_and_unknown_keys_fail_with_the_fix() {
    let (w, _) = three_volumes().await;
    w.fake.lock().kms_forbidden = true;
    let evs = findings_of(&w.run().await, "evs");
    let k = keys(&evs);
    assert!(k.iter().all(|f| f.status == Status::Failed), "{k:?}");
    let m = k[0].message.as_deref().unwrap_or("");
    assert!(
        m.contains("403") && m.contains("kms:cmk:get") && m.contains(KEY),
        "{m}"
    );
    // The volumes' own encryption is still judged.
    assert!(evs
        .iter()
        .filter(|f| f.check == "evs-volume")
        .all(|f| f.status == Status::InSync));

    let (w, vols) = three_volumes().await;
    w.fake.lock().keys.retain(|k| k.id != OTHER_KEY);
    let evs = findings_of(&w.run().await, "evs");
    let k = keys(&evs);
    assert_eq!(
        k.iter().map(|f| f.status).collect::<Vec<_>>(),
        [Status::InSync, Status::InSync, Status::Failed]
    );
    let m = k[2].message.as_deref().unwrap_or("");
    assert!(
        m.contains("404") && m.contains("no such key") && m.contains(&vols[2]),
        "{m}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_key_answers_are_refused_and_escaped() {
    let (w, _) = three_volumes().await;
    {
        let mut s = w.fake.lock();
        s.key_mut(KEY).expect("key").state = "2".repeat(10_000);
        s.key_mut(OTHER_KEY).expect("key").alias = "evil\u{1b}]0;pwned\u{7}\r\nX".into();
    }
    let evs = findings_of(&w.run().await, "evs");
    let k = keys(&evs);
    assert!(k.iter().all(|f| f.status == Status::Failed), "{k:?}");
    let m0 = k[0].message.as_deref().unwrap_or("");
    assert!(
        m0.contains("not one of KMS's states") && m0.len() < 1000,
        "{m0}"
    );
    let m2 = k[2].message.as_deref().unwrap_or("");
    assert!(m2.contains("key_alias"), "{m2}");
    for f in &k {
        let shown = format!(
            "{}{}{}",
            f.expected,
            f.actual,
            f.message.as_deref().unwrap_or("")
        );
        assert!(!shown.chars().any(char::is_control), "{shown:?}");
        assert!(!shown.contains("pwned\u{7}"), "{shown:?}");
    }

    // A deletion date that is no time, and a state of the wrong type.
    {
        let mut s = w.fake.lock();
        s.key_mut(KEY).expect("key").state = "4".into();
        s.key_mut(KEY).expect("key").deletion = "tomorrow".into();
    }
    let evs = findings_of(&w.run().await, "evs");
    let m = keys(&evs)[0].message.clone().unwrap_or_default();
    assert!(m.contains("not a time in milliseconds"), "{m}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_shared_by_two_hosts_is_described_once_per_run() {
    let f = fake().await;
    {
        let mut s = f.lock();
        let one = s.add_server("db-1", "subnet-1", ADDR);
        let two = s.add_server("db-2", "subnet-1", "127.0.0.2");
        s.add_volume("one", Some(&one), Some(KEY));
        s.add_volume("two", Some(&two), Some(KEY));
    }
    let second = "\n[[hosts]]\nname = \"db-2\"\naddress = \"127.0.0.2\"\nprovider = \"telekom\"\n\
                  environment = \"production\"\nroles = [\"data\"]\ndisks = []\n";
    let w = world(f, second);
    let out = w.run().await;
    assert_eq!(out.len(), 2);
    for host in &out {
        let evs = host
            .outcomes
            .iter()
            .find(|o| o.control == "evs")
            .expect("evs ran");
        assert!(evs.error.is_none(), "{:?}", evs.error);
        let k = keys(&evs.findings);
        assert_eq!(k.len(), 1, "{:?}", evs.findings);
        assert_eq!(k[0].status, Status::InSync, "{:?}", k[0]);
    }
    let described = w.sent("describe-key");
    assert_eq!(
        described.len(),
        1,
        "one key, one read per run: {described:?}"
    );
}
