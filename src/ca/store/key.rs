//! CA private keys: creating a generation's encrypted key pair on disk and
//! the decrypted [`CaKey`] that signs.

use std::fmt;
use std::path::{Path, PathBuf};

use ssh_key::rand_core::OsRng;
use ssh_key::{Algorithm, Fingerprint, HashAlg, LineEnding, PrivateKey, PublicKey};

use super::files::{sync_dir, write_new};
use super::{CaRole, Generation};
use crate::ca::Error;
use crate::timefmt;

/// A decrypted CA private key, ready to sign.
///
/// Its `Debug` shows role, generation and fingerprint only.
pub struct CaKey {
    pub(super) role: CaRole,
    pub(super) generation: u32,
    pub(super) key: PrivateKey,
}

impl CaKey {
    /// Whether this is the user or the host CA.
    pub fn role(&self) -> CaRole {
        self.role
    }

    /// The generation the key belongs to.
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// The CA public key.
    pub fn public_key(&self) -> &PublicKey {
        self.key.public_key()
    }

    /// SHA-256 fingerprint of the CA public key.
    pub fn fingerprint(&self) -> Fingerprint {
        self.key.fingerprint(HashAlg::Sha256)
    }

    /// The private key, for signing inside this module only.
    pub(in crate::ca) fn private_key(&self) -> &PrivateKey {
        &self.key
    }

    /// A fresh unencrypted key that is never written anywhere (tests that
    /// do not need the store and its slow KDF).
    #[cfg(test)]
    pub(crate) fn ephemeral(role: CaRole, generation: u32) -> CaKey {
        let key = new_key(role, generation).expect("ed25519 key generation");
        CaKey {
            role,
            generation,
            key,
        }
    }
}

impl fmt::Debug for CaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaKey")
            .field("role", &self.role)
            .field("generation", &self.generation)
            .field("fingerprint", &self.fingerprint().to_string())
            .finish_non_exhaustive()
    }
}

/// Creates the user and host CA keys of generation `number` in `dir` and
/// returns its record; every file created is pushed to `created`.
pub(in crate::ca) fn create_generation(
    dir: &Path,
    number: u32,
    first_serial: u64,
    passphrase: &str,
    created: &mut Vec<PathBuf>,
) -> Result<Generation, Error> {
    check_passphrase(passphrase)?;
    let mut public = Vec::new();
    for role in CaRole::ALL {
        let key = new_key(role, number)?;
        let encrypted = key.encrypt(&mut OsRng, passphrase)?;
        let pem = encrypted.to_openssh(LineEnding::LF)?;
        let path = dir.join(role.key_file(number));
        write_new(&path, pem.as_bytes(), 0o600, created)?;
        let pub_line = key.public_key().to_openssh()?;
        let pub_path = dir.join(format!("{}.pub", role.key_file(number)));
        write_new(
            &pub_path,
            format!("{pub_line}\n").as_bytes(),
            0o644,
            created,
        )?;
        public.push((pub_line, key.fingerprint(HashAlg::Sha256).to_string()));
    }
    sync_dir(dir)?;
    let [(user_ca, user_fp), (host_ca, host_fp)] = <[_; 2]>::try_from(public)
        .map_err(|_| Error::Invalid("internal: expected two CA keys".into()))?;
    Ok(Generation {
        number,
        created_at: timefmt::rfc3339(timefmt::now()),
        first_serial,
        user_ca,
        user_ca_fingerprint: user_fp,
        host_ca,
        host_ca_fingerprint: host_fp,
        retired_at: None,
    })
}

/// A new ed25519 key with a comment naming role and generation.
pub(super) fn new_key(role: CaRole, generation: u32) -> Result<PrivateKey, Error> {
    let mut key = PrivateKey::random(&mut OsRng, Algorithm::Ed25519)?;
    key.set_comment(format!("harden-{}", role.key_file(generation)));
    Ok(key)
}

pub(super) fn check_passphrase(passphrase: &str) -> Result<(), Error> {
    if passphrase.is_empty() {
        return Err(Error::EmptyPassphrase);
    }
    Ok(())
}
