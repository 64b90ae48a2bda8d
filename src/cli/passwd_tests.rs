//! `passwd generate`: lengths per host class, the alphabet, uniqueness,
//! the entropy figure, unbiased sampling, the count bound and an unknown
//! host.

use std::collections::HashSet;
use std::path::Path;

use clap::Parser;

use super::*;
use crate::cli::Cli;
use crate::controls::sections::sections;

const INV: &str = "[defaults]\ncontroller_sources = [\"10.213.0.2\"]\nknown_hosts = \"known_hosts\"\n
[[hosts]]\nname = \"app\"\naddress = \"10.0.0.1\"\nprovider = \"telekom\"\nenvironment = \"test\"\nroles = [\"app\"]\n
[[hosts]]\nname = \"db\"\naddress = \"10.0.0.2\"\nprovider = \"telekom\"\nenvironment = \"test\"\nroles = [\"data\"]\ndisks = []\n
[[hosts]]\nname = \"strict\"\naddress = \"10.0.0.3\"\nprovider = \"telekom\"\nenvironment = \"test\"\nroles = [\"app\"]\npasswords = { min_length = 20 }\n";

fn inv() -> Inventory {
    crate::inventory::load_str(Path::new("/x/inv.toml"), INV.into(), sections()).expect("loads")
}

fn args(host: Option<&str>, count: u32) -> GenerateArgs {
    GenerateArgs {
        host: host.map(str::to_string),
        count,
    }
}

/// The printed lines of one call.
fn lines(host: Option<&str>, count: u32) -> Vec<(String, String)> {
    let inv = inv();
    let mut out = Vec::new();
    assert_eq!(
        generate_cmd(Some(&inv), &args(host, count), &mut out).expect("runs"),
        0
    );
    String::from_utf8(out)
        .expect("utf-8")
        .lines()
        .map(|l| {
            let (p, bits) = l.split_once("  ").expect("password, two spaces, bits");
            (p.to_string(), bits.to_string())
        })
        .collect()
}

#[test]
fn length_per_host_class() {
    for (host, len) in [
        (Some("app"), 12),
        (Some("db"), 30),
        (Some("strict"), 20),
        (None, 30),
    ] {
        let got = lines(host, 5);
        assert_eq!(got.len(), 5);
        for (p, _) in got {
            assert_eq!(p.chars().count(), len, "{host:?}: {p}");
        }
    }
}

#[test]
fn only_alphabet_symbols_and_the_alphabet_is_as_documented() {
    assert_eq!(ALPHABET.len(), 67);
    let unique: HashSet<&u8> = ALPHABET.iter().collect();
    assert_eq!(unique.len(), ALPHABET.len(), "no symbol twice");
    for c in b"Il1O0 '\"\\$`" {
        assert!(!ALPHABET.contains(c), "{}", char::from(*c));
    }
    for (p, _) in lines(Some("db"), 50) {
        assert!(p.bytes().all(|b| ALPHABET.contains(&b)), "{p}");
    }
}

#[test]
fn no_two_equal_in_1000() {
    let mut seen = HashSet::new();
    for _ in 0..1000 {
        assert!(seen.insert(generate(12).expect("random")));
    }
}

#[test]
fn entropy_figure_is_length_times_log2_of_67() {
    assert!(
        (entropy_bits(12) - 72.79).abs() < 0.01,
        "{}",
        entropy_bits(12)
    );
    assert!(
        (entropy_bits(30) - 181.98).abs() < 0.01,
        "{}",
        entropy_bits(30)
    );
    let got = lines(Some("app"), 1);
    assert_eq!(got[0].1, "72.8 bits");
    assert_eq!(lines(Some("db"), 1)[0].1, "182.0 bits");
}

#[test]
fn rejection_sampling_drops_the_bytes_that_would_bias() {
    // 256 % 67 = 55: bytes 201..=255 are thrown away, 0..=200 map to
    // byte % 67 (each symbol exactly 3 bytes).
    let mut feed = |b: &mut [u8]| {
        for (i, x) in b.iter_mut().enumerate() {
            *x = if i % 2 == 0 { 255 } else { 67 + 1 };
        }
        Ok(())
    };
    let p = generate_with(4, &mut feed).expect("generates");
    assert_eq!(p, "BBBB", "255 rejected, 68 % 67 = 1 -> B");
    let mut counts = [0usize; 67];
    for b in 0..=255u8 {
        if usize::from(b) < 201 {
            counts[usize::from(b) % 67] += 1;
        }
    }
    assert!(
        counts.iter().all(|&c| c == 3),
        "uniform over the accepted bytes"
    );
    // A source that only ever gives rejected bytes ends, with an error.
    let mut bad = |b: &mut [u8]| {
        b.fill(250);
        Ok(())
    };
    let e = generate_with(12, &mut bad).expect_err("bounded");
    assert!(e.to_string().contains("passwd-random"), "{e}");
    // A failing source is an error, never a fallback.
    let mut broken = |_: &mut [u8]| Err(anyhow!("no entropy"));
    assert!(generate_with(12, &mut broken).is_err());
}

#[test]
fn a_bad_count_is_refused() {
    for bad in ["0", "101", "-1", "x"] {
        let e =
            Cli::try_parse_from(["harden", "passwd", "generate", "--count", bad]).expect_err(bad);
        assert_eq!(crate::cli::usage_exit_code(e.kind()), 1, "{bad}");
    }
    for ok in ["1", "100"] {
        assert!(Cli::try_parse_from(["harden", "passwd", "generate", "--count", ok]).is_ok());
    }
    let mut out = Vec::new();
    let e = generate_cmd(None, &args(None, 0), &mut out).expect_err("count 0");
    assert!(e.to_string().contains("passwd-count"));
    assert!(out.is_empty());
}

#[test]
fn an_unknown_host_is_a_clear_error() {
    let inv = inv();
    let mut out = Vec::new();
    let e = generate_cmd(Some(&inv), &args(Some("nope"), 3), &mut out).expect_err("unknown");
    assert!(
        e.to_string()
            .contains("[passwd-unknown-host] no host named \"nope\""),
        "{e}"
    );
    assert!(out.is_empty(), "nothing printed");
}
