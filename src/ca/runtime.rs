//! The CA as one run of harden sees it: what hosts must trust, what is
//! revoked, and (when unlocked) the keys to sign with.
//!
//! A run that connects to hosts unlocks the CA once: it needs the user CA
//! to sign harden's own short-lived certificate (no long-lived harden key
//! stays on any host) and the host CA to (re-)sign host certificates that
//! are missing or about to expire. Offline commands (`check`, `render`)
//! load the public parts only. Blocked users (`active = false`) have their
//! keys added to the revocation list here, so a block takes effect on every
//! host with the next apply even for certificates already issued.

use std::path::{Path, PathBuf};

use ssh_key::{HashAlg, PrivateKey, PublicKey};

use super::{sign_user, CaKey, CaRole, CaStore, Error, UserCertRequest};
use crate::inventory::{CaSettings, Cidr, Inventory};

/// Principal harden's own certificates carry (root's principals file
/// lists it on every host).
pub const HARDEN_PRINCIPAL: &str = "harden";

/// The CA for one run.
pub struct CaRuntime {
    /// Settings from the inventory.
    pub settings: CaSettings,
    /// User CA keys hosts must trust (all live generations).
    pub trusted_user: Vec<PublicKey>,
    /// Host CA keys clients must trust.
    pub trusted_host: Vec<PublicKey>,
    /// The revocation list hosts load (`RevokedKeys`).
    pub krl: Vec<u8>,
    /// Unlocked user CA keys of every live generation, oldest first
    /// (harden's run certificates are signed by each, so hosts not yet
    /// applied after a rotation still let harden in).
    pub user_signers: Vec<CaKey>,
    /// The passphrase, kept only to unlock the host CA the first time a
    /// host certificate has to be signed (most runs never need it).
    passphrase: Option<zeroize::Zeroizing<String>>,
    host_signer: std::sync::OnceLock<Result<CaKey, String>>,
}

impl std::fmt::Debug for CaRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaRuntime")
            .field("trusted_user", &self.trusted_user.len())
            .field("trusted_host", &self.trusted_host.len())
            .field("krl_bytes", &self.krl.len())
            .field("unlocked", &!self.user_signers.is_empty())
            .finish()
    }
}

/// The revocation list: the CA's own entries plus every key of a blocked user.
pub fn krl_for(store: &CaStore, inv: &Inventory) -> Result<Vec<u8>, Error> {
    let mut krl = store.krl()?;
    for u in inv.users.iter().filter(|u| !u.active) {
        for k in &u.public_keys {
            krl.revoke_key(k)?;
        }
    }
    krl.to_bytes()
}

impl CaRuntime {
    /// Loads the public parts of the CA configured in `inv`.
    pub fn load(inv: &Inventory) -> Result<Option<CaRuntime>, Error> {
        let Some(settings) = inv.ca.clone() else {
            return Ok(None);
        };
        let store = CaStore::open(&settings.dir)?;
        Ok(Some(CaRuntime {
            trusted_user: store.trusted_keys(CaRole::User)?,
            trusted_host: store.trusted_keys(CaRole::Host)?,
            krl: krl_for(&store, inv)?,
            settings,
            user_signers: Vec::new(),
            passphrase: None,
            host_signer: std::sync::OnceLock::new(),
        }))
    }

    /// Unlocks the user CA keys of every live generation with `passphrase`
    /// (the host CA is unlocked later, only if a host certificate must be
    /// signed: each unlock costs a deliberately slow key derivation).
    pub fn unlock(&mut self, passphrase: &str) -> Result<(), Error> {
        let store = CaStore::open(&self.settings.dir)?;
        self.user_signers = store
            .state()
            .generations
            .iter()
            .filter(|g| g.is_live())
            .map(|g| store.unlock_generation(CaRole::User, g, passphrase))
            .collect::<Result<_, _>>()?;
        self.passphrase = Some(zeroize::Zeroizing::new(passphrase.to_string()));
        Ok(())
    }

    /// The newest host CA key, unlocked on first use; None offline.
    pub fn host_signer(&self) -> Option<Result<&CaKey, String>> {
        let pass = self.passphrase.as_ref()?;
        let r = self.host_signer.get_or_init(|| {
            CaStore::open(&self.settings.dir)
                .and_then(|s| s.unlock(CaRole::Host, pass))
                .map_err(|e| e.to_string())
        });
        Some(r.as_ref().map_err(Clone::clone))
    }

    /// Fingerprints of the trusted user CA keys.
    pub fn user_fingerprints(&self) -> Vec<String> {
        self.trusted_user
            .iter()
            .map(|k| k.fingerprint(HashAlg::Sha256).to_string())
            .collect()
    }
}

/// `@cert-authority` lines for the inventory's hosts (by address, as harden
/// connects) for every live host CA generation: harden trusts host
/// certificates from its own CA.
pub fn own_known_hosts(ca: &CaRuntime, inv: &Inventory) -> Result<String, Error> {
    let patterns: Vec<String> = inv
        .hosts
        .iter()
        .flat_map(|h| {
            h.addresses
                .iter()
                .map(move |a| host_pattern(&a.to_string(), h.conn.port))
        })
        .collect();
    if patterns.is_empty() {
        return Ok(String::new());
    }
    super::known_hosts_lines(&patterns.join(","), &ca.trusted_host)
}

/// A known_hosts host pattern: `name` on port 22, `[name]:port` otherwise.
pub fn host_pattern(name: &str, port: u16) -> String {
    if port == 22 {
        name.to_string()
    } else {
        format!("[{name}]:{port}")
    }
}

/// harden's own keys and certificates for one run.
pub struct RunIdentity {
    /// (private key file, certificate file) per live CA generation, oldest
    /// first; files are 0600 in the run directory.
    pub keys: Vec<(PathBuf, PathBuf)>,
    /// The certificates' key id (logged by sshd on every login).
    pub key_id: String,
}

/// Creates a fresh ed25519 key per live user CA generation in `dir` and
/// signs each for `run_minutes` with the `harden` principal, restricted to
/// the controller sources.
pub fn run_identity(
    ca: &CaRuntime,
    inv: &Inventory,
    dir: &Path,
    run_id: &str,
    actor: &str,
) -> Result<RunIdentity, Error> {
    if ca.user_signers.is_empty() {
        return Err(Error::Invalid(
            "the user CA is locked; harden needs it to sign its own run certificate".into(),
        ));
    }
    let mut sources: Vec<Cidr> = inv
        .hosts
        .iter()
        .flat_map(|h| h.controller_sources.iter().copied())
        .collect();
    sources.sort();
    sources.dedup();
    let now = crate::timefmt::now();
    let key_id = format!("harden/{actor}/{run_id}");
    let mut keys = Vec::new();
    for signer in &ca.user_signers {
        let key = PrivateKey::random(&mut ssh_key::rand_core::OsRng, ssh_key::Algorithm::Ed25519)?;
        let key_path = dir.join(format!("run_ed25519_g{}", signer.generation()));
        let cert_path = dir.join(format!("run_ed25519_g{}-cert.pub", signer.generation()));
        write_private(&key_path, &key)?;
        let serial = (crate::random::u64() | 1) & 0x7fff_ffff_ffff_ffff;
        let cert = sign_user(
            signer,
            key.public_key(),
            &UserCertRequest {
                key_id: &key_id,
                principals: &[HARDEN_PRINCIPAL.to_string()],
                valid_after: now,
                valid_before: now + u64::from(ca.settings.run_minutes) * 60,
                serial,
                source_address: (!sources.is_empty()).then_some(sources.as_slice()),
                permit_port_forwarding: false,
                permit_agent_forwarding: false,
            },
        )?;
        let line = cert.to_openssh()?;
        std::fs::write(&cert_path, format!("{line}\n")).map_err(|e| Error::Io {
            path: cert_path.clone(),
            source: e,
        })?;
        keys.push((key_path, cert_path));
    }
    Ok(RunIdentity { keys, key_id })
}

fn write_private(path: &Path, key: &PrivateKey) -> Result<(), Error> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let text = key.to_openssh(ssh_key::LineEnding::LF)?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| Error::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
    f.write_all(text.as_bytes()).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        source: e,
    })
}
