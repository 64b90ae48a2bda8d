//! Unit tests of the KRL encoder and of revoking through the store.

use super::*;
use crate::ca::store::{CaKey, CaRole, CaStore};
use crate::ca::testutil::{krl_revokes, ssh_keygen, user_cert, user_key, write_cert, write_pub};
use ssh_key::Certificate;
use ssh_key::HashAlg;
use std::path::Path;

const PASS: &str = "krl test passphrase";

fn cert(ca: &CaKey, key_id: &str, serial: u64) -> Certificate {
    user_cert(ca, key_id, serial)
}

fn write_krl(dir: &Path, krl: &Krl) -> std::path::PathBuf {
    let path = dir.join("revoked.krl");
    std::fs::write(&path, krl.to_bytes().expect("encode")).expect("write");
    path
}

#[test]
fn empty_krl_is_header_only_and_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let krl = Krl::new(1, 1_795_000_000);
    assert!(krl.is_empty());
    let bytes = krl.to_bytes().expect("encode");
    assert_eq!(&bytes[..8], b"SSHKRL\n\0");
    assert_eq!(bytes.len(), 8 + 4 + 8 + 8 + 8 + 4 + 4);
    let path = write_krl(dir.path(), &krl);
    let key = write_pub(dir.path(), "id.pub", &user_key());
    assert!(!krl_revokes(&path, &key));
    let (ok, out) = ssh_keygen(&["-Q", "-l", "-f"], &[&path]);
    assert!(ok, "{out}");
    assert!(out.contains("# KRL version 1"), "{out}");
}

#[test]
fn keys_serials_and_key_ids_are_revoked_and_nothing_else() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let ca = CaKey::ephemeral(CaRole::User, 1);
    let other_ca = CaKey::ephemeral(CaRole::User, 2);
    let bad_key = user_key();
    let fp_key = user_key();
    let good_key = user_key();
    let by_serial = cert(&ca, "carol@laptop", 17);
    let same_serial_other_ca = cert(&other_ca, "dave@laptop", 17);
    let by_id = cert(&ca, "mallory@laptop", 18);
    let unrelated = cert(&ca, "alice@laptop", 19);

    let mut krl = Krl::new(3, timefmt::now());
    krl.revoke_key(&bad_key).expect("key");
    krl.revoke_fingerprint(&fp_key.fingerprint(HashAlg::Sha256))
        .expect("fingerprint");
    krl.revoke_serial(ca.public_key(), 17).expect("serial");
    krl.revoke_key_id(ca.public_key(), "mallory@laptop")
        .expect("key id");
    assert!(krl.revoke_serial(ca.public_key(), 0).is_err());
    assert!(krl
        .revoke_fingerprint(&fp_key.fingerprint(HashAlg::Sha512))
        .is_err());
    let path = write_krl(d, &krl);

    assert!(krl_revokes(&path, &write_pub(d, "bad.pub", &bad_key)));
    assert!(krl_revokes(&path, &write_pub(d, "fp.pub", &fp_key)));
    assert!(!krl_revokes(&path, &write_pub(d, "good.pub", &good_key)));
    assert!(krl_revokes(
        &path,
        &write_cert(d, "serial-cert.pub", &by_serial)
    ));
    assert!(krl_revokes(&path, &write_cert(d, "id-cert.pub", &by_id)));
    assert!(!krl_revokes(
        &path,
        &write_cert(d, "ok-cert.pub", &unrelated)
    ));
    assert!(!krl_revokes(
        &path,
        &write_cert(d, "other-ca-cert.pub", &same_serial_other_ca)
    ));

    // Revoking the CA key itself revokes every certificate it signed.
    krl.revoke_key(ca.public_key()).expect("ca key");
    let path = write_krl(d, &krl);
    assert!(krl_revokes(
        &path,
        &write_cert(d, "ok-cert.pub", &unrelated)
    ));
    assert!(!krl_revokes(
        &path,
        &write_cert(d, "other-ca-cert.pub", &same_serial_other_ca)
    ));
}

#[test]
fn encoding_matches_ssh_keygen_byte_for_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let ca = CaKey::ephemeral(CaRole::User, 1);
    let ca_path = write_pub(d, "ca.pub", ca.public_key());
    let key = user_key();
    let fp_key = user_key();
    let spec = d.join("spec");
    std::fs::write(
        &spec,
        format!(
            "serial: 5\nid: alice@laptop\nkey: {}\nhash: {}\n",
            key.to_openssh().expect("key"),
            fp_key.fingerprint(HashAlg::Sha256)
        ),
    )
    .expect("write spec");
    let theirs_path = d.join("theirs.krl");
    let (ok, out) = ssh_keygen(
        &["-k", "-z", "7", "-s", &ca_path.to_string_lossy(), "-f"],
        &[&theirs_path, &spec],
    );
    assert!(ok, "{out}");
    let theirs = std::fs::read(&theirs_path).expect("read");

    let mut krl = Krl::new(7, 0);
    krl.revoke_serial(ca.public_key(), 5).expect("serial");
    krl.revoke_key_id(ca.public_key(), "alice@laptop")
        .expect("id");
    krl.revoke_key(&key).expect("key");
    krl.revoke_fingerprint(&fp_key.fingerprint(HashAlg::Sha256))
        .expect("fp");
    // Same generated date as ssh-keygen's (header bytes 20..28).
    let mut date = [0u8; 8];
    date.copy_from_slice(&theirs[20..28]);
    krl.generated_at = u64::from_be_bytes(date);
    assert_eq!(krl.to_bytes().expect("encode"), theirs);
}

#[test]
fn store_revocations_end_up_in_the_krl() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().join("ca");
    let mut store = CaStore::init(&d, PASS).expect("init");
    let ca = store.unlock(CaRole::User, PASS).expect("unlock");
    let krl_path = dir.path().join("revoked.krl");
    let write = |store: &CaStore| {
        std::fs::write(&krl_path, store.krl_bytes().expect("krl")).expect("write");
    };
    write(&store);
    let v1 = store.state().krl_version;

    let s1 = store.allocate_serial().expect("serial");
    let s2 = store.allocate_serial().expect("serial");
    let s3 = store.allocate_serial().expect("serial");
    let c1 = cert(&ca, "erin@laptop", s1);
    let c2 = cert(&ca, "frank@laptop", s2);
    let c3 = cert(&ca, "grace@laptop", s3);
    let lost = user_key();
    let (p1, p2, p3) = (
        write_cert(dir.path(), "c1.pub", &c1),
        write_cert(dir.path(), "c2.pub", &c2),
        write_cert(dir.path(), "c3.pub", &c3),
    );
    let lost_path = write_pub(dir.path(), "lost.pub", &lost);
    for p in [&p1, &p2, &p3, &lost_path] {
        assert!(!krl_revokes(&krl_path, p));
    }

    assert!(store.revoke_serial(s1, "laptop stolen").expect("revoke"));
    assert!(!store.revoke_serial(s1, "again").expect("idempotent"));
    assert!(store
        .revoke_key_id("frank@laptop", "left the company")
        .expect("revoke"));
    assert!(store.revoke_key(&lost, "key lost").expect("revoke"));
    assert!(store.revoke_serial(99, "typo").is_err());
    assert!(store.revoke_serial(s3, " ").is_err());
    let err = store
        .revoke_key(ca.public_key(), "oops")
        .expect_err("live CA key");
    assert!(err.to_string().contains("rotate"), "{err}");

    assert_eq!(store.state().krl_version, v1 + 3);
    // serial: 2 CA keys; key id: 2 CA keys; key: 1.
    assert_eq!(store.revocations().len(), 5);
    let reopened = CaStore::open(&d).expect("open");
    assert_eq!(reopened.revocations(), store.revocations());
    assert_eq!(
        reopened.krl_bytes().expect("krl"),
        store.krl_bytes().expect("krl")
    );

    write(&store);
    assert!(krl_revokes(&krl_path, &p1));
    assert!(krl_revokes(&krl_path, &p2));
    assert!(!krl_revokes(&krl_path, &p3));
    assert!(krl_revokes(&krl_path, &lost_path));
}
