//! Signing user and host certificates, and the trust lines that go with
//! them (`TrustedUserCAKeys` content, `@cert-authority` known_hosts lines).
//!
//! User certificates follow the practice of step-ca, Vault and Teleport:
//! short-lived (at most [`MAX_USER_VALIDITY`]; a longer request is an
//! error, never silently shortened), `valid_after` backdated by
//! [`CLOCK_SKEW`] so a server whose clock is slightly behind still accepts
//! a fresh certificate, an explicit list of principals (never the "all
//! principals" golden ticket), and only the `permit-pty` extension unless
//! port or agent forwarding is asked for explicitly (`ssh-keygen` would
//! grant X11, agent and port forwarding and user rc by default). A
//! `source-address` list becomes the critical option OpenSSH enforces.
//!
//! Every certificate needs a serial from [`super::CaStore::allocate_serial`]
//! (never 0, which OpenSSH cannot revoke) and a key ID, which sshd logs on
//! every login.

use ssh_key::certificate::{Builder, CertType};
use ssh_key::rand_core::OsRng;
use ssh_key::{Certificate, PublicKey};

use super::store::{CaKey, CaRole};
use super::Error;
use crate::inventory::net::Cidr;

/// Longest validity of a user certificate, in seconds (24 hours).
pub const MAX_USER_VALIDITY: u64 = 24 * 3600;
/// How far `valid_after` is moved into the past, in seconds (5 minutes).
pub const CLOCK_SKEW: u64 = 5 * 60;
/// Default validity of a host certificate, in seconds (90 days).
pub const DEFAULT_HOST_VALIDITY: u64 = 90 * 86_400;
/// Longest validity of a host certificate, in seconds (366 days).
pub const MAX_HOST_VALIDITY: u64 = 366 * 86_400;

/// What a user certificate says.
#[derive(Clone, Copy, Debug)]
pub struct UserCertRequest<'a> {
    /// Key ID, e.g. `alice@laptop`; sshd logs it with the serial.
    pub key_id: &'a str,
    /// Principals (roles such as `ops-admin`, matched by the servers'
    /// `AuthorizedPrincipalsFile`); at least one.
    pub principals: &'a [String],
    /// Start of validity, Unix seconds (usually now); the certificate is
    /// backdated by [`CLOCK_SKEW`] from here.
    pub valid_after: u64,
    /// End of validity, Unix seconds; at most [`MAX_USER_VALIDITY`] after
    /// `valid_after`.
    pub valid_before: u64,
    /// Serial from the CA store (not 0).
    pub serial: u64,
    /// Addresses the certificate may be used from (`source-address`);
    /// `None` for anywhere. An empty list is refused.
    pub source_address: Option<&'a [Cidr]>,
    /// Adds `permit-port-forwarding`.
    pub permit_port_forwarding: bool,
    /// Adds `permit-agent-forwarding`.
    pub permit_agent_forwarding: bool,
}

/// What a host certificate says.
#[derive(Clone, Copy, Debug)]
pub struct HostCertRequest<'a> {
    /// Key ID, e.g. the host's inventory name.
    pub key_id: &'a str,
    /// Every name and address clients use for the host (FQDN, short name,
    /// IPs); at least one.
    pub principals: &'a [String],
    /// Start of validity, Unix seconds (usually now); backdated by
    /// [`CLOCK_SKEW`].
    pub valid_after: u64,
    /// Validity in seconds from `valid_after`, usually
    /// [`DEFAULT_HOST_VALIDITY`]; at most [`MAX_HOST_VALIDITY`].
    pub validity: u64,
    /// Serial from the CA store (not 0).
    pub serial: u64,
}

/// Signs a user certificate for `subject` with the user CA key `ca`.
pub fn sign_user(
    ca: &CaKey,
    subject: &PublicKey,
    req: &UserCertRequest<'_>,
) -> Result<Certificate, Error> {
    expect_role(ca, CaRole::User)?;
    check_common(req.key_id, req.principals, req.serial)?;
    if req.valid_before <= req.valid_after {
        return Err(Error::Invalid(format!(
            "certificate for `{}` ends ({}) before it starts ({})",
            req.key_id, req.valid_before, req.valid_after
        )));
    }
    let requested = req.valid_before - req.valid_after;
    if requested > MAX_USER_VALIDITY {
        return Err(Error::ValidityTooLong {
            requested,
            max: MAX_USER_VALIDITY,
        });
    }
    let mut b = Builder::new_with_random_nonce(
        &mut OsRng,
        subject.key_data().clone(),
        req.valid_after.saturating_sub(CLOCK_SKEW),
        req.valid_before,
    )?;
    b.cert_type(CertType::User)?
        .serial(req.serial)?
        .key_id(req.key_id)?
        .comment(req.key_id)?;
    for p in req.principals {
        b.valid_principal(p.as_str())?;
    }
    b.extension("permit-pty", "")?;
    if req.permit_port_forwarding {
        b.extension("permit-port-forwarding", "")?;
    }
    if req.permit_agent_forwarding {
        b.extension("permit-agent-forwarding", "")?;
    }
    if let Some(cidrs) = req.source_address {
        if cidrs.is_empty() {
            return Err(Error::Invalid(format!(
                "certificate for `{}` has an empty source-address list (it could never be \
                 used); leave source_address unset to allow any address",
                req.key_id
            )));
        }
        b.critical_option("source-address", cidr_list(cidrs))?;
    }
    Ok(b.sign(ca.private_key())?)
}

/// Signs a host certificate for `host_key` with the host CA key `ca`.
pub fn sign_host(
    ca: &CaKey,
    host_key: &PublicKey,
    req: &HostCertRequest<'_>,
) -> Result<Certificate, Error> {
    expect_role(ca, CaRole::Host)?;
    check_common(req.key_id, req.principals, req.serial)?;
    if req.validity == 0 {
        return Err(Error::Invalid(format!(
            "host certificate for `{}` has zero validity",
            req.key_id
        )));
    }
    if req.validity > MAX_HOST_VALIDITY {
        return Err(Error::ValidityTooLong {
            requested: req.validity,
            max: MAX_HOST_VALIDITY,
        });
    }
    let valid_before = req.valid_after.checked_add(req.validity).ok_or_else(|| {
        Error::Invalid(format!(
            "host certificate for `{}` ends after the year 292 billion",
            req.key_id
        ))
    })?;
    let mut b = Builder::new_with_random_nonce(
        &mut OsRng,
        host_key.key_data().clone(),
        req.valid_after.saturating_sub(CLOCK_SKEW),
        valid_before,
    )?;
    b.cert_type(CertType::Host)?
        .serial(req.serial)?
        .key_id(req.key_id)?
        .comment(req.key_id)?;
    for p in req.principals {
        b.valid_principal(p.as_str())?;
    }
    Ok(b.sign(ca.private_key())?)
}

/// The known_hosts line that makes a client trust host certificates signed
/// by `ca` for hosts matching `pattern` (e.g. `*.example.com`, or
/// `[10.0.0.5]:2222` for a non-default port). Ends with a newline.
pub fn cert_authority_line(pattern: &str, ca: &PublicKey) -> Result<String, Error> {
    if pattern.is_empty() || pattern.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::Invalid(format!(
            "known_hosts pattern `{pattern}` must be non-empty and without spaces \
             (separate several patterns with commas)"
        )));
    }
    Ok(format!("@cert-authority {pattern} {}\n", ca.to_openssh()?))
}

/// `@cert-authority` lines for every trusted host CA key (two during a
/// rotation), in the order given.
pub fn known_hosts_lines(pattern: &str, keys: &[PublicKey]) -> Result<String, Error> {
    keys.iter()
        .map(|k| cert_authority_line(pattern, k))
        .collect()
}

/// Content of sshd's `TrustedUserCAKeys` file: one CA public key per line
/// (two during a rotation), in the order given.
pub fn trusted_user_ca_keys(keys: &[PublicKey]) -> Result<String, Error> {
    let mut out = String::new();
    for k in keys {
        out.push_str(&k.to_openssh()?);
        out.push('\n');
    }
    Ok(out)
}

/// `source-address` value: comma-separated prefixes, always with an
/// explicit length and host bits cleared, as OpenSSH parses them.
pub(super) fn cidr_list(cidrs: &[Cidr]) -> String {
    cidrs
        .iter()
        .map(|c| format!("{}/{}", c.network(), c.prefix))
        .collect::<Vec<_>>()
        .join(",")
}

fn expect_role(ca: &CaKey, expected: CaRole) -> Result<(), Error> {
    if ca.role() != expected {
        return Err(Error::WrongRole {
            expected,
            got: ca.role(),
        });
    }
    Ok(())
}

/// Checks key ID, principals and serial shared by both certificate kinds.
fn check_common(key_id: &str, principals: &[String], serial: u64) -> Result<(), Error> {
    if key_id.is_empty() || key_id.chars().any(char::is_control) {
        return Err(Error::Invalid(format!(
            "key ID {key_id:?} must be non-empty and printable (sshd logs it)"
        )));
    }
    if serial == 0 {
        return Err(Error::Invalid(format!(
            "certificate `{key_id}` has serial 0, which cannot be revoked; allocate one from \
             the CA store"
        )));
    }
    if principals.is_empty() {
        return Err(Error::Invalid(format!(
            "certificate `{key_id}` names no principal; harden never issues certificates \
             valid for every principal"
        )));
    }
    for p in principals {
        if p.is_empty()
            || p.chars()
                .any(|c| c == ',' || c.is_whitespace() || c.is_control())
        {
            return Err(Error::Invalid(format!(
                "principal {p:?} of `{key_id}` must be non-empty, without spaces or commas"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "sign_tests.rs"]
mod tests;
