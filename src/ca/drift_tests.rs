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
