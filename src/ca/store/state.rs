//! Which CA a key belongs to, the generations and `state.json`'s content,
//! with the invariants every read and write checks.

use std::fmt;

use serde::{Deserialize, Serialize};
use ssh_key::{HashAlg, PublicKey};

use super::STATE_FORMAT;
use crate::ca::krl::Revocation;

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
    pub(super) fn check(&self) -> Result<(), String> {
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
        crate::ca::krl::build(self)?;
        Ok(())
    }
}
