use super::*;
use crate::ca::testutil::{krl_revokes, ssh_keygen, user_cert, user_key, write_cert, write_pub};
use crate::ca::{CaKey, CaRole, Krl};

fn krl(f: impl FnOnce(&mut Krl)) -> Vec<u8> {
    let mut k = Krl::new(3, 1_000);
    f(&mut k);
    k.to_bytes().unwrap()
}

#[test]
fn finds_what_harden_writes_and_nothing_else() {
    let ca = CaKey::ephemeral(CaRole::User, 1);
    let other = CaKey::ephemeral(CaRole::User, 2);
    let c = user_cert(&ca, "harden-drift/7", 7);
    let caps = ca.public_key();
    assert_eq!(revoked(&krl(|_| {}), &c), Ok(None));
    let cases: Vec<(Vec<u8>, Option<Revoked>)> = vec![
        (
            krl(|k| k.revoke_serial(caps, 7).unwrap()),
            Some(Revoked::Serial(7)),
        ),
        (krl(|k| k.revoke_serial(caps, 8).unwrap()), None),
        (
            krl(|k| k.revoke_serial(other.public_key(), 7).unwrap()),
            None,
        ),
        (
            krl(|k| k.revoke_key_id(caps, "harden-drift/7").unwrap()),
            Some(Revoked::KeyId("harden-drift/7".into())),
        ),
        (
            krl(|k| k.revoke_key_id(caps, "harden-drift/70").unwrap()),
            None,
        ),
        (
            krl(|k| {
                k.revoke_key(&PublicKey::from(c.public_key().clone()))
                    .unwrap()
            }),
            Some(Revoked::Key),
        ),
        (krl(|k| k.revoke_key(caps).unwrap()), Some(Revoked::CaKey)),
        (
            krl(|k| {
                k.revoke_fingerprint(
                    &PublicKey::from(c.public_key().clone()).fingerprint(ssh_key::HashAlg::Sha256),
                )
                .unwrap()
            }),
            Some(Revoked::Key),
        ),
        (krl(|k| k.revoke_key(&user_key()).unwrap()), None),
    ];
    for (i, (bytes, want)) in cases.iter().enumerate() {
        assert_eq!(revoked(bytes, &c).as_ref(), Ok(want), "case {i}");
    }
    // Damaged lists are errors, never a panic.
    let good = &cases[0].0;
    for n in 0..good.len() {
        if let Ok(Some(_)) = revoked(&good[..n], &c) {
            panic!("a list cut at {n} bytes still revoked");
        }
    }
    assert!(revoked(b"SSHKRL\n\0\0\0\0\x02", &c).is_err());
    assert!(revoked(b"not a krl at all", &c).is_err());
}

#[test]
fn agrees_with_ssh_keygen_on_ranges_bitmaps_and_wildcards() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ca = CaKey::ephemeral(CaRole::User, 1);
    let ca_path = write_pub(d, "ca.pub", ca.public_key());
    // ssh-keygen encodes 10-40 as a range and the scattered ones as a bitmap.
    let spec = d.join("spec");
    std::fs::write(&spec, "serial: 10-40\nserial: 100\nserial: 102\nserial: 104\nserial: 106\nserial: 108\nid: lost-laptop\n").unwrap();
    let path = d.join("k.krl");
    let (ok, out) = ssh_keygen(
        &["-k", "-s", &ca_path.to_string_lossy(), "-f"],
        &[&path, &spec],
    );
    assert!(ok, "{out}");
    // A key id revoked under any CA (`-s none`): the wildcard CA section.
    let spec2 = d.join("spec2");
    std::fs::write(&spec2, "id: any-ca-id\n").unwrap();
    let (ok, out) = ssh_keygen(&["-k", "-u", "-s", "none", "-f"], &[&path, &spec2]);
    assert!(ok, "{out}");
    let bytes = std::fs::read(&path).unwrap();
    for (serial, id) in [
        (9, "x"),
        (10, "x"),
        (25, "x"),
        (40, "x"),
        (41, "x"),
        (100, "x"),
        (101, "x"),
        (108, "x"),
        (109, "x"),
        (5, "lost-laptop"),
        (6, "any-ca-id"),
    ] {
        let c = user_cert(&ca, id, serial);
        let p = write_cert(d, "c.pub", &c);
        let theirs = krl_revokes(&path, &p);
        let ours = revoked(&bytes, &c).unwrap();
        assert_eq!(ours.is_some(), theirs, "serial {serial} id {id}: {ours:?}");
    }
}
