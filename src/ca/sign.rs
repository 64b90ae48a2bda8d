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
fn cidr_list(cidrs: &[Cidr]) -> String {
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
mod tests {
    use super::*;
    use crate::ca::testutil::{ssh_keygen, user_key};
    use ssh_key::HashAlg;

    const NOW: u64 = 1_795_000_000;

    fn principals(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| s.to_string()).collect()
    }

    fn now() -> u64 {
        crate::timefmt::now()
    }

    #[test]
    fn user_cert_carries_what_was_asked_and_validates() {
        let ca = CaKey::ephemeral(CaRole::User, 1);
        let subject = user_key();
        let roles = principals(&["ops-admin", "deploy"]);
        let cidrs = [
            Cidr::parse("10.0.0.0/8").expect("cidr"),
            Cidr::parse("192.0.2.7").expect("cidr"),
            Cidr::parse("2001:db8::/32").expect("cidr"),
        ];
        let t = now();
        let req = UserCertRequest {
            key_id: "alice@laptop",
            principals: &roles,
            valid_after: t,
            valid_before: t + 8 * 3600,
            serial: 42,
            source_address: Some(&cidrs),
            permit_port_forwarding: false,
            permit_agent_forwarding: false,
        };
        let cert = sign_user(&ca, &subject, &req).expect("sign");
        cert.validate([&ca.fingerprint()]).expect("validates");
        let other = CaKey::ephemeral(CaRole::User, 2);
        assert!(cert.validate([&other.fingerprint()]).is_err());
        assert_eq!(cert.cert_type(), CertType::User);
        assert_eq!(cert.key_id(), "alice@laptop");
        assert_eq!(cert.serial(), 42);
        assert_eq!(cert.valid_principals(), &roles[..]);
        assert_eq!(cert.valid_after(), t - CLOCK_SKEW);
        assert_eq!(cert.valid_before(), t + 8 * 3600);
        assert_eq!(cert.public_key(), subject.key_data());
        let ext: Vec<_> = cert.extensions().keys().cloned().collect();
        assert_eq!(ext, ["permit-pty"]);
        let opts: Vec<_> = cert.critical_options().iter().collect();
        assert_eq!(
            opts,
            [(
                &"source-address".to_string(),
                &"10.0.0.0/8,192.0.2.7/32,2001:db8::/32".to_string()
            )]
        );

        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("id-cert.pub");
        std::fs::write(&path, cert.to_openssh().expect("encode")).expect("write");
        let (ok, out) = ssh_keygen(&["-L", "-f"], &[&path]);
        assert!(ok, "{out}");
        for want in [
            "user certificate",
            "Key ID: \"alice@laptop\"",
            "Serial: 42",
            "ops-admin",
            "deploy",
            "permit-pty",
            "source-address 10.0.0.0/8,192.0.2.7/32,2001:db8::/32",
            &format!("Signing CA: ED25519 {}", ca.fingerprint()),
        ] {
            assert!(out.contains(want), "missing {want:?} in:\n{out}");
        }
        assert!(!out.contains("permit-port-forwarding"), "{out}");
        assert!(!out.contains("permit-agent-forwarding"), "{out}");
        assert!(!out.contains("permit-X11-forwarding"), "{out}");
    }

    #[test]
    fn forwarding_is_only_added_when_asked() {
        let ca = CaKey::ephemeral(CaRole::User, 1);
        let roles = principals(&["ops-admin"]);
        let req = UserCertRequest {
            key_id: "bob",
            principals: &roles,
            valid_after: NOW,
            valid_before: NOW + 3600,
            serial: 7,
            source_address: None,
            permit_port_forwarding: true,
            permit_agent_forwarding: true,
        };
        let cert = sign_user(&ca, &user_key(), &req).expect("sign");
        let ext: Vec<_> = cert.extensions().keys().cloned().collect();
        assert_eq!(
            ext,
            [
                "permit-agent-forwarding",
                "permit-port-forwarding",
                "permit-pty"
            ]
        );
        assert!(cert.critical_options().is_empty());
    }

    #[test]
    fn bad_user_requests_are_refused() {
        let ca = CaKey::ephemeral(CaRole::User, 1);
        let subject = user_key();
        let roles = principals(&["ops-admin"]);
        let ok = UserCertRequest {
            key_id: "alice",
            principals: &roles,
            valid_after: NOW,
            valid_before: NOW + MAX_USER_VALIDITY,
            serial: 1,
            source_address: None,
            permit_port_forwarding: false,
            permit_agent_forwarding: false,
        };
        sign_user(&ca, &subject, &ok).expect("exactly the maximum is fine");

        let long = UserCertRequest {
            valid_before: NOW + MAX_USER_VALIDITY + 1,
            ..ok
        };
        assert!(matches!(
            sign_user(&ca, &subject, &long),
            Err(Error::ValidityTooLong { requested, max: MAX_USER_VALIDITY })
                if requested == MAX_USER_VALIDITY + 1
        ));
        let none: Vec<String> = Vec::new();
        let bad_principal = principals(&["ops admin"]);
        let empty_cidrs: [Cidr; 0] = [];
        for bad in [
            UserCertRequest {
                principals: &none,
                ..ok
            },
            UserCertRequest {
                principals: &bad_principal,
                ..ok
            },
            UserCertRequest { serial: 0, ..ok },
            UserCertRequest { key_id: "", ..ok },
            UserCertRequest {
                valid_before: NOW,
                ..ok
            },
            UserCertRequest {
                source_address: Some(&empty_cidrs),
                ..ok
            },
        ] {
            let err = sign_user(&ca, &subject, &bad).expect_err("must be refused");
            assert!(matches!(err, Error::Invalid(_)), "{err:?}");
        }
        let host_ca = CaKey::ephemeral(CaRole::Host, 1);
        assert!(matches!(
            sign_user(&host_ca, &subject, &ok),
            Err(Error::WrongRole {
                expected: CaRole::User,
                got: CaRole::Host
            })
        ));
    }

    #[test]
    fn host_cert_names_the_host_and_lasts_90_days() {
        let ca = CaKey::ephemeral(CaRole::Host, 1);
        let host_key = user_key();
        let names = principals(&["web1.example.com", "web1", "192.0.2.10"]);
        let t = now();
        let req = HostCertRequest {
            key_id: "web1",
            principals: &names,
            valid_after: t,
            validity: DEFAULT_HOST_VALIDITY,
            serial: 9,
        };
        let cert = sign_host(&ca, &host_key, &req).expect("sign");
        cert.validate([&ca.fingerprint()]).expect("validates");
        assert_eq!(cert.cert_type(), CertType::Host);
        assert_eq!(cert.valid_principals(), &names[..]);
        assert_eq!(cert.valid_before(), t + 90 * 86_400);
        assert!(cert.extensions().is_empty() && cert.critical_options().is_empty());

        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("host-cert.pub");
        std::fs::write(&path, cert.to_openssh().expect("encode")).expect("write");
        let (ok, out) = ssh_keygen(&["-L", "-f"], &[&path]);
        assert!(ok, "{out}");
        for want in [
            "host certificate",
            "Serial: 9",
            "web1.example.com",
            "192.0.2.10",
        ] {
            assert!(out.contains(want), "missing {want:?} in:\n{out}");
        }

        let user_ca = CaKey::ephemeral(CaRole::User, 1);
        assert!(matches!(
            sign_host(&user_ca, &host_key, &req),
            Err(Error::WrongRole { .. })
        ));
        let long = HostCertRequest {
            validity: MAX_HOST_VALIDITY + 1,
            ..req
        };
        assert!(matches!(
            sign_host(&ca, &host_key, &long),
            Err(Error::ValidityTooLong { .. })
        ));
    }

    #[test]
    fn trust_lines() {
        let a = CaKey::ephemeral(CaRole::Host, 1);
        let b = CaKey::ephemeral(CaRole::Host, 2);
        let keys = [a.public_key().clone(), b.public_key().clone()];
        let text = known_hosts_lines("*.example.com,[10.0.0.5]:2222", &keys).expect("lines");
        let entries: Vec<_> = ssh_key::known_hosts::KnownHosts::new(&text)
            .collect::<Result<_, _>>()
            .expect("ssh-key parses its own known_hosts lines");
        assert_eq!(entries.len(), 2);
        for (e, k) in entries.iter().zip(&keys) {
            assert_eq!(
                e.marker(),
                Some(&ssh_key::known_hosts::Marker::CertAuthority)
            );
            assert_eq!(
                e.public_key().fingerprint(HashAlg::Sha256),
                k.fingerprint(HashAlg::Sha256)
            );
        }
        assert!(text.starts_with("@cert-authority *.example.com,[10.0.0.5]:2222 ssh-ed25519 "));
        assert!(cert_authority_line("a b", &keys[0]).is_err());
        assert!(cert_authority_line("", &keys[0]).is_err());

        let trusted = trusted_user_ca_keys(&keys).expect("text");
        let lines: Vec<_> = trusted.lines().collect();
        assert_eq!(lines.len(), 2);
        for (line, k) in lines.iter().zip(&keys) {
            let parsed = PublicKey::from_openssh(line).expect("one key per line");
            assert_eq!(parsed.key_data(), k.key_data());
        }
        assert!(trusted.ends_with('\n'));
    }
}
