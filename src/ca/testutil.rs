//! Test helpers shared by the CA tests: fresh subject keys and the real
//! `ssh-keygen`, which checks that what harden writes is what OpenSSH
//! reads. Production code never runs `ssh-keygen`.

use std::path::Path;
use std::process::Command;

use ssh_key::rand_core::OsRng;
use ssh_key::{Algorithm, Certificate, PrivateKey, PublicKey};

/// A fresh ed25519 public key (a user's or a host's key).
pub fn user_key() -> PublicKey {
    PrivateKey::random(&mut OsRng, Algorithm::Ed25519)
        .expect("ed25519 key generation")
        .public_key()
        .clone()
}

/// A one-hour user certificate for a fresh key, principal `ops-admin`.
pub fn user_cert(ca: &crate::ca::CaKey, key_id: &str, serial: u64) -> Certificate {
    let roles = vec!["ops-admin".to_string()];
    let t = crate::timefmt::now();
    let req = crate::ca::UserCertRequest {
        key_id,
        principals: &roles,
        valid_after: t,
        valid_before: t + 3600,
        serial,
        source_address: None,
        permit_port_forwarding: false,
        permit_agent_forwarding: false,
    };
    crate::ca::sign_user(ca, &user_key(), &req).expect("sign")
}

/// Runs `ssh-keygen` with `args` followed by `paths`; returns whether it
/// exited 0 and its stdout plus stderr. Panics if ssh-keygen is missing:
/// the tests must not pass without the real tool.
pub fn ssh_keygen(args: &[&str], paths: &[&Path]) -> (bool, String) {
    let out = Command::new("ssh-keygen")
        .args(args)
        .args(paths)
        .output()
        .expect("ssh-keygen (openssh-client) must be installed for these tests");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Writes `cert` to `dir/name` in OpenSSH form and returns the path.
pub fn write_cert(dir: &Path, name: &str, cert: &Certificate) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, cert.to_openssh().expect("encode cert")).expect("write cert");
    path
}

/// Writes `key` to `dir/name` in OpenSSH form and returns the path.
pub fn write_pub(dir: &Path, name: &str, key: &PublicKey) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, key.to_openssh().expect("encode key")).expect("write key");
    path
}

/// What `ssh-keygen -Q -f krl file` says about `file`: true when
/// revoked, false when ok; panics with ssh-keygen's output when it could
/// not read the KRL or the key.
pub fn krl_revokes(krl: &Path, file: &Path) -> bool {
    let (ok, out) = ssh_keygen(&["-Q", "-f"], &[krl, file]);
    if out.contains("REVOKED") && !ok {
        true
    } else if out.contains(": ok") && ok {
        false
    } else {
        panic!("ssh-keygen -Q could not check {}: {out}", file.display())
    }
}
