//! Revoking through the CA store: keys, serials and key IDs recorded in
//! `state.json`, and the KRL the state encodes to.

use ssh_key::{HashAlg, PublicKey};

use super::encode::check_key_id;
use super::{build, entry, key_text, record, Krl, Revocation, RevocationKind};
use crate::ca::store::{CaRole, CaStore};
use crate::ca::Error;

fn check_reason(reason: &str) -> Result<(), Error> {
    if reason.trim().is_empty() {
        return Err(Error::Invalid(
            "give a reason for the revocation (it is kept for the audit trail)".into(),
        ));
    }
    Ok(())
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
