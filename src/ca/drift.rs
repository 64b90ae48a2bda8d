//! Signing the read-only drift certificate (see [`crate::drift_access`]).
//!
//! Unlike a person's certificate it lives for weeks (it is a CI secret,
//! rotated by signing a new one, revoked through the KRL like any other),
//! so everything it could grant is taken away in the certificate itself:
//! the one principal [`crate::drift_access::PRINCIPAL`], the critical
//! option `force-command` naming the probe runner, no extension at all
//! (no pty, no port, agent or X11 forwarding, no user rc), and an optional
//! `source-address` list.

use ssh_key::certificate::{Builder, CertType};
use ssh_key::rand_core::OsRng;
use ssh_key::{Certificate, PublicKey};

use super::sign::CLOCK_SKEW;
use super::store::{CaKey, CaRole};
use super::Error;
use crate::inventory::net::Cidr;

/// Default validity of a drift certificate, in seconds (90 days).
pub const DEFAULT_DRIFT_VALIDITY: u64 = 90 * 86_400;
/// Longest validity of a drift certificate, in seconds (366 days).
pub const MAX_DRIFT_VALIDITY: u64 = 366 * 86_400;

/// Signs `subject` as a drift certificate valid from `now` for `validity`
/// seconds, usable only from `sources` when given.
pub fn sign_drift(
    ca: &CaKey,
    subject: &PublicKey,
    key_id: &str,
    serial: u64,
    now: u64,
    validity: u64,
    sources: Option<&[Cidr]>,
) -> Result<Certificate, Error> {
    if ca.role() != CaRole::User {
        return Err(Error::Invalid(
            "a drift certificate is signed by the user CA".into(),
        ));
    }
    if serial == 0 || key_id.is_empty() || key_id.chars().any(char::is_control) {
        return Err(Error::Invalid(
            "drift certificate needs a serial and a key id".into(),
        ));
    }
    if validity == 0 || validity > MAX_DRIFT_VALIDITY {
        return Err(Error::ValidityTooLong {
            requested: validity,
            max: MAX_DRIFT_VALIDITY,
        });
    }
    let mut b = Builder::new_with_random_nonce(
        &mut OsRng,
        subject.key_data().clone(),
        now.saturating_sub(CLOCK_SKEW),
        now + validity,
    )?;
    b.cert_type(CertType::User)?
        .serial(serial)?
        .key_id(key_id)?
        .comment(key_id)?
        .valid_principal(crate::drift_access::PRINCIPAL)?;
    b.critical_option("force-command", crate::drift_access::RUNNER)?;
    if let Some(cidrs) = sources {
        if cidrs.is_empty() {
            return Err(Error::Invalid("empty source-address list".into()));
        }
        b.critical_option("source-address", super::sign::cidr_list(cidrs))?;
    }
    Ok(b.sign(ca.private_key())?)
}

#[cfg(test)]
#[path = "drift_tests.rs"]
mod tests;
