//! The host certificate: kept while it is good, re-signed when not.
//!
//! A certificate's bytes differ on every signing, so "desired" cannot be
//! a fixed text: the host's current certificate *is* the desired one as
//! long as it certifies this host's key, comes from a trusted host CA
//! generation, names exactly the host's names and addresses and has more
//! than `renew_days` left, signed by the newest generation (so a rotation
//! moves hosts to the new CA with the next apply). Only then is nothing
//! written, so a second apply
//! changes nothing; otherwise a new certificate is signed (random serial:
//! host certificates are replaced, never revoked one by one).

use ssh_key::{Certificate, HashAlg, PublicKey};

use super::{HOST_CERT, HOST_KEY_PUB};
use crate::ca::{sign_host, CaRuntime, HostCertRequest};
use crate::contract::Facts;
use crate::contract::HostCtx;
use crate::report::model::{Finding, Fix};

/// Names the certificate must carry: host name and every address.
pub fn principals(ctx: &HostCtx<'_>) -> Vec<String> {
    let mut p: Vec<String> = vec![ctx.host.name.clone()];
    p.extend(ctx.host.addresses.iter().map(ToString::to_string));
    p.sort();
    p.dedup();
    p
}

/// Why the host's current certificate is not good enough, if it is not.
pub fn problem(ctx: &HostCtx<'_>, ca: &CaRuntime, facts: &Facts) -> Option<String> {
    let cert_file = facts.file(HOST_CERT);
    if !cert_file.present {
        return Some("absent".into());
    }
    let Ok(cert) = Certificate::from_openssh(cert_file.text().trim()) else {
        return Some("unreadable".into());
    };
    let key = PublicKey::from_openssh(facts.file(HOST_KEY_PUB).text().trim()).ok()?;
    if cert.public_key() != key.key_data() {
        return Some("certifies another key".into());
    }
    if cert.cert_type() != ssh_key::certificate::CertType::Host {
        return Some("not a host certificate".into());
    }
    let fps: Vec<_> = ca
        .trusted_host
        .iter()
        .map(|k| k.fingerprint(HashAlg::Sha256))
        .collect();
    let now = crate::timefmt::now();
    if cert.validate_at(now, &fps).is_err() {
        return Some("not signed by a trusted host CA, or not valid now".into());
    }
    let newest = ca
        .trusted_host
        .last()
        .map(|k| k.fingerprint(HashAlg::Sha256));
    if newest.is_some_and(|n| cert.signature_key().fingerprint(HashAlg::Sha256) != n) {
        return Some("signed by an older host CA generation".into());
    }
    let mut names = cert.valid_principals().to_vec();
    names.sort();
    if names != principals(ctx) {
        return Some(format!(
            "names {} instead of {}",
            names.join(","),
            principals(ctx).join(",")
        ));
    }
    let left = cert.valid_before().saturating_sub(now);
    if left < u64::from(ca.settings.renew_days) * 86_400 {
        return Some(format!("expires in {} days", left / 86_400));
    }
    None
}

/// The certificate text to have on the host; `Ok(None)` when it cannot be
/// signed (CA locked: offline rendering).
pub fn desired(ctx: &HostCtx<'_>, ca: &CaRuntime, facts: &Facts) -> Result<Option<String>, String> {
    let key_text = facts.file(HOST_KEY_PUB).text();
    let Ok(key) = PublicKey::from_openssh(key_text.trim()) else {
        return Err(format!(
            "{HOST_KEY_PUB} is missing or unreadable: cannot certify the host key"
        ));
    };
    if problem(ctx, ca, facts).is_none() {
        return Ok(Some(facts.file(HOST_CERT).text()));
    }
    let Some(signer) = ca.host_signer() else {
        return Ok(None);
    };
    let signer = signer?;
    let names = principals(ctx);
    let serial = (crate::random::u64() | 1) & 0x7fff_ffff_ffff_ffff;
    let cert = sign_host(
        signer,
        &key,
        &HostCertRequest {
            key_id: &format!("host/{}", ctx.host.name),
            principals: &names,
            valid_after: crate::timefmt::now(),
            validity: u64::from(ca.settings.host_days) * 86_400,
            serial,
        },
    )
    .map_err(|e| format!("signing the host certificate: {e}"))?;
    cert.to_openssh()
        .map(|l| Some(format!("{l}\n")))
        .map_err(|e| e.to_string())
}

/// The typed finding for drift.
pub fn finding(ctx: &HostCtx<'_>, ca: &CaRuntime, facts: &Facts) -> Finding {
    let f = Finding::new(
        "ssh-ca",
        "host-certificate",
        HOST_CERT,
        crate::tom::CRITICAL_LOGIN.id,
    );
    let want = format!(
        "signed by the host CA, names {}, > {} days left",
        principals(ctx).join(","),
        ca.settings.renew_days
    );
    match problem(ctx, ca, facts) {
        None => f.ok(want),
        Some(p) => f.drift(want, p, Fix::Activate),
    }
}
