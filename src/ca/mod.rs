//! harden's SSH certificate authority: keys, certificates, revocation and
//! rotation, as a pure library (no network, no SSH connection, no CLI).
//!
//! The CA is how two technical measures become true and provable:
//!
//! - **TOM-1.2-critical-login**, "logins only with user name +
//!   certificate": servers trust the user CA (`TrustedUserCAKeys`) instead
//!   of per-user `authorized_keys`, so a login needs a short-lived
//!   certificate (at most [`MAX_USER_VALIDITY`]) naming an authorised
//!   principal; clients trust the host CA (`@cert-authority` lines) instead
//!   of trust-on-first-use.
//! - **TOM-1.3-central-users**, "users activated and blocked centrally": a
//!   user is activated by being issued a certificate from this one place,
//!   and blocked by revoking it (or their key) in the KRL that every server
//!   loads as `RevokedKeys`.
//!
//! One job per file:
//!
//! - [`store`]: the CA directory (`<inventory dir>/ca/`): encrypted keys,
//!   `state.json`, serial allocation, locking and atomic writes;
//! - [`sign`]: user and host certificates, `@cert-authority` and
//!   `TrustedUserCAKeys` text;
//! - [`krl`]: the OpenSSH KRL encoder and the revocation list in
//!   `state.json`;
//! - [`rotate`]: new CA generations and retiring old ones.

pub mod drift;
pub mod drift_krl;
pub mod krl;
pub mod passphrase;
pub mod rotate;
pub mod runtime;
pub mod sign;
pub mod store;

#[cfg(test)]
mod testutil;

pub use krl::{Krl, Revocation, RevocationKind};
pub use rotate::{retire, rotate, Retire};
pub use runtime::{CaRuntime, RunIdentity, HARDEN_PRINCIPAL};
pub use sign::{
    cert_authority_line, known_hosts_lines, sign_host, sign_user, trusted_user_ca_keys,
    HostCertRequest, UserCertRequest, CLOCK_SKEW, DEFAULT_HOST_VALIDITY, MAX_HOST_VALIDITY,
    MAX_USER_VALIDITY,
};
pub use store::{CaKey, CaRole, CaStore, Generation, State};

use std::fmt;
use std::path::PathBuf;

/// Why a CA operation failed. Messages never contain key material.
#[derive(Debug)]
pub enum Error {
    /// `init` found an existing CA (or one of its files) at the path.
    Exists {
        /// The file or directory that is in the way.
        path: PathBuf,
    },
    /// There is no CA (no `state.json`) in the directory.
    Missing {
        /// The CA directory.
        path: PathBuf,
    },
    /// An empty passphrase was given.
    EmptyPassphrase,
    /// The passphrase does not decrypt the key at the path.
    WrongPassphrase {
        /// The encrypted private key.
        path: PathBuf,
    },
    /// A key file is unreadable, unencrypted, or not the key `state.json`
    /// records.
    BadKey {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// `state.json` is unreadable or inconsistent.
    BadState {
        /// The state file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Another process holds the CA lock, or a crashed one left it behind.
    Locked {
        /// The lock file.
        path: PathBuf,
    },
    /// A file system operation failed.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A certificate or revocation request is malformed.
    Invalid(String),
    /// A certificate was requested for longer than its cap.
    ValidityTooLong {
        /// Requested validity in seconds.
        requested: u64,
        /// The cap in seconds.
        max: u64,
    },
    /// A key of the wrong CA was passed (host CA for a user certificate or
    /// the other way round).
    WrongRole {
        /// The role the operation needs.
        expected: CaRole,
        /// The role of the key given.
        got: CaRole,
    },
    /// The `ssh-key` crate refused to generate, encode or sign.
    Crypto(String),
    /// `retire` found no old generation to retire.
    NothingToRetire,
    /// `retire` was asked to respect the grace period and it has not
    /// passed yet.
    RetireTooEarly {
        /// Unix seconds from which retiring is allowed.
        earliest: u64,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Exists { path } => write!(
                f,
                "a CA already exists at {}; refusing to overwrite it (choose another \
                 directory, or move the old CA away yourself if you really mean to replace it)",
                path.display()
            ),
            Error::Missing { path } => write!(
                f,
                "no CA in {}: {} is missing (initialise a CA in that directory first)",
                path.display(),
                path.join(store::STATE_FILE).display()
            ),
            Error::EmptyPassphrase => f.write_str(
                "the CA passphrase is empty; CA keys are always encrypted, give a passphrase",
            ),
            Error::WrongPassphrase { path } => write!(
                f,
                "wrong passphrase for CA key {} (check the passphrase; the key is unchanged)",
                path.display()
            ),
            Error::BadKey { path, reason } => write!(
                f,
                "CA key {} {reason}; restore the CA directory from backup",
                path.display()
            ),
            Error::BadState { path, reason } => write!(
                f,
                "CA state {} {reason}; restore it from backup (it is never edited by hand)",
                path.display()
            ),
            Error::Locked { path } => write!(
                f,
                "the CA is locked by {}: another harden process is using it; if none is \
                 running, a crashed one left the lock behind, delete the file",
                path.display()
            ),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Invalid(m) => f.write_str(m),
            Error::ValidityTooLong { requested, max } => write!(
                f,
                "certificate validity of {requested}s exceeds the maximum of {max}s; \
                 request a shorter validity"
            ),
            Error::WrongRole { expected, got } => write!(
                f,
                "this needs the {expected} CA key but the {got} CA key was given"
            ),
            Error::Crypto(m) => write!(f, "ssh key operation failed: {m}"),
            Error::NothingToRetire => f.write_str(
                "no old CA generation to retire (rotate first; retire removes the generations \
                 before the newest)",
            ),
            Error::RetireTooEarly { earliest } => write!(
                f,
                "the newest CA generation is younger than the longest user certificate \
                 lifetime; retire after {} (or retire immediately if the old CA is compromised)",
                crate::timefmt::rfc3339(*earliest)
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<ssh_key::Error> for Error {
    fn from(e: ssh_key::Error) -> Self {
        Error::Crypto(e.to_string())
    }
}
