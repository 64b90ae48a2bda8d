//! The CA directory on disk: encrypted CA keys, `state.json`, serials.
//!
//! Layout of a CA directory (usually `<inventory dir>/ca/`, mode 0700 when
//! harden creates it):
//!
//! ```text
//! user-ca-1        0600  ed25519 user CA, generation 1, encrypted
//! user-ca-1.pub    0644
//! host-ca-1        0600  ed25519 host CA, generation 1, encrypted
//! host-ca-1.pub    0644
//! state.json       0600  serial counter, generations, revocations
//! ```
//!
//! Private keys are encrypted with the passphrase exactly as
//! `ssh-keygen -p` would (aes256-ctr, bcrypt KDF), so `ssh-keygen` can read
//! them, and are created with mode 0600 from the first byte. A key that is
//! found unencrypted, or that does not match the fingerprint `state.json`
//! records, is refused. One passphrase protects all keys of a CA.
//!
//! `state.json` is the single source of truth for what is trusted and what
//! is revoked; every change takes the lock file `state.lock`, re-reads the
//! state, changes it, and writes it through a temporary file that is
//! fsynced and renamed over the old one (then the directory is fsynced), so
//! a crash leaves the old or the new state, never a mix. Serials start at 1
//! (OpenSSH ignores serial 0 in revocation lists) and are shared by user
//! and host certificates, so a serial names exactly one certificate.

mod files;
mod key;
mod state;
#[cfg(test)]
mod tests;

use std::fs;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use ssh_key::{HashAlg, PrivateKey, PublicKey};

use super::Error;
use crate::timefmt;
use files::{io_err, read_state, write_state, Lock};
use key::check_passphrase;

pub(in crate::ca) use key::create_generation;
pub use key::CaKey;
pub use state::{CaRole, Generation, State};

/// Name of the state file inside the CA directory.
pub const STATE_FILE: &str = "state.json";
/// Name of the lock file inside the CA directory.
pub const LOCK_FILE: &str = "state.lock";
/// Version of the `state.json` layout.
const STATE_FORMAT: u32 = 1;

/// An SSH CA directory and its state.
#[derive(Debug)]
pub struct CaStore {
    dir: PathBuf,
    state: State,
}

impl CaStore {
    /// Creates a CA in `dir`: generation 1 of the user and host CA, with
    /// the private keys encrypted under `passphrase`.
    ///
    /// `dir` is created (mode 0700) if needed; an existing CA in it is
    /// never overwritten.
    pub fn init(dir: &Path, passphrase: &str) -> Result<CaStore, Error> {
        check_passphrase(passphrase)?;
        let state_path = dir.join(STATE_FILE);
        if state_path.exists() {
            return Err(Error::Exists { path: state_path });
        }
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| io_err(dir, e))?;
        let _lock = Lock::acquire(dir)?;
        // Re-check under the lock: a concurrent init may have won.
        if state_path.exists() {
            return Err(Error::Exists { path: state_path });
        }
        let mut created = Vec::new();
        let result = create_generation(dir, 1, 1, passphrase, &mut created).and_then(|g| {
            let now = timefmt::now();
            let state = State {
                format: STATE_FORMAT,
                next_serial: 1,
                generations: vec![g],
                krl_version: 1,
                krl_generated_at: now,
                revocations: Vec::new(),
            };
            write_state(dir, &state, true)?;
            Ok(state)
        });
        match result {
            Ok(state) => Ok(CaStore {
                dir: dir.to_path_buf(),
                state,
            }),
            Err(e) => {
                // Leave nothing half-made behind; only files this call created.
                for path in created {
                    let _ = fs::remove_file(path);
                }
                Err(e)
            }
        }
    }

    /// Opens the CA in `dir` (reads `state.json`; no passphrase needed for
    /// public keys and the revocation list).
    pub fn open(dir: &Path) -> Result<CaStore, Error> {
        let state = read_state(dir)?;
        Ok(CaStore {
            dir: dir.to_path_buf(),
            state,
        })
    }

    /// The CA directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The state as last read or written.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The newest generation, which signs.
    pub fn current(&self) -> &Generation {
        // `check` guarantees at least one generation; open/init ran it.
        match self.state.generations.last() {
            Some(g) => g,
            None => unreachable!("state.json was checked to have a generation"),
        }
    }

    /// Path of the private key of `role` in `generation`.
    pub fn key_path(&self, role: CaRole, generation: u32) -> PathBuf {
        self.dir.join(role.key_file(generation))
    }

    /// Decrypts the newest `role` CA key with `passphrase`.
    ///
    /// Refuses a key that is stored unencrypted or that is not the key
    /// `state.json` records for that generation.
    pub fn unlock(&self, role: CaRole, passphrase: &str) -> Result<CaKey, Error> {
        self.unlock_generation(role, self.current(), passphrase)
    }

    /// Decrypts the `role` CA key of generation `g` (a live generation:
    /// retired generations have no private key any more).
    pub fn unlock_generation(
        &self,
        role: CaRole,
        g: &Generation,
        passphrase: &str,
    ) -> Result<CaKey, Error> {
        check_passphrase(passphrase)?;
        let path = self.key_path(role, g.number);
        let text = fs::read_to_string(&path).map_err(|e| io_err(&path, e))?;
        let encrypted = PrivateKey::from_openssh(text.as_bytes()).map_err(|e| Error::BadKey {
            path: path.clone(),
            reason: format!("is not an OpenSSH private key ({e})"),
        })?;
        if !encrypted.is_encrypted() {
            return Err(Error::BadKey {
                path,
                reason: "is stored unencrypted, which harden never does".into(),
            });
        }
        if encrypted.fingerprint(HashAlg::Sha256).to_string() != g.fingerprint(role) {
            return Err(Error::BadKey {
                path,
                reason: format!(
                    "is not the {role} CA key of generation {} recorded in {STATE_FILE}",
                    g.number
                ),
            });
        }
        let key = match encrypted.decrypt(passphrase) {
            Ok(k) => k,
            Err(ssh_key::Error::Crypto) => return Err(Error::WrongPassphrase { path }),
            Err(e) => {
                return Err(Error::BadKey {
                    path,
                    reason: format!("cannot be decrypted ({e})"),
                })
            }
        };
        Ok(CaKey {
            role,
            generation: g.number,
            key,
        })
    }

    /// Allocates the next certificate serial and persists the counter
    /// before returning it, so a serial is never handed out twice.
    pub fn allocate_serial(&mut self) -> Result<u64, Error> {
        self.update(|s| {
            let serial = s.next_serial;
            s.next_serial = serial
                .checked_add(1)
                .ok_or_else(|| Error::Invalid("the CA has run out of serial numbers".into()))?;
            Ok(serial)
        })
    }

    /// Public keys of `role` that servers or clients must trust: every
    /// generation not yet retired, oldest first.
    pub fn trusted_keys(&self, role: CaRole) -> Result<Vec<PublicKey>, Error> {
        self.state
            .generations
            .iter()
            .filter(|g| g.is_live())
            .map(|g| g.public_key(role).map_err(|r| self.bad_state(r)))
            .collect()
    }

    /// Runs `change` on a freshly read state under the lock and persists
    /// the result; on error nothing is written.
    pub(super) fn update<T>(
        &mut self,
        change: impl FnOnce(&mut State) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let _lock = Lock::acquire(&self.dir)?;
        let mut state = read_state(&self.dir)?;
        let out = change(&mut state)?;
        state.check().map_err(|r| self.bad_state(r))?;
        write_state(&self.dir, &state, false)?;
        self.state = state;
        Ok(out)
    }

    /// A [`Error::BadState`] for this store.
    pub(super) fn bad_state(&self, reason: String) -> Error {
        Error::BadState {
            path: self.dir.join(STATE_FILE),
            reason,
        }
    }
}
