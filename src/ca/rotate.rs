//! CA rotation: new key generations, and retiring old ones.
//!
//! The lifecycle, as the SSH CA practice of Teleport and others does it:
//!
//! 1. [`rotate`] creates generation N+1 (a new user CA and a new host CA,
//!    encrypted under the same passphrase, which must open generation N).
//!    From then on `CaStore::unlock` returns the new keys, so every new
//!    certificate is signed by generation N+1, while the old public keys
//!    stay in `CaStore::trusted_keys` (two `TrustedUserCAKeys` lines, two
//!    `@cert-authority` lines), so certificates signed before the
//!    rotation keep working.
//! 2. Deploy both keys, and re-sign host certificates with the new host
//!    CA (host certificates live up to 90 days, user certificates at most
//!    a day).
//! 3. [`retire`] removes every generation but the newest from the trusted
//!    list and adds their CA public keys to the revocation list, so any
//!    certificate they signed is refused even where a stale trust line
//!    survives. By default it refuses to run before the newest generation
//!    is older than the longest user certificate (24 h plus clock skew);
//!    [`Retire::Immediately`] skips that wait, for a compromised CA key.
//!
//! Private keys of retired generations are **deleted**, not kept: a
//! retired CA key is revoked and can never be trusted again, so keeping
//! it only leaves something to steal (encrypted or not). Public keys stay
//! (the `.pub` files and `state.json`), for the audit trail and the KRL.
//! Deletion happens after the new state is safely written; if it fails,
//! the error names the file to delete by hand.

use std::fs;
use std::io;

use super::krl::{entry, key_text, record, RevocationKind};
use super::sign::{CLOCK_SKEW, MAX_USER_VALIDITY};
use super::store::{create_generation, CaRole, CaStore, STATE_FILE};
use super::Error;
use crate::timefmt;

/// Whether [`retire`] waits for certificates of the old generation to
/// expire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retire {
    /// Refuse while user certificates signed by the old generation may
    /// still be valid (the normal, scheduled rotation).
    AfterGrace,
    /// Retire now, cutting off every certificate of the old generation
    /// (the old CA key is compromised).
    Immediately,
}

/// Creates a new CA generation and makes it the one that signs; returns
/// its number. `passphrase` must open the current generation and
/// encrypts the new keys.
pub fn rotate(store: &mut CaStore, passphrase: &str) -> Result<u32, Error> {
    // One passphrase for all generations: prove it opens the current one.
    store.unlock(CaRole::User, passphrase)?;
    let dir = store.dir().to_path_buf();
    let mut created = Vec::new();
    let result = store.update(|s| {
        let number = s
            .current()
            .and_then(|g| g.number.checked_add(1))
            .ok_or_else(|| Error::Invalid("no room for another CA generation".into()))?;
        let g = create_generation(&dir, number, s.next_serial, passphrase, &mut created)?;
        s.generations.push(g);
        Ok(number)
    });
    if result.is_err() {
        for path in created {
            let _ = fs::remove_file(path);
        }
    }
    result
}

/// Retires every generation but the newest: no longer trusted, CA keys
/// revoked, private keys deleted. Returns the numbers retired.
pub fn retire(store: &mut CaStore, when: Retire) -> Result<Vec<u32>, Error> {
    let now = timefmt::now();
    let state_path = store.dir().join(STATE_FILE);
    let retired = store.update(|s| {
        let Some((newest, older)) = s.generations.split_last_mut() else {
            return Err(Error::NothingToRetire);
        };
        if !older.iter().any(|g| g.is_live()) {
            return Err(Error::NothingToRetire);
        }
        if when == Retire::AfterGrace {
            let created =
                timefmt::parse_rfc3339(&newest.created_at).ok_or_else(|| Error::BadState {
                    path: state_path.clone(),
                    reason: format!(
                        "has an unreadable created_at `{}` in generation {}",
                        newest.created_at, newest.number
                    ),
                })?;
            let earliest = created + MAX_USER_VALIDITY + CLOCK_SKEW;
            if now < earliest {
                return Err(Error::RetireTooEarly { earliest });
            }
        }
        let mut numbers = Vec::new();
        let mut entries = Vec::new();
        for g in older.iter_mut().filter(|g| g.is_live()) {
            g.retired_at = Some(timefmt::rfc3339(now));
            numbers.push(g.number);
            for role in CaRole::ALL {
                let key = g.public_key(role).map_err(|reason| Error::BadState {
                    path: state_path.clone(),
                    reason,
                })?;
                entries.push(entry(
                    RevocationKind::Key,
                    key_text(&key)?,
                    None,
                    &format!("{role} CA of generation {} retired", g.number),
                ));
            }
        }
        record(s, entries);
        Ok(numbers)
    })?;
    for number in &retired {
        for role in CaRole::ALL {
            let path = store.key_path(role, *number);
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(source) => return Err(Error::Io { path, source }),
            }
        }
    }
    Ok(retired)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ca::sign::{known_hosts_lines, trusted_user_ca_keys};
    use crate::ca::store::CaKey;
    use crate::ca::testutil::{krl_revokes, user_cert, write_cert, write_pub};
    use ssh_key::{Certificate, HashAlg, PrivateKey};

    const PASS: &str = "rotation passphrase";

    fn cert(ca: &CaKey, serial: u64) -> Certificate {
        user_cert(ca, "alice@laptop", serial)
    }

    #[test]
    fn rotate_trusts_both_then_retire_revokes_the_old() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("ca");
        let mut store = CaStore::init(&dir, PASS).expect("init");
        let old_ca = store.unlock(CaRole::User, PASS).expect("unlock");
        let s1 = store.allocate_serial().expect("serial");
        let old_cert = cert(&old_ca, s1);

        assert_eq!(rotate(&mut store, PASS).expect("rotate"), 2);
        for role in CaRole::ALL {
            assert_eq!(store.trusted_keys(role).expect("keys").len(), 2, "{role}");
        }
        let users = store.trusted_keys(CaRole::User).expect("keys");
        assert_eq!(
            trusted_user_ca_keys(&users).expect("text").lines().count(),
            2
        );
        let hosts = store.trusted_keys(CaRole::Host).expect("keys");
        let kh = known_hosts_lines("*.example.com", &hosts).expect("text");
        assert_eq!(kh.lines().count(), 2);

        let new_ca = store.unlock(CaRole::User, PASS).expect("unlock");
        assert_eq!(new_ca.generation(), 2);
        assert_ne!(new_ca.fingerprint(), old_ca.fingerprint());
        assert_eq!(
            new_ca.fingerprint().to_string(),
            store.current().user_ca_fingerprint
        );
        let s2 = store.allocate_serial().expect("serial");
        let new_cert = cert(&new_ca, s2);
        assert_eq!(new_cert.signature_key(), new_ca.public_key().key_data());
        let trusted_fps: Vec<_> = users
            .iter()
            .map(|k| k.fingerprint(HashAlg::Sha256))
            .collect();
        new_cert.validate(&trusted_fps).expect("new cert trusted");
        old_cert
            .validate(&trusted_fps)
            .expect("old cert still trusted");
        assert_eq!(store.current().first_serial, s2);
        let old_key_path = store.key_path(CaRole::User, 1);
        let old_key = PrivateKey::read_openssh_file(&old_key_path).expect("old key kept");
        assert!(old_key.is_encrypted());

        assert!(matches!(
            retire(&mut store, Retire::AfterGrace),
            Err(Error::RetireTooEarly { .. })
        ));
        assert_eq!(store.trusted_keys(CaRole::User).expect("keys").len(), 2);

        assert_eq!(
            retire(&mut store, Retire::Immediately).expect("retire"),
            [1]
        );
        let users = store.trusted_keys(CaRole::User).expect("keys");
        assert_eq!(users.len(), 1);
        assert_eq!(users[0].key_data(), new_ca.public_key().key_data());
        assert_eq!(
            trusted_user_ca_keys(&users).expect("text").lines().count(),
            1
        );
        assert_eq!(store.trusted_keys(CaRole::Host).expect("keys").len(), 1);
        assert!(
            !old_key_path.exists(),
            "retired private key must be deleted"
        );
        assert!(!store.key_path(CaRole::Host, 1).exists());
        assert!(dir.join("user-ca-1.pub").exists());

        let krl = tmp.path().join("revoked.krl");
        fs::write(&krl, store.krl_bytes().expect("krl")).expect("write");
        let d = tmp.path();
        assert!(krl_revokes(
            &krl,
            &write_pub(d, "old-ca.pub", old_ca.public_key())
        ));
        assert!(krl_revokes(&krl, &write_cert(d, "old-cert.pub", &old_cert)));
        assert!(!krl_revokes(
            &krl,
            &write_pub(d, "new-ca.pub", new_ca.public_key())
        ));
        assert!(!krl_revokes(
            &krl,
            &write_cert(d, "new-cert.pub", &new_cert)
        ));

        assert!(matches!(
            retire(&mut store, Retire::Immediately),
            Err(Error::NothingToRetire)
        ));
        let reopened = CaStore::open(&dir).expect("open");
        assert_eq!(reopened.state(), store.state());
        assert!(reopened.state().generations[0].retired_at.is_some());
    }

    #[test]
    fn rotate_needs_the_current_passphrase() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut store = CaStore::init(tmp.path(), PASS).expect("init");
        assert!(matches!(
            rotate(&mut store, "not it"),
            Err(Error::WrongPassphrase { .. })
        ));
        assert_eq!(store.state().generations.len(), 1);
        assert!(!store.key_path(CaRole::User, 2).exists());
        assert!(matches!(
            retire(&mut store, Retire::Immediately),
            Err(Error::NothingToRetire)
        ));
    }
}
