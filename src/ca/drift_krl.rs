//! Reading a binary KRL (OpenSSH `PROTOCOL.krl`, format version 1) to
//! tell whether it revokes one certificate: the drift credential is
//! checked against the list harden deploys before any connection, so a
//! revoked CI secret fails with one clear line instead of sshd's
//! "Too many authentication failures".
//!
//! It reads every section sshd checks a certificate against: the
//! certificate sections (serial list, serial range, serial bitmap, key
//! ids; an empty CA key matches any CA), explicit keys and SHA-256
//! fingerprints, each for the certificate's own key and for the CA key
//! that signed it. SHA-1 fingerprint and signature sections are skipped
//! (harden writes neither). Every length is checked against what is left,
//! so a damaged file is an error, never a panic or a large allocation.

use ssh_key::public::KeyData;
use ssh_key::{Certificate, PublicKey};

use crate::ca::krl::format::{
    CERT_KEY_ID, CERT_SERIAL_BITMAP, CERT_SERIAL_LIST, CERT_SERIAL_RANGE, MAGIC,
    SECTION_CERTIFICATES, SECTION_EXPLICIT_KEY, SECTION_FINGERPRINT_SHA256,
};

/// What in the list revokes the certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revoked {
    /// Its serial, under the CA that signed it.
    Serial(u64),
    /// Its key id, under the CA that signed it.
    KeyId(String),
    /// Its own key (and so every certificate on it).
    Key,
    /// The CA key that signed it.
    CaKey,
}

impl std::fmt::Display for Revoked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Revoked::Serial(s) => write!(f, "its serial {s} is revoked"),
            Revoked::KeyId(k) => write!(f, "its key id {k} is revoked"),
            Revoked::Key => f.write_str("its key is revoked"),
            Revoked::CaKey => f.write_str("the CA key that signed it is revoked"),
        }
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.0.len() {
            return Err("the revocation list is truncated".into());
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64, String> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_be_bytes(a))
    }
    fn string(&mut self) -> Result<&'a [u8], String> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    fn done(&self) -> bool {
        self.0.is_empty()
    }
}

fn blob(k: &KeyData) -> Result<Vec<u8>, String> {
    PublicKey::from(k.clone())
        .to_bytes()
        .map_err(|e| format!("encoding a key: {e}"))
}

fn sha256(b: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(b).to_vec()
}

/// Whether `krl` revokes `cert`, and by what; an error when `krl` is not
/// a readable KRL.
pub fn revoked(krl: &[u8], cert: &Certificate) -> Result<Option<Revoked>, String> {
    let own = blob(cert.public_key())?;
    let ca = blob(cert.signature_key())?;
    let mut r = Reader(krl);
    if r.take(8).ok() != Some(MAGIC.as_slice()) {
        return Err("not a KRL (bad magic)".into());
    }
    let format = r.u32()?;
    if format != 1 {
        return Err(format!("KRL format version {format} is not supported"));
    }
    r.u64()?; // KRL version
    r.u64()?; // generated date
    r.u64()?; // flags
    r.string()?; // reserved
    r.string()?; // comment
    while !r.done() {
        let kind = r.u8()?;
        let mut body = Reader(r.string()?);
        let hit = match kind {
            SECTION_CERTIFICATES => certificates(&mut body, &ca, cert)?,
            SECTION_EXPLICIT_KEY | SECTION_FINGERPRINT_SHA256 => {
                let (mine, theirs) = if kind == SECTION_EXPLICIT_KEY {
                    (own.clone(), ca.clone())
                } else {
                    (sha256(&own), sha256(&ca))
                };
                let mut hit = None;
                while !body.done() {
                    let e = body.string()?;
                    if e == mine.as_slice() {
                        hit = Some(Revoked::Key);
                    } else if e == theirs.as_slice() && hit.is_none() {
                        hit = Some(Revoked::CaKey);
                    }
                }
                hit
            }
            _ => None,
        };
        if hit.is_some() {
            return Ok(hit);
        }
    }
    Ok(None)
}

fn certificates(
    body: &mut Reader<'_>,
    ca: &[u8],
    cert: &Certificate,
) -> Result<Option<Revoked>, String> {
    let key = body.string()?;
    body.string()?; // reserved
    let ours = key.is_empty() || key == ca;
    let serial = cert.serial();
    let mut hit = None;
    while !body.done() {
        let kind = body.u8()?;
        let mut sub = Reader(body.string()?);
        if !ours || hit.is_some() {
            continue;
        }
        match kind {
            CERT_SERIAL_LIST => {
                while !sub.done() {
                    if sub.u64()? == serial && serial != 0 {
                        hit = Some(Revoked::Serial(serial));
                    }
                }
            }
            CERT_SERIAL_RANGE => {
                let (lo, hi) = (sub.u64()?, sub.u64()?);
                if serial != 0 && (lo..=hi).contains(&serial) {
                    hit = Some(Revoked::Serial(serial));
                }
            }
            CERT_SERIAL_BITMAP => {
                let offset = sub.u64()?;
                let bits = sub.string()?;
                if let Some(i) = serial.checked_sub(offset) {
                    let byte = usize::try_from(i / 8).unwrap_or(usize::MAX);
                    if byte < bits.len() && bits[bits.len() - 1 - byte] & (1 << (i % 8)) != 0 {
                        hit = Some(Revoked::Serial(serial));
                    }
                }
            }
            CERT_KEY_ID => {
                while !sub.done() {
                    if sub.string()? == cert.key_id().as_bytes() {
                        hit = Some(Revoked::KeyId(cert.key_id().to_string()));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(hit)
}

#[cfg(test)]
#[path = "drift_krl_tests.rs"]
mod tests;
