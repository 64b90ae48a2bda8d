//! Every parser against every cut and a few thousand mutations of the real
//! fixtures: it must return (a value or a typed error), never panic, and a
//! cut inside the output must not go unnoticed everywhere.

use super::live::out;
use super::*;

/// A parser under test: runs it, says whether it succeeded.
type Parse = Box<dyn Fn(&str) -> bool>;

fn parsers() -> Vec<(&'static str, &'static str, Parse)> {
    fn p<K: Kind + 'static>(k: K) -> Parse {
        Box::new(move |s| k.parse(&out(0, s, "")).is_ok())
    }
    let luks = || LuksDump::new("/dev/x").expect("path");
    let stat = || FileStat::new("/x").expect("path");
    let hap = || HaproxyState::with_stats("/s").expect("path");
    vec![
        (
            "lsblk",
            fixture!("lsblk/loop-parts-mounted.json"),
            p(BlockDevices),
        ),
        (
            "luks2",
            fixture!("luks/luks2-argon2id-pbkdf2.out"),
            p(luks()),
        ),
        (
            "luks2-re",
            fixture!("luks/luks2-reencrypt-token.out"),
            p(luks()),
        ),
        ("luks1", fixture!("luks/luks1.out"), p(luks())),
        ("shadow", fixture!("shadow/accounts.out"), p(Shadow)),
        ("ss", fixture!("ss/loopback.out"), p(Listeners)),
        ("haproxy", fixture!("haproxy/vv-info.out"), p(hap())),
        ("stat", fixture!("stat/shadow.out"), p(stat())),
    ]
}

#[test]
fn every_cut_of_every_fixture_returns() {
    for (name, text, parse) in parsers() {
        assert!(parse(text), "{name}: the fixture itself parses");
        let mut refused = 0;
        for (i, _) in text.char_indices().skip(1) {
            if !parse(&text[..i]) {
                refused += 1;
            }
        }
        assert!(refused > 0, "{name}: no cut was refused");
    }
}

#[test]
fn mutated_fixtures_never_panic() {
    const NASTY: &[&str] = &[
        "\u{0}",
        "\n",
        "\"",
        ":",
        "@@",
        "\u{1b}",
        "9999999999999999999999",
        "-",
        "{",
        "]",
        "é",
        "\u{202e}",
        " ",
        ",",
        "(",
        ")",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    for (_, text, parse) in parsers() {
        let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        for _ in 0..1500 {
            let i = next(bounds.len());
            let (at, end) = (bounds[i], *bounds.get(i + next(3)).unwrap_or(&text.len()));
            let s = format!(
                "{}{}{}",
                &text[..at],
                NASTY[next(NASTY.len())],
                &text[end..]
            );
            let _ = parse(&s); // must return
        }
    }
}
