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

mod encode;
pub(crate) mod format;
mod revoke;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};
use ssh_key::PublicKey;

use std::collections::BTreeMap;

use super::store::{CaRole, State};
use super::Error;
use crate::timefmt;

pub use encode::Krl;

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
pub(in crate::ca) fn build(state: &State) -> Result<Krl, String> {
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
pub(in crate::ca) fn record(state: &mut State, entries: Vec<Revocation>) -> bool {
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
pub(in crate::ca) fn entry(
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

/// A key in OpenSSH form without its comment.
pub(in crate::ca) fn key_text(key: &PublicKey) -> Result<String, Error> {
    Ok(PublicKey::new(key.key_data().clone(), "").to_openssh()?)
}
