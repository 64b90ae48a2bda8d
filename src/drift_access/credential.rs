//! The drift credential on the CI side: a directory holding the private
//! key (`drift_ed25519`, 0600) and its certificate
//! (`drift_ed25519-cert.pub`), as `harden ca sign-drift` writes it.
//!
//! Loading checks what can be checked offline (both files present and
//! parsable, the certificate is a user certificate for [`PRINCIPAL`]
//! inside its validity window) and [`Credential::check_ca`] checks it
//! against the CA's public parts (signed by a CA key still trusted, not in
//! the revocation list harden deploys), so a stale or revoked CI secret
//! fails with one clear line before any connection. When a host refuses
//! it all the same, [`Credential::explain_refused`] says what that likely
//! means. The key's text never appears in a message.

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
    /// The certificate itself (public data).
    pub certificate: ssh_key::Certificate,
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
    if c.key_id().chars().any(char::is_control) {
        return Err(Error(format!(
            "{} has a control character in its key id",
            cert.display()
        )));
    }
    if c.cert_type() != ssh_key::certificate::CertType::User
        || !c.valid_principals().iter().any(|p| p == PRINCIPAL)
    {
        return Err(Error(format!(
            "{} is not a drift certificate (principal `{PRINCIPAL}`); sign one with `harden ca sign-drift`",
            cert.display()
        )));
    }
    if c.valid_after() > now {
        return Err(Error(format!(
            "{} is not valid before {} (is this machine's clock right?); sign a new one with `harden ca sign-drift`",
            cert.display(),
            crate::timefmt::rfc3339(c.valid_after())
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
        certificate: c,
    })
}

impl Credential {
    /// Refuses a certificate the CA no longer vouches for: signed by none
    /// of the `trusted` user CA keys (rotated and retired), or revoked in
    /// `krl`, the list harden deploys (so every host applied since
    /// refuses it too).
    pub fn check_ca(&self, trusted: &[ssh_key::PublicKey], krl: &[u8]) -> Result<(), Error> {
        let c = &self.certificate;
        let what = self.describe();
        if !trusted.iter().any(|k| k.key_data() == c.signature_key()) {
            return Err(Error(format!(
                "{what} was signed by a CA key harden no longer trusts (rotated and retired); sign a new one with `harden ca sign-drift` and replace the CI secret"
            )));
        }
        match crate::ca::drift_krl::revoked(krl, c) {
            Ok(None) => Ok(()),
            Ok(Some(r)) => Err(Error(format!(
                "{what} is revoked ({r} in the CA's revocation list); sign a new one with `harden ca sign-drift` and replace the CI secret"
            ))),
            Err(e) => Err(Error(format!(
                "cannot check {what} against the CA's revocation list: {e}"
            ))),
        }
    }

    fn describe(&self) -> String {
        format!(
            "{} (serial {}, key id {})",
            self.cert.display(),
            self.certificate.serial(),
            self.key_id
        )
    }
}

fn describe(c: &ssh_key::Certificate) -> String {
    format!(
        "the drift credential (serial {}, key id {})",
        c.serial(),
        printable(c.key_id())
    )
}

/// `s` without control characters (certificate fields reach messages).
fn printable(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

/// What a host's "authentication failed" most likely means for the
/// credential certificate `c`, appended to ssh's own `reason`; a
/// certificate pinned to source addresses names that cause first.
pub fn explain_refused(c: &ssh_key::Certificate, reason: &str) -> String {
    let mut causes: Vec<String> = Vec::new();
    if let Some(s) = c.critical_options().get("source-address") {
        causes.push(format!(
            "its source-address list ({}) does not include this machine's address (sign one with the right `--source`)",
            printable(s)
        ));
    }
    causes.push("the host's revocation list already revokes it (sign a new one with `harden ca sign-drift`)".into());
    causes.push(
        "the host was never applied with [ca] (run `harden apply` with full access once)".into(),
    );
    format!(
        "{reason} — the host refused {} although the local CA still accepts it; likely {}",
        describe(c),
        causes.join("; or ")
    )
}

/// True when ssh's connect error says the host refused every key offered.
pub fn auth_refused(reason: &str) -> bool {
    [
        "Permission denied",
        "Too many authentication failures",
        "authentication failed",
        "no more authentication methods",
    ]
    .iter()
    .any(|m| reason.contains(m))
}
