//! Unit tests of the CA directory: modes, passphrases, serials, lock.

use super::key::new_key;
use super::*;
use crate::ca::testutil::ssh_keygen;
use ssh_key::LineEnding;
use std::os::unix::fs::PermissionsExt;

const PASS: &str = "correct horse battery staple";

fn mode(path: &Path) -> u32 {
    fs::metadata(path).expect("stat").permissions().mode() & 0o777
}

#[test]
fn init_writes_encrypted_0600_keys_and_refuses_overwrite() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("ca");
    let store = CaStore::init(&dir, PASS).expect("init");
    assert_eq!(mode(&dir), 0o700);
    for role in CaRole::ALL {
        let key = dir.join(role.key_file(1));
        assert_eq!(mode(&key), 0o600, "{}", key.display());
        let pub_key = dir.join(format!("{}.pub", role.key_file(1)));
        assert_eq!(mode(&pub_key), 0o644, "{}", pub_key.display());
        let parsed = PrivateKey::read_openssh_file(&key).expect("read key");
        assert!(parsed.is_encrypted(), "{} is not encrypted", key.display());
        assert_eq!(parsed.kdf().algorithm(), ssh_key::KdfAlg::Bcrypt);
        let public = PublicKey::read_openssh_file(&pub_key).expect("read pub");
        assert_eq!(
            public.fingerprint(HashAlg::Sha256).to_string(),
            store.current().fingerprint(role)
        );
        // Same format as ssh-keygen: it opens the key with the passphrase only.
        let (ok, out) = ssh_keygen(&["-y", "-P", PASS, "-f"], &[&key]);
        assert!(ok, "{out}");
        let derived = PublicKey::from_openssh(out.trim()).expect("ssh-keygen -y output");
        assert_eq!(derived.key_data(), public.key_data());
        let (ok, _) = ssh_keygen(&["-y", "-P", "wrong", "-f"], &[&key]);
        assert!(
            !ok,
            "ssh-keygen opened {} with a wrong passphrase",
            key.display()
        );
    }
    assert_ne!(store.current().user_ca, store.current().host_ca);
    assert_eq!(mode(&dir.join(STATE_FILE)), 0o600);
    assert!(!dir.join(LOCK_FILE).exists(), "lock left behind");

    let again = CaStore::init(&dir, PASS).expect_err("second init must fail");
    assert!(matches!(&again, Error::Exists { path } if path == &dir.join(STATE_FILE)));
    assert!(again.to_string().contains("state.json"), "{again}");

    // A stray key file without state.json is not overwritten either.
    let other = tmp.path().join("other");
    fs::create_dir(&other).expect("mkdir");
    fs::write(other.join("user-ca-1"), "mine").expect("write");
    let err = CaStore::init(&other, PASS).expect_err("must not clobber");
    assert!(matches!(&err, Error::Exists { path } if path.ends_with("user-ca-1")));
    assert_eq!(
        fs::read_to_string(other.join("user-ca-1")).expect("read"),
        "mine"
    );
    assert!(!other.join("host-ca-1").exists() && !other.join(STATE_FILE).exists());
}

#[test]
fn passphrase_checks() {
    let tmp = tempfile::tempdir().expect("tempdir");
    assert!(matches!(
        CaStore::init(tmp.path(), ""),
        Err(Error::EmptyPassphrase)
    ));
    let store = CaStore::init(tmp.path(), PASS).expect("init");
    let err = store
        .unlock(CaRole::User, "wrong")
        .expect_err("wrong passphrase");
    assert!(
        matches!(&err, Error::WrongPassphrase { path } if path.ends_with("user-ca-1")),
        "{err:?}"
    );
    assert!(err.to_string().contains("wrong passphrase"), "{err}");
    assert!(matches!(
        store.unlock(CaRole::Host, ""),
        Err(Error::EmptyPassphrase)
    ));
    let key = store.unlock(CaRole::Host, PASS).expect("unlock");
    assert_eq!(key.role(), CaRole::Host);
    assert_eq!(
        key.fingerprint().to_string(),
        store.current().host_ca_fingerprint
    );

    // Debug output names the key but never contains its secret half.
    let secret = key
        .private_key()
        .key_data()
        .ed25519()
        .expect("ed25519")
        .private
        .to_bytes();
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    let debug = format!("{key:?} {store:?}");
    assert!(debug.contains("SHA256:"), "{debug}");
    assert!(!debug.contains(&hex), "private key in Debug output");
    assert!(
        !debug.contains(&format!("{:?}", secret)),
        "private key in Debug output"
    );
}

#[test]
fn swapped_or_unencrypted_keys_are_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = CaStore::init(tmp.path(), PASS).expect("init");
    let user = store.key_path(CaRole::User, 1);
    let host = store.key_path(CaRole::Host, 1);
    fs::rename(&user, tmp.path().join("u")).expect("mv");
    fs::rename(&host, &user).expect("mv");
    let err = store.unlock(CaRole::User, PASS).expect_err("swapped key");
    assert!(matches!(err, Error::BadKey { .. }), "{err:?}");

    let plain = new_key(CaRole::Host, 1).expect("key");
    fs::write(&host, plain.to_openssh(LineEnding::LF).expect("pem")).expect("write");
    let err = store.unlock(CaRole::Host, PASS).expect_err("plain key");
    assert!(err.to_string().contains("unencrypted"), "{err}");
}

#[test]
fn serials_are_monotonic_and_persisted() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut store = CaStore::init(tmp.path(), PASS).expect("init");
    assert_eq!(store.allocate_serial().expect("serial"), 1);
    assert_eq!(store.allocate_serial().expect("serial"), 2);
    let mut reopened = CaStore::open(tmp.path()).expect("open");
    assert_eq!(reopened.allocate_serial().expect("serial"), 3);
    // A stale in-memory store re-reads the state before allocating.
    assert_eq!(store.allocate_serial().expect("serial"), 4);
    let json = fs::read_to_string(tmp.path().join(STATE_FILE)).expect("read");
    assert!(json.contains("\"next_serial\": 5"), "{json}");
    let leftovers: Vec<_> = fs::read_dir(tmp.path())
        .expect("ls")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".state.json") || n == LOCK_FILE)
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn lock_and_missing_state_errors_name_the_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let err = CaStore::open(tmp.path()).expect_err("no CA");
    assert!(matches!(err, Error::Missing { .. }));
    assert!(err.to_string().contains("state.json"), "{err}");

    let mut store = CaStore::init(tmp.path(), PASS).expect("init");
    fs::write(tmp.path().join(LOCK_FILE), "4242\n").expect("write");
    let err = store.allocate_serial().expect_err("locked");
    assert!(matches!(&err, Error::Locked { path } if path.ends_with(LOCK_FILE)));
    fs::remove_file(tmp.path().join(LOCK_FILE)).expect("rm");
    assert_eq!(store.allocate_serial().expect("serial"), 1);

    fs::write(tmp.path().join(STATE_FILE), "{").expect("write");
    assert!(matches!(
        CaStore::open(tmp.path()),
        Err(Error::BadState { .. })
    ));
}
