//! Unit tests of certificate signing and the trust lines.

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
