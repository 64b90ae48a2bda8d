//! What is refused (hostile keys and values, oversized files and specs)
//! and how a file's state is shown in a finding (escaped, bounded).

use super::tests::spec;
use super::*;

#[test]
fn hostile_keys_values_and_sizes_are_refused() {
    let cases: &[(Syntax, &str, &str, &str)] = &[
        (
            Syntax::Spaced,
            "PASS_MAX_DAYS",
            "90\nUMASK 000",
            "keyed-bad-value",
        ),
        (Syntax::Spaced, "PASS_MAX_DAYS", "9\r", "keyed-bad-value"),
        (
            Syntax::Spaced,
            "PASS_MAX_DAYS",
            "\u{1b}[2J",
            "keyed-bad-value",
        ),
        (
            Syntax::Spaced,
            "PASS_MAX_DAYS",
            "90\u{202e}",
            "keyed-bad-value",
        ),
        (Syntax::Spaced, "PASS_MAX_DAYS", "9\t0", "keyed-bad-value"),
        (Syntax::Spaced, "PASS_MAX_DAYS", "90 # x", "keyed-bad-value"),
        (Syntax::Spaced, "PASS_MAX_DAYS", "\"90\"", "keyed-bad-value"),
        (Syntax::Spaced, "PASS_MAX_DAYS", "", "keyed-bad-value"),
        (Syntax::Spaced, "PASS_MAX_DAYS", " 90", "keyed-bad-value"),
        (
            Syntax::Spaced,
            "PASS_MAX_DAYS",
            "\u{fffd}",
            "keyed-bad-value",
        ),
        (Syntax::Equals, "minlen", "=8", "keyed-bad-value"),
        (Syntax::Sysctl, "kernel.sysrq", "", "keyed-bad-value"),
        (Syntax::Spaced, "PASS MAX", "1", "keyed-bad-key"),
        (Syntax::Spaced, "", "1", "keyed-bad-key"),
        (Syntax::Equals, "a=b", "1", "keyed-bad-key"),
        (Syntax::Sysctl, "-kernel.sysrq", "1", "keyed-bad-key"),
        (Syntax::Sysctl, "net/ipv4/ip_forward", "1", "keyed-bad-key"),
        (Syntax::Spaced, "KEY\n", "1", "keyed-bad-key"),
    ];
    for (syntax, key, value, code) in cases {
        let s = spec(*syntax, &[(key, value)]);
        let err = apply(b"A 1\n", &s).expect_err(key);
        assert_eq!(err.code(), *code, "{key:?} = {value:?}: {err}");
        assert_eq!(read(b"A 1\n", &s).expect_err(key), err);
        assert!(
            !err.to_string().contains(['\n', '\r', '\u{1b}', '\u{202e}']),
            "{err}"
        );
    }
    let long = "9".repeat(MAX_VALUE + 1);
    let s = spec(Syntax::Spaced, &[("K", &long)]);
    assert_eq!(apply(b"", &s).map_err(|e| e.code()), Err("keyed-bad-value"));
    let long_key = "K".repeat(MAX_KEY + 1);
    let s = spec(Syntax::Spaced, &[(&long_key, "1")]);
    assert_eq!(apply(b"", &s).map_err(|e| e.code()), Err("keyed-bad-key"));
    let mut s = spec(Syntax::Spaced, &[("UMASK", "027"), ("umask", "022")]);
    assert!(apply(b"", &s).is_ok(), "distinct keys when case matters");
    s.case_insensitive_keys = true;
    assert_eq!(
        apply(b"", &s).map_err(|e| e.code()),
        Err("keyed-duplicate-key")
    );
    let big = vec![b'#'; MAX_FILE + 1];
    let s = spec(Syntax::Spaced, &[("UMASK", "027")]);
    assert_eq!(
        apply(&big, &s).map_err(|e| e.code()),
        Err("keyed-too-large")
    );
    assert_eq!(read(&big, &s).map_err(|e| e.code()), Err("keyed-too-large"));
    let many: Vec<(String, String)> = (0..=MAX_KEYS)
        .map(|i| (format!("K{i}"), "1".into()))
        .collect();
    let s = KeyedSpec {
        syntax: Syntax::Spaced,
        keys: many,
        case_insensitive_keys: false,
    };
    assert_eq!(
        apply(b"", &s).map_err(|e| e.code()),
        Err("keyed-too-many-keys")
    );
}

#[test]
fn finding_texts_are_bounded_and_escaped() {
    let s = spec(Syntax::Equals, &[("minlen", "12"), ("difok", "5")]);
    let input = b"minlen = 8\x1b[2J\n";
    let states = read(input, &s).expect("read");
    assert_eq!(expected_text(&states), "minlen=12, difok=5");
    assert_eq!(actual_text(&states), "minlen=8\\u{1b}[2J, difok unset");
    let long = format!("minlen = {}\n", "x".repeat(5000));
    let t = actual_text(&read(long.as_bytes(), &s).expect("read"));
    assert!(t.chars().count() < 200, "{t}");
}
