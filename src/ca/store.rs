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

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ssh_key::rand_core::OsRng;
use ssh_key::{Algorithm, Fingerprint, HashAlg, LineEnding, PrivateKey, PublicKey};

use super::krl::Revocation;
use super::Error;
use crate::timefmt;

/// Name of the state file inside the CA directory.
pub const STATE_FILE: &str = "state.json";
/// Name of the lock file inside the CA directory.
pub const LOCK_FILE: &str = "state.lock";
/// Version of the `state.json` layout.
const STATE_FORMAT: u32 = 1;

/// Which of the two CAs a key belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CaRole {
    /// Signs user certificates; trusted by sshd via `TrustedUserCAKeys`.
    User,
    /// Signs host certificates; trusted by clients via `@cert-authority`.
    Host,
}

impl CaRole {
    /// Both roles, user first.
    pub const ALL: [CaRole; 2] = [CaRole::User, CaRole::Host];

    /// File name of this role's private key in `generation`.
    pub fn key_file(self, generation: u32) -> String {
        match self {
            CaRole::User => format!("user-ca-{generation}"),
            CaRole::Host => format!("host-ca-{generation}"),
        }
    }
}

impl fmt::Display for CaRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CaRole::User => "user",
            CaRole::Host => "host",
        })
    }
}

/// One generation of the CA: a user CA key and a host CA key created
/// together by `init` or `rotate`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Generation {
    /// 1 for the keys made by `init`, +1 per rotation.
    pub number: u32,
    /// When the keys were created (RFC 3339).
    pub created_at: String,
    /// The first serial allocated while this generation was the newest;
    /// serials below it were signed by an older generation.
    pub first_serial: u64,
    /// User CA public key (OpenSSH one-line form).
    pub user_ca: String,
    /// SHA-256 fingerprint of `user_ca`, as sshd logs it.
    pub user_ca_fingerprint: String,
    /// Host CA public key (OpenSSH one-line form).
    pub host_ca: String,
    /// SHA-256 fingerprint of `host_ca`.
    pub host_ca_fingerprint: String,
    /// When the generation was retired (RFC 3339); retired generations
    /// are no longer trusted and their keys are revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<String>,
}

impl Generation {
    /// The public key of `role` as recorded in the state.
    pub fn public_key(&self, role: CaRole) -> Result<PublicKey, String> {
        let text = match role {
            CaRole::User => &self.user_ca,
            CaRole::Host => &self.host_ca,
        };
        PublicKey::from_openssh(text).map_err(|e| {
            format!(
                "has an unreadable {role} CA key in generation {}: {e}",
                self.number
            )
        })
    }

    /// The recorded fingerprint of `role`.
    pub fn fingerprint(&self, role: CaRole) -> &str {
        match role {
            CaRole::User => &self.user_ca_fingerprint,
            CaRole::Host => &self.host_ca_fingerprint,
        }
    }

    /// True while the generation is trusted.
    pub fn is_live(&self) -> bool {
        self.retired_at.is_none()
    }
}

/// The contents of `state.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// Layout version of this file.
    pub format: u32,
    /// The serial the next certificate gets.
    pub next_serial: u64,
    /// Every generation, oldest first; the last one signs.
    pub generations: Vec<Generation>,
    /// Version of the revocation list; +1 on every change.
    pub krl_version: u64,
    /// Unix seconds of the last change of the revocation list (the KRL's
    /// "generated date", kept stable so the deployed file does not drift).
    pub krl_generated_at: u64,
    /// Everything revoked, in the order it was revoked.
    pub revocations: Vec<Revocation>,
}

impl State {
    /// The newest generation, which signs.
    pub fn current(&self) -> Option<&Generation> {
        self.generations.last()
    }

    /// Checks the invariants the rest of the module relies on.
    fn check(&self) -> Result<(), String> {
        if self.format != STATE_FORMAT {
            return Err(format!(
                "has format {} but this harden reads format {STATE_FORMAT}",
                self.format
            ));
        }
        if self.next_serial == 0 {
            return Err("has next_serial 0 (serials start at 1)".into());
        }
        let Some(current) = self.current() else {
            return Err("lists no CA generation".into());
        };
        if !current.is_live() {
            return Err("has its newest generation retired".into());
        }
        let mut prev: Option<&Generation> = None;
        for g in &self.generations {
            if let Some(p) = prev {
                if g.number <= p.number || g.first_serial < p.first_serial {
                    return Err(format!("has generation {} out of order", g.number));
                }
            }
            if g.first_serial > self.next_serial {
                return Err(format!(
                    "has generation {} starting at serial {} beyond next_serial {}",
                    g.number, g.first_serial, self.next_serial
                ));
            }
            for role in CaRole::ALL {
                let key = g.public_key(role)?;
                let fp = key.fingerprint(HashAlg::Sha256).to_string();
                if fp != g.fingerprint(role) {
                    return Err(format!(
                        "records fingerprint {} for the {role} CA of generation {} but the key \
                         has {fp}",
                        g.fingerprint(role),
                        g.number
                    ));
                }
            }
            prev = Some(g);
        }
        super::krl::build(self)?;
        Ok(())
    }
}

/// A decrypted CA private key, ready to sign.
///
/// Its `Debug` shows role, generation and fingerprint only.
pub struct CaKey {
    role: CaRole,
    generation: u32,
    key: PrivateKey,
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
    pub(super) fn private_key(&self) -> &PrivateKey {
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

/// Creates the user and host CA keys of generation `number` in `dir` and
/// returns its record; every file created is pushed to `created`.
pub(super) fn create_generation(
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
fn new_key(role: CaRole, generation: u32) -> Result<PrivateKey, Error> {
    let mut key = PrivateKey::random(&mut OsRng, Algorithm::Ed25519)?;
    key.set_comment(format!("harden-{}", role.key_file(generation)));
    Ok(key)
}

fn check_passphrase(passphrase: &str) -> Result<(), Error> {
    if passphrase.is_empty() {
        return Err(Error::EmptyPassphrase);
    }
    Ok(())
}

fn io_err(path: &Path, source: io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Creates `path` (which must not exist) with `mode` from the start, writes
/// and fsyncs `bytes`.
fn write_new(
    path: &Path,
    bytes: &[u8],
    mode: u32,
    created: &mut Vec<PathBuf>,
) -> Result<(), Error> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(|e| match e.kind() {
            io::ErrorKind::AlreadyExists => Error::Exists {
                path: path.to_path_buf(),
            },
            _ => io_err(path, e),
        })?;
    created.push(path.to_path_buf());
    // The umask may have removed bits (never added any): make public files
    // exactly `mode`; private files are 0600 or stricter already.
    if mode & 0o044 != 0 {
        file.set_permissions(fs::Permissions::from_mode(mode))
            .map_err(|e| io_err(path, e))?;
    }
    file.write_all(bytes).map_err(|e| io_err(path, e))?;
    file.sync_all().map_err(|e| io_err(path, e))
}

fn sync_dir(dir: &Path) -> Result<(), Error> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_err(dir, e))
}

fn read_state(dir: &Path) -> Result<State, Error> {
    let path = dir.join(STATE_FILE);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(Error::Missing {
                path: dir.to_path_buf(),
            })
        }
        Err(e) => return Err(io_err(&path, e)),
    };
    let state: State = serde_json::from_str(&text).map_err(|e| Error::BadState {
        path: path.clone(),
        reason: format!("cannot be parsed ({e})"),
    })?;
    state
        .check()
        .map_err(|reason| Error::BadState { path, reason })?;
    Ok(state)
}

/// Writes `state.json` atomically: temp file (0600), fsync, rename, fsync
/// of the directory. With `first`, an existing file is an error.
fn write_state(dir: &Path, state: &State, first: bool) -> Result<(), Error> {
    let path = dir.join(STATE_FILE);
    let mut json = serde_json::to_string_pretty(state).map_err(|e| Error::BadState {
        path: path.clone(),
        reason: format!("cannot be serialised ({e})"),
    })?;
    json.push('\n');
    let mut tmp = tempfile::Builder::new()
        .prefix(".state.json.")
        .tempfile_in(dir)
        .map_err(|e| io_err(dir, e))?;
    tmp.write_all(json.as_bytes())
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| io_err(tmp.path(), e))?;
    if first {
        tmp.persist_noclobber(&path)
            .map_err(|e| match e.error.kind() {
                io::ErrorKind::AlreadyExists => Error::Exists { path: path.clone() },
                _ => io_err(&path, e.error),
            })?;
    } else {
        tmp.persist(&path).map_err(|e| io_err(&path, e.error))?;
    }
    sync_dir(dir)
}

/// The CA lock: `state.lock`, created exclusively, removed on drop.
struct Lock {
    path: PathBuf,
}

impl Lock {
    fn acquire(dir: &Path) -> Result<Lock, Error> {
        let path = dir.join(LOCK_FILE);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(mut f) => {
                // The pid helps whoever finds a stale lock.
                let _ = writeln!(f, "{}", std::process::id());
                Ok(Lock { path })
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(Error::Locked { path }),
            Err(e) => Err(io_err(&path, e)),
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ca::testutil::ssh_keygen;

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
}
