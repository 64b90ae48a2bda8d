//! The DER reader on real certificates (rcgen) and on hostile input:
//! every truncation, byte flips, garbage and crafted lengths give an
//! error or a bounded summary, never a panic.

use std::net::IpAddr;

use super::der::{summary, DerError, MAX_CERT};
use super::testkit::chain;

fn leaf() -> Vec<u8> {
    chain(
        &[
            "db1.otc.internal",
            "portal.example.com",
            "10.1.2.3",
            "2001:db8::7",
        ],
        "db1.otc.internal",
        "Acme Backend Ops",
        "Acme Internal CA",
    )
    .certs[0]
        .to_vec()
}

#[test]
fn reads_subject_issuer_and_alt_names_of_a_real_certificate() {
    let s = summary(&leaf()).expect("reads");
    assert_eq!(s.common_names, vec!["db1.otc.internal"]);
    assert!(s.subject.contains("CN=db1.otc.internal"), "{}", s.subject);
    assert!(s.subject.contains("O=Acme Backend Ops"), "{}", s.subject);
    assert_eq!(s.issuer, "CN=Acme Internal CA");
    assert_eq!(s.dns_names, vec!["db1.otc.internal", "portal.example.com"]);
    let want: Vec<IpAddr> = vec!["10.1.2.3".parse().unwrap(), "2001:db8::7".parse().unwrap()];
    assert_eq!(s.ip_addrs, want);
}

#[test]
fn every_truncation_is_an_error_not_a_panic() {
    let der = leaf();
    for n in 0..der.len() {
        assert!(
            summary(&der[..n]).is_err(),
            "truncated at {n} read as a certificate"
        );
    }
}

/// A small deterministic generator (no new crate).
fn lcg(seed: &mut u64) -> u64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *seed >> 33
}

#[test]
fn flipped_bytes_and_garbage_never_panic_and_stay_bounded() {
    let der = leaf();
    let mut seed = 7u64;
    for _ in 0..3000 {
        let mut d = der.clone();
        for _ in 0..(1 + lcg(&mut seed) % 4) {
            let i = (lcg(&mut seed) as usize) % d.len();
            d[i] = lcg(&mut seed) as u8;
        }
        if let Ok(s) = summary(&d) {
            assert!(s.dns_names.len() + s.ip_addrs.len() <= 64);
            assert!(s.subject.chars().count() <= 1025);
            assert!(!s.subject.chars().any(char::is_control));
        }
    }
    for len in [0usize, 1, 2, 3, 17, 300, 5000] {
        let g: Vec<u8> = (0..len).map(|_| lcg(&mut seed) as u8).collect();
        let _ = summary(&g);
    }
}

#[test]
fn crafted_lengths_and_tags_are_refused() {
    // Indefinite length, a 4-byte length, a length past the end, a high tag.
    for bad in [
        &[0x30, 0x80, 0x00, 0x00][..],
        &[0x30, 0x84, 0x00, 0x00, 0x00, 0x01, 0x00],
        &[0x30, 0x82, 0xff, 0xff, 0x00],
        &[0x3f, 0x01, 0x00],
        &[0x30, 0x00],
    ] {
        assert!(
            matches!(summary(bad), Err(DerError::Malformed(_))),
            "{bad:?}"
        );
    }
    assert_eq!(
        summary(&vec![0u8; MAX_CERT + 1]),
        Err(DerError::TooLarge(MAX_CERT + 1))
    );
}

#[test]
fn control_characters_in_names_are_replaced() {
    let c = chain(&["ok.example.com"], "evil\n\u{1b}[2Jname", "O", "CA");
    let s = summary(&c.certs[0]).expect("reads");
    assert_eq!(s.common_names, vec!["evil??[2Jname"]);
    assert!(!s.subject.chars().any(char::is_control));
}

#[test]
fn many_alt_names_are_capped() {
    let names: Vec<String> = (0..200).map(|i| format!("h{i}.example.com")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let c = chain(&refs, "x", "O", "CA");
    let s = summary(&c.certs[0]).expect("reads");
    assert_eq!(s.dns_names.len(), 64);
}
