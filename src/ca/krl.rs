//! Revocation: the list of revoked keys and certificates in `state.json`,
//! and an encoder for OpenSSH's binary key revocation list (KRL) that sshd
//! loads through `RevokedKeys`.
//!
//! The encoder writes the format of OpenSSH's `PROTOCOL.krl` (format
//! version 1) and nothing optional: the header (magic, format version,
//! KRL version, generated date, no flags, empty reserved field, comment),
//! then one `KRL_SECTION_CERTIFICATES` section per CA key holding a
//! `KRL_SECTION_CERT_SERIAL_LIST` and/or `KRL_SECTION_CERT_KEY_ID`
//! subsection, then `KRL_SECTION_EXPLICIT_KEY` for whole public keys and
//! `KRL_SECTION_FINGERPRINT_SHA256` for keys known only by fingerprint
//! (hashes in ascending order, as the spec requires). That is the layout
//! `ssh-keygen -k` produces, byte for byte (a test checks this). No
//! signature sections: OpenSSH 9.4+ refuses signed KRLs. A KRL with no
//! entries is a valid header-only file, and harden always deploys one:
//! sshd refuses every public key when the `RevokedKeys` file is missing.
//!
//! What revoking means:
//!
//! - a **key** (explicit section) revokes that key and every certificate
//!   issued on it; `retire` uses it to revoke an old CA key, which revokes
//!   every certificate that CA signed;
//! - a **serial** is unique across the store (user and host certificates
//!   share one counter), so it is revoked under both CA keys of the
//!   generation that was signing when it was allocated — two entries;
//! - a **key ID** is revoked under every CA key still trusted — two
//!   entries per live generation. This also refuses *future* certificates
//!   with the same key ID from those CAs, so key IDs should name one
//!   device or one issuance (e.g. `alice@laptop-2026-05`), not a person.
//!
//! The KRL version goes up by one and the generated date is set on every
//! change of the list, and only then, so the same state always encodes to
//! the same bytes (a deployed KRL does not show as drift every night).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use ssh_key::{Fingerprint, HashAlg, PublicKey};

use super::store::{CaRole, CaStore, State};
use super::Error;
use crate::timefmt;

/// `"SSHKRL\n\0"`.
const KRL_MAGIC: &[u8; 8] = b"SSHKRL\n\0";
const KRL_FORMAT_VERSION: u32 = 1;
const KRL_SECTION_CERTIFICATES: u8 = 1;
const KRL_SECTION_EXPLICIT_KEY: u8 = 2;
const KRL_SECTION_FINGERPRINT_SHA256: u8 = 5;
const KRL_SECTION_CERT_SERIAL_LIST: u8 = 0x20;
const KRL_SECTION_CERT_KEY_ID: u8 = 0x23;

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
        out.extend_from_slice(KRL_MAGIC);
        out.extend_from_slice(&KRL_FORMAT_VERSION.to_be_bytes());
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
                put_section(&mut body, KRL_SECTION_CERT_SERIAL_LIST, &list)?;
            }
            if !revs.key_ids.is_empty() {
                let mut ids = Vec::new();
                for id in &revs.key_ids {
                    put_string(&mut ids, id.as_bytes())?;
                }
                put_section(&mut body, KRL_SECTION_CERT_KEY_ID, &ids)?;
            }
            put_section(&mut out, KRL_SECTION_CERTIFICATES, &body)?;
        }
        if !self.keys.is_empty() {
            let mut body = Vec::new();
            for blob in &self.keys {
                put_string(&mut body, blob)?;
            }
            put_section(&mut out, KRL_SECTION_EXPLICIT_KEY, &body)?;
        }
        if !self.sha256.is_empty() {
            let mut body = Vec::new();
            for hash in &self.sha256 {
                put_string(&mut body, hash)?;
            }
            put_section(&mut out, KRL_SECTION_FINGERPRINT_SHA256, &body)?;
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

fn check_key_id(key_id: &str) -> Result<(), Error> {
    if key_id.is_empty() || key_id.chars().any(char::is_control) {
        return Err(Error::Invalid(format!(
            "key ID {key_id:?} must be non-empty and printable"
        )));
    }
    Ok(())
}

/// What a revocation entry revokes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationKind {
    /// A public key (and every certificate on it); `value` is the key in
    /// OpenSSH form without comment.
    Key,
    /// A certificate serial under one CA; `value` is the decimal serial.
    Serial,
    /// A certificate key ID under one CA; `value` is the key ID.
    KeyId,
}

/// One entry of the revocation list in `state.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revocation {
    /// What is revoked.
    pub kind: RevocationKind,
    /// The key, serial or key ID.
    pub value: String,
    /// SHA-256 fingerprint of the CA the serial or key ID belongs to
    /// (absent for keys).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_fingerprint: Option<String>,
    /// Why, for the audit trail.
    pub reason: String,
    /// When (RFC 3339).
    pub revoked_at: String,
}

impl Revocation {
    fn same_target(&self, other: &Revocation) -> bool {
        self.kind == other.kind
            && self.value == other.value
            && self.ca_fingerprint == other.ca_fingerprint
    }
}

/// Builds the KRL `state` describes; the error says what in the state is
/// inconsistent.
pub(super) fn build(state: &State) -> Result<Krl, String> {
    let mut krl = Krl::new(state.krl_version, state.krl_generated_at);
    krl.comment = "harden".into();
    let mut cas: BTreeMap<&str, PublicKey> = BTreeMap::new();
    for g in &state.generations {
        for role in CaRole::ALL {
            cas.insert(g.fingerprint(role), g.public_key(role)?);
        }
    }
    for r in &state.revocations {
        let ca = || -> Result<&PublicKey, String> {
            let fp = r.ca_fingerprint.as_deref().ok_or_else(|| {
                format!(
                    "revokes {:?} `{}` without a CA fingerprint",
                    r.kind, r.value
                )
            })?;
            cas.get(fp)
                .ok_or_else(|| format!("revokes `{}` under unknown CA {fp}", r.value))
        };
        let res = match r.kind {
            RevocationKind::Key => {
                let key = PublicKey::from_openssh(&r.value)
                    .map_err(|e| format!("revokes an unreadable key `{}` ({e})", r.value))?;
                krl.revoke_key(&key)
            }
            RevocationKind::Serial => {
                let serial = r
                    .value
                    .parse::<u64>()
                    .map_err(|_| format!("revokes serial `{}`, which is not a number", r.value))?;
                krl.revoke_serial(ca()?, serial)
            }
            RevocationKind::KeyId => krl.revoke_key_id(ca()?, &r.value),
        };
        res.map_err(|e| format!("has an invalid revocation: {e}"))?;
    }
    Ok(krl)
}

/// Appends the entries not already present; bumps the KRL version and
/// date when anything was added. Returns whether anything was.
pub(super) fn record(state: &mut State, entries: Vec<Revocation>) -> bool {
    let mut added = false;
    for e in entries {
        if !state.revocations.iter().any(|r| r.same_target(&e)) {
            state.revocations.push(e);
            added = true;
        }
    }
    if added {
        state.krl_version += 1;
        state.krl_generated_at = timefmt::now().max(state.krl_generated_at);
    }
    added
}

/// A new entry stamped now.
pub(super) fn entry(
    kind: RevocationKind,
    value: String,
    ca_fingerprint: Option<String>,
    reason: &str,
) -> Revocation {
    Revocation {
        kind,
        value,
        ca_fingerprint,
        reason: reason.to_string(),
        revoked_at: timefmt::rfc3339(timefmt::now()),
    }
}

fn check_reason(reason: &str) -> Result<(), Error> {
    if reason.trim().is_empty() {
        return Err(Error::Invalid(
            "give a reason for the revocation (it is kept for the audit trail)".into(),
        ));
    }
    Ok(())
}

/// A key in OpenSSH form without its comment.
pub(super) fn key_text(key: &PublicKey) -> Result<String, Error> {
    Ok(PublicKey::new(key.key_data().clone(), "").to_openssh()?)
}

impl CaStore {
    /// Everything revoked so far, oldest first.
    pub fn revocations(&self) -> &[Revocation] {
        &self.state().revocations
    }

    /// Revokes a user's (or host's) public key and every certificate on
    /// it. Returns false when it was already revoked. A CA key that is
    /// still trusted is refused: rotate and retire it instead.
    pub fn revoke_key(&mut self, key: &PublicKey, reason: &str) -> Result<bool, Error> {
        check_reason(reason)?;
        let fp = key.fingerprint(HashAlg::Sha256).to_string();
        if let Some(g) = self
            .state()
            .generations
            .iter()
            .filter(|g| g.is_live())
            .find(|g| CaRole::ALL.iter().any(|r| g.fingerprint(*r) == fp))
        {
            return Err(Error::Invalid(format!(
                "{fp} is a CA key of generation {} that is still trusted; revoking it would \
                 lock everyone out, rotate the CA and retire the old generation instead",
                g.number
            )));
        }
        let e = entry(RevocationKind::Key, key_text(key)?, None, reason);
        self.update(|s| Ok(record(s, vec![e])))
    }

    /// Revokes the certificate with `serial` (under both CA keys of the
    /// generation that signed it). Returns false when it was already
    /// revoked; a serial never issued is refused.
    pub fn revoke_serial(&mut self, serial: u64, reason: &str) -> Result<bool, Error> {
        check_reason(reason)?;
        self.update(|s| {
            if serial == 0 || serial >= s.next_serial {
                return Err(Error::Invalid(format!(
                    "serial {serial} was never issued by this CA (issued so far: 1 to {})",
                    s.next_serial - 1
                )));
            }
            let g = s
                .generations
                .iter()
                .rev()
                .find(|g| g.first_serial <= serial)
                .ok_or_else(|| {
                    Error::Invalid(format!("no CA generation issued serial {serial}"))
                })?;
            let entries = CaRole::ALL
                .iter()
                .map(|r| {
                    entry(
                        RevocationKind::Serial,
                        serial.to_string(),
                        Some(g.fingerprint(*r).to_string()),
                        reason,
                    )
                })
                .collect();
            Ok(record(s, entries))
        })
    }

    /// Revokes every certificate with `key_id` signed by a CA that is
    /// still trusted. Returns false when it was already revoked.
    pub fn revoke_key_id(&mut self, key_id: &str, reason: &str) -> Result<bool, Error> {
        check_reason(reason)?;
        check_key_id(key_id)?;
        self.update(|s| {
            let mut entries = Vec::new();
            for g in s.generations.iter().filter(|g| g.is_live()) {
                for role in CaRole::ALL {
                    entries.push(entry(
                        RevocationKind::KeyId,
                        key_id.to_string(),
                        Some(g.fingerprint(role).to_string()),
                        reason,
                    ));
                }
            }
            Ok(record(s, entries))
        })
    }

    /// The KRL for the current state.
    pub fn krl(&self) -> Result<Krl, Error> {
        build(self.state()).map_err(|r| self.bad_state(r))
    }

    /// The binary KRL to deploy as sshd's `RevokedKeys` (valid even when
    /// nothing is revoked).
    pub fn krl_bytes(&self) -> Result<Vec<u8>, Error> {
        self.krl()?.to_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ca::store::CaKey;
    use crate::ca::testutil::{
        krl_revokes, ssh_keygen, user_cert, user_key, write_cert, write_pub,
    };
    use ssh_key::Certificate;
    use std::path::Path;

    const PASS: &str = "krl test passphrase";

    fn cert(ca: &CaKey, key_id: &str, serial: u64) -> Certificate {
        user_cert(ca, key_id, serial)
    }

    fn write_krl(dir: &Path, krl: &Krl) -> std::path::PathBuf {
        let path = dir.join("revoked.krl");
        std::fs::write(&path, krl.to_bytes().expect("encode")).expect("write");
        path
    }

    #[test]
    fn empty_krl_is_header_only_and_accepted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let krl = Krl::new(1, 1_795_000_000);
        assert!(krl.is_empty());
        let bytes = krl.to_bytes().expect("encode");
        assert_eq!(&bytes[..8], b"SSHKRL\n\0");
        assert_eq!(bytes.len(), 8 + 4 + 8 + 8 + 8 + 4 + 4);
        let path = write_krl(dir.path(), &krl);
        let key = write_pub(dir.path(), "id.pub", &user_key());
        assert!(!krl_revokes(&path, &key));
        let (ok, out) = ssh_keygen(&["-Q", "-l", "-f"], &[&path]);
        assert!(ok, "{out}");
        assert!(out.contains("# KRL version 1"), "{out}");
    }

    #[test]
    fn keys_serials_and_key_ids_are_revoked_and_nothing_else() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        let ca = CaKey::ephemeral(CaRole::User, 1);
        let other_ca = CaKey::ephemeral(CaRole::User, 2);
        let bad_key = user_key();
        let fp_key = user_key();
        let good_key = user_key();
        let by_serial = cert(&ca, "carol@laptop", 17);
        let same_serial_other_ca = cert(&other_ca, "dave@laptop", 17);
        let by_id = cert(&ca, "mallory@laptop", 18);
        let unrelated = cert(&ca, "alice@laptop", 19);

        let mut krl = Krl::new(3, timefmt::now());
        krl.revoke_key(&bad_key).expect("key");
        krl.revoke_fingerprint(&fp_key.fingerprint(HashAlg::Sha256))
            .expect("fingerprint");
        krl.revoke_serial(ca.public_key(), 17).expect("serial");
        krl.revoke_key_id(ca.public_key(), "mallory@laptop")
            .expect("key id");
        assert!(krl.revoke_serial(ca.public_key(), 0).is_err());
        assert!(krl
            .revoke_fingerprint(&fp_key.fingerprint(HashAlg::Sha512))
            .is_err());
        let path = write_krl(d, &krl);

        assert!(krl_revokes(&path, &write_pub(d, "bad.pub", &bad_key)));
        assert!(krl_revokes(&path, &write_pub(d, "fp.pub", &fp_key)));
        assert!(!krl_revokes(&path, &write_pub(d, "good.pub", &good_key)));
        assert!(krl_revokes(
            &path,
            &write_cert(d, "serial-cert.pub", &by_serial)
        ));
        assert!(krl_revokes(&path, &write_cert(d, "id-cert.pub", &by_id)));
        assert!(!krl_revokes(
            &path,
            &write_cert(d, "ok-cert.pub", &unrelated)
        ));
        assert!(!krl_revokes(
            &path,
            &write_cert(d, "other-ca-cert.pub", &same_serial_other_ca)
        ));

        // Revoking the CA key itself revokes every certificate it signed.
        krl.revoke_key(ca.public_key()).expect("ca key");
        let path = write_krl(d, &krl);
        assert!(krl_revokes(
            &path,
            &write_cert(d, "ok-cert.pub", &unrelated)
        ));
        assert!(!krl_revokes(
            &path,
            &write_cert(d, "other-ca-cert.pub", &same_serial_other_ca)
        ));
    }

    #[test]
    fn encoding_matches_ssh_keygen_byte_for_byte() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        let ca = CaKey::ephemeral(CaRole::User, 1);
        let ca_path = write_pub(d, "ca.pub", ca.public_key());
        let key = user_key();
        let fp_key = user_key();
        let spec = d.join("spec");
        std::fs::write(
            &spec,
            format!(
                "serial: 5\nid: alice@laptop\nkey: {}\nhash: {}\n",
                key.to_openssh().expect("key"),
                fp_key.fingerprint(HashAlg::Sha256)
            ),
        )
        .expect("write spec");
        let theirs_path = d.join("theirs.krl");
        let (ok, out) = ssh_keygen(
            &["-k", "-z", "7", "-s", &ca_path.to_string_lossy(), "-f"],
            &[&theirs_path, &spec],
        );
        assert!(ok, "{out}");
        let theirs = std::fs::read(&theirs_path).expect("read");

        let mut krl = Krl::new(7, 0);
        krl.revoke_serial(ca.public_key(), 5).expect("serial");
        krl.revoke_key_id(ca.public_key(), "alice@laptop")
            .expect("id");
        krl.revoke_key(&key).expect("key");
        krl.revoke_fingerprint(&fp_key.fingerprint(HashAlg::Sha256))
            .expect("fp");
        // Same generated date as ssh-keygen's (header bytes 20..28).
        let mut date = [0u8; 8];
        date.copy_from_slice(&theirs[20..28]);
        krl.generated_at = u64::from_be_bytes(date);
        assert_eq!(krl.to_bytes().expect("encode"), theirs);
    }

    #[test]
    fn store_revocations_end_up_in_the_krl() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path().join("ca");
        let mut store = CaStore::init(&d, PASS).expect("init");
        let ca = store.unlock(CaRole::User, PASS).expect("unlock");
        let krl_path = dir.path().join("revoked.krl");
        let write = |store: &CaStore| {
            std::fs::write(&krl_path, store.krl_bytes().expect("krl")).expect("write");
        };
        write(&store);
        let v1 = store.state().krl_version;

        let s1 = store.allocate_serial().expect("serial");
        let s2 = store.allocate_serial().expect("serial");
        let s3 = store.allocate_serial().expect("serial");
        let c1 = cert(&ca, "erin@laptop", s1);
        let c2 = cert(&ca, "frank@laptop", s2);
        let c3 = cert(&ca, "grace@laptop", s3);
        let lost = user_key();
        let (p1, p2, p3) = (
            write_cert(dir.path(), "c1.pub", &c1),
            write_cert(dir.path(), "c2.pub", &c2),
            write_cert(dir.path(), "c3.pub", &c3),
        );
        let lost_path = write_pub(dir.path(), "lost.pub", &lost);
        for p in [&p1, &p2, &p3, &lost_path] {
            assert!(!krl_revokes(&krl_path, p));
        }

        assert!(store.revoke_serial(s1, "laptop stolen").expect("revoke"));
        assert!(!store.revoke_serial(s1, "again").expect("idempotent"));
        assert!(store
            .revoke_key_id("frank@laptop", "left the company")
            .expect("revoke"));
        assert!(store.revoke_key(&lost, "key lost").expect("revoke"));
        assert!(store.revoke_serial(99, "typo").is_err());
        assert!(store.revoke_serial(s3, " ").is_err());
        let err = store
            .revoke_key(ca.public_key(), "oops")
            .expect_err("live CA key");
        assert!(err.to_string().contains("rotate"), "{err}");

        assert_eq!(store.state().krl_version, v1 + 3);
        // serial: 2 CA keys; key id: 2 CA keys; key: 1.
        assert_eq!(store.revocations().len(), 5);
        let reopened = CaStore::open(&d).expect("open");
        assert_eq!(reopened.revocations(), store.revocations());
        assert_eq!(
            reopened.krl_bytes().expect("krl"),
            store.krl_bytes().expect("krl")
        );

        write(&store);
        assert!(krl_revokes(&krl_path, &p1));
        assert!(krl_revokes(&krl_path, &p2));
        assert!(!krl_revokes(&krl_path, &p3));
        assert!(krl_revokes(&krl_path, &lost_path));
    }
}
