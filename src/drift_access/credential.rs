//! The drift credential on the CI side: a directory holding the private
//! key (`drift_ed25519`, 0600) and its certificate
//! (`drift_ed25519-cert.pub`), as `harden ca sign-drift` writes it.
//!
//! Loading checks what can be checked offline (both files present and
//! parsable, the certificate is a user certificate for [`PRINCIPAL`] that
//! has not expired) so a stale CI secret fails with one clear line before
//! any connection. The key's text never appears in a message.

use std::path::{Path, PathBuf};

use super::PRINCIPAL;

/// File name of the private key.
pub const KEY: &str = "drift_ed25519";
/// File name of the certificate.
pub const CERT: &str = "drift_ed25519-cert.pub";
/// Environment variable naming the credential directory.
pub const ENV: &str = "HARDEN_DRIFT_CREDENTIAL";

/// A checked credential directory.
#[derive(Debug, Clone)]
pub struct Credential {
    /// The private key file.
    pub key: PathBuf,
    /// The certificate file.
    pub cert: PathBuf,
    /// The certificate's key id.
    pub key_id: String,
    /// End of validity, Unix seconds.
    pub valid_before: u64,
}

/// Why a credential directory cannot be used.
#[derive(Debug, PartialEq, Eq)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "drift credential: {}", self.0)
    }
}

impl std::error::Error for Error {}

/// Loads and checks the credential in `dir` at time `now`.
pub fn load(dir: &Path, now: u64) -> Result<Credential, Error> {
    let key = dir.join(KEY);
    let cert = dir.join(CERT);
    let text = std::fs::read_to_string(&key)
        .map_err(|e| Error(format!("cannot read {}: {e}", key.display())))?;
    ssh_key::PrivateKey::from_openssh(text.trim_end())
        .map_err(|_| Error(format!("{} is not an OpenSSH private key", key.display())))?;
    let ctext = std::fs::read_to_string(&cert)
        .map_err(|e| Error(format!("cannot read {}: {e}", cert.display())))?;
    let c = ssh_key::Certificate::from_openssh(ctext.trim())
        .map_err(|e| Error(format!("{} is not a certificate: {e}", cert.display())))?;
    if c.cert_type() != ssh_key::certificate::CertType::User
        || !c.valid_principals().iter().any(|p| p == PRINCIPAL)
    {
        return Err(Error(format!(
            "{} is not a drift certificate (principal `{PRINCIPAL}`); sign one with `harden ca sign-drift`",
            cert.display()
        )));
    }
    if c.valid_before() <= now {
        return Err(Error(format!(
            "{} expired at {}; sign a new one with `harden ca sign-drift` and replace the CI secret",
            cert.display(),
            crate::timefmt::rfc3339(c.valid_before())
        )));
    }
    Ok(Credential {
        key,
        cert,
        key_id: c.key_id().to_string(),
        valid_before: c.valid_before(),
    })
}
