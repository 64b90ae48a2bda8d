//! The OpenSSH KRL encoder: [`Krl`] collects revoked keys, fingerprints,
//! serials and key IDs and writes them in `PROTOCOL.krl` format version 1.

use std::collections::{BTreeMap, BTreeSet};

use ssh_key::{Fingerprint, PublicKey};

use crate::ca::Error;

use super::format::{
    CERT_KEY_ID, CERT_SERIAL_LIST, FORMAT_VERSION, MAGIC, SECTION_CERTIFICATES,
    SECTION_EXPLICIT_KEY, SECTION_FINGERPRINT_SHA256,
};

/// An OpenSSH key revocation list, built in memory and encoded with
/// [`Krl::to_bytes`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Krl {
    /// Version number; should increase with every change.
    pub version: u64,
    /// When the list was generated, Unix seconds.
    pub generated_at: u64,
    /// Free text shown by `ssh-keygen -Q -l`.
    pub comment: String,
    /// Wire blobs of revoked plain keys.
    keys: BTreeSet<Vec<u8>>,
    /// SHA-256 hashes of revoked plain key blobs.
    sha256: BTreeSet<[u8; 32]>,
    /// Per CA key blob: revoked serials and key IDs.
    certs: BTreeMap<Vec<u8>, CertRevocations>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct CertRevocations {
    serials: BTreeSet<u64>,
    key_ids: BTreeSet<String>,
}

impl Krl {
    /// An empty list.
    pub fn new(version: u64, generated_at: u64) -> Krl {
        Krl {
            version,
            generated_at,
            ..Krl::default()
        }
    }

    /// True when nothing is revoked.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.sha256.is_empty() && self.certs.is_empty()
    }

    /// Revokes `key` and every certificate on it (a CA key: every
    /// certificate it signed).
    pub fn revoke_key(&mut self, key: &PublicKey) -> Result<(), Error> {
        self.keys.insert(key.to_bytes()?);
        Ok(())
    }

    /// Revokes the key with this SHA-256 fingerprint (as sshd logs it),
    /// and every certificate on it.
    pub fn revoke_fingerprint(&mut self, fingerprint: &Fingerprint) -> Result<(), Error> {
        let hash = fingerprint.sha256().ok_or_else(|| {
            Error::Invalid(format!(
                "fingerprint {fingerprint} is not SHA256; KRLs take SHA256 fingerprints"
            ))
        })?;
        self.sha256.insert(hash);
        Ok(())
    }

    /// Revokes the certificate with `serial` signed by `ca`.
    pub fn revoke_serial(&mut self, ca: &PublicKey, serial: u64) -> Result<(), Error> {
        if serial == 0 {
            return Err(Error::Invalid(
                "serial 0 cannot be revoked (OpenSSH treats it as \"no serial\")".into(),
            ));
        }
        self.certs
            .entry(ca.to_bytes()?)
            .or_default()
            .serials
            .insert(serial);
        Ok(())
    }

    /// Revokes every certificate with `key_id` signed by `ca`.
    pub fn revoke_key_id(&mut self, ca: &PublicKey, key_id: &str) -> Result<(), Error> {
        check_key_id(key_id)?;
        self.certs
            .entry(ca.to_bytes()?)
            .or_default()
            .key_ids
            .insert(key_id.to_string());
        Ok(())
    }

    /// The binary KRL, as `RevokedKeys` and `ssh-keygen -Q` read it.
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
        out.extend_from_slice(&self.version.to_be_bytes());
        out.extend_from_slice(&self.generated_at.to_be_bytes());
        out.extend_from_slice(&0u64.to_be_bytes()); // flags: none defined
        put_string(&mut out, b"")?; // reserved
        put_string(&mut out, self.comment.as_bytes())?;

        for (ca, revs) in &self.certs {
            let mut body = Vec::new();
            put_string(&mut body, ca)?;
            put_string(&mut body, b"")?; // reserved
            if !revs.serials.is_empty() {
                let list: Vec<u8> = revs.serials.iter().flat_map(|s| s.to_be_bytes()).collect();
                put_section(&mut body, CERT_SERIAL_LIST, &list)?;
            }
            if !revs.key_ids.is_empty() {
                let mut ids = Vec::new();
                for id in &revs.key_ids {
                    put_string(&mut ids, id.as_bytes())?;
                }
                put_section(&mut body, CERT_KEY_ID, &ids)?;
            }
            put_section(&mut out, SECTION_CERTIFICATES, &body)?;
        }
        if !self.keys.is_empty() {
            let mut body = Vec::new();
            for blob in &self.keys {
                put_string(&mut body, blob)?;
            }
            put_section(&mut out, SECTION_EXPLICIT_KEY, &body)?;
        }
        if !self.sha256.is_empty() {
            let mut body = Vec::new();
            for hash in &self.sha256 {
                put_string(&mut body, hash)?;
            }
            put_section(&mut out, SECTION_FINGERPRINT_SHA256, &body)?;
        }
        Ok(out)
    }
}

/// SSH wire `string`: big-endian u32 length, then the bytes.
fn put_string(out: &mut Vec<u8>, data: &[u8]) -> Result<(), Error> {
    let len = u32::try_from(data.len())
        .map_err(|_| Error::Invalid("a KRL section would exceed 4 GiB".into()))?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(data);
    Ok(())
}

/// A section or subsection: type byte, then its body as a string.
fn put_section(out: &mut Vec<u8>, kind: u8, body: &[u8]) -> Result<(), Error> {
    out.push(kind);
    put_string(out, body)
}

pub(super) fn check_key_id(key_id: &str) -> Result<(), Error> {
    if key_id.is_empty() || key_id.chars().any(char::is_control) {
        return Err(Error::Invalid(format!(
            "key ID {key_id:?} must be non-empty and printable"
        )));
    }
    Ok(())
}
