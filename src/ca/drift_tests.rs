use super::*;
use crate::ca::testutil::user_key;

#[test]
fn drift_certificate_is_forced_to_the_runner_with_no_extension() {
    let ca = CaKey::ephemeral(CaRole::User, 1);
    let c = sign_drift(
        &ca,
        &user_key(),
        "harden-drift/7",
        7,
        1_000_000,
        86_400,
        None,
    )
    .unwrap();
    assert_eq!(
        c.valid_principals(),
        [crate::drift_access::PRINCIPAL.to_string()]
    );
    assert_eq!(
        c.critical_options()
            .get("force-command")
            .map(String::as_str),
        Some(crate::drift_access::RUNNER)
    );
    assert!(c.extensions().is_empty(), "{:?}", c.extensions());
    assert_eq!(c.serial(), 7);
    // the CI side accepts it while valid, refuses it once expired
    let dir = credential_dir(&c);
    let ok = crate::drift_access::credential::load(dir.path(), 1_000_100).unwrap();
    assert_eq!(ok.key_id, "harden-drift/7");
    let e = crate::drift_access::credential::load(dir.path(), 2_000_000).unwrap_err();
    assert!(e.0.contains("expired"), "{e}");
}

#[test]
fn refuses_host_ca_and_long_validity() {
    let host = CaKey::ephemeral(CaRole::Host, 1);
    assert!(sign_drift(&host, &user_key(), "d", 1, 10, 10, None).is_err());
    let ca = CaKey::ephemeral(CaRole::User, 1);
    assert!(sign_drift(&ca, &user_key(), "d", 1, 10, MAX_DRIFT_VALIDITY + 1, None).is_err());
}

/// A credential directory holding a fresh key and `c`.
fn credential_dir(c: &ssh_key::Certificate) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let key = ssh_key::PrivateKey::random(&mut OsRng, ssh_key::Algorithm::Ed25519).unwrap();
    std::fs::write(
        dir.path().join(crate::drift_access::credential::KEY),
        key.to_openssh(ssh_key::LineEnding::LF).unwrap().as_bytes(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join(crate::drift_access::credential::CERT),
        c.to_openssh().unwrap(),
    )
    .unwrap();
    dir
}

#[test]
fn a_revoked_retired_or_early_credential_is_refused_before_any_connection() {
    use crate::drift_access::credential::load;
    let ca = CaKey::ephemeral(CaRole::User, 1);
    let c = sign_drift(
        &ca,
        &user_key(),
        "harden-drift/9",
        9,
        1_000_000,
        86_400,
        None,
    )
    .unwrap();
    let dir = credential_dir(&c);
    let cred = load(dir.path(), 1_000_100).unwrap();
    let trusted = [ca.public_key().clone()];
    let empty = crate::ca::Krl::new(1, 0).to_bytes().unwrap();
    assert_eq!(cred.check_ca(&trusted, &empty), Ok(()));

    let mut krl = crate::ca::Krl::new(2, 0);
    krl.revoke_serial(ca.public_key(), 9).unwrap();
    let e = cred
        .check_ca(&trusted, &krl.to_bytes().unwrap())
        .unwrap_err();
    assert!(e.to_string().contains("serial 9 is revoked"), "{e}");
    assert!(e.to_string().contains("harden ca sign-drift"), "{e}");
    assert_eq!(e.to_string().lines().count(), 1, "{e}");

    let mut krl = crate::ca::Krl::new(2, 0);
    krl.revoke_key_id(ca.public_key(), "harden-drift/9")
        .unwrap();
    let e = cred
        .check_ca(&trusted, &krl.to_bytes().unwrap())
        .unwrap_err();
    assert!(e.to_string().contains("key id harden-drift/9"), "{e}");

    let newer = CaKey::ephemeral(CaRole::User, 2);
    let e = cred
        .check_ca(&[newer.public_key().clone()], &empty)
        .unwrap_err();
    assert!(e.to_string().contains("no longer trusts"), "{e}");

    let e = cred.check_ca(&trusted, b"garbage").unwrap_err();
    assert!(e.to_string().contains("revocation list"), "{e}");

    // Before its validity window (the CI clock is behind): refused offline.
    let e = load(dir.path(), 1_000_000 - super::super::sign::CLOCK_SKEW - 10).unwrap_err();
    assert!(e.0.contains("not valid before"), "{e}");
}

#[test]
fn a_host_refusing_the_credential_is_explained() {
    let ca = CaKey::ephemeral(CaRole::User, 1);
    let cidr = [crate::inventory::net::Cidr::parse("10.213.0.2/32").unwrap()];
    let plain = sign_drift(
        &ca,
        &user_key(),
        "harden-drift/4",
        4,
        1_000_000,
        86_400,
        None,
    )
    .unwrap();
    let src = sign_drift(
        &ca,
        &user_key(),
        "harden-drift/5",
        5,
        1_000_000,
        86_400,
        Some(&cidr),
    )
    .unwrap();
    let reason = "otc-app-1: cannot connect: Permission denied (publickey)";
    assert!(crate::drift_access::credential::auth_refused(reason));
    assert!(!crate::drift_access::credential::auth_refused(
        "No route to host"
    ));
    let m = crate::drift_access::credential::explain_refused(&plain, reason);
    assert!(m.starts_with(reason), "{m}");
    assert!(
        m.contains("serial 4") && m.contains("revocation list"),
        "{m}"
    );
    assert!(
        m.contains("harden ca sign-drift") && m.contains("harden apply"),
        "{m}"
    );
    assert!(!m.contains("source-address"), "{m}");
    let m = crate::drift_access::credential::explain_refused(&src, reason);
    assert!(m.contains("source-address list (10.213.0.2/32)"), "{m}");
}
