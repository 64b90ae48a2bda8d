//! The warning registry: dedupe, the cap, escaping; and the codes held
//! against docs/cli.md and against the code that prints warnings.

use std::collections::BTreeSet;
use std::path::Path;

use std::sync::Mutex;

use super::{line, say_in, Code, Registry, MAX_DISTINCT, MAX_MESSAGE};

#[test]
fn a_warning_is_said_once_per_code_and_message() {
    let mut r = Registry::new(10);
    let first = r.admit(Code::NoWebhook, "no webhook");
    assert_eq!(
        first.as_deref(),
        Some("harden: warning[warn-no-webhook]: no webhook")
    );
    assert_eq!(r.admit(Code::NoWebhook, "no webhook"), None, "said twice");
    assert_eq!(
        r.admit(Code::NoWebhook, " no webhook\n"),
        None,
        "trimmed alike"
    );
    assert!(r.admit(Code::NoWebhook, "another message").is_some());
    assert!(
        r.admit(Code::Outbox, "no webhook").is_some(),
        "another code with the same text is another warning"
    );
    assert_eq!(r.len(), 3);
    assert_eq!(r.take_suppressed(), None, "nothing was suppressed");
}

#[test]
fn the_registry_is_capped_and_says_how_many_it_suppressed() {
    let mut r = Registry::new(3);
    let said: Vec<bool> = (0..7)
        .map(|i| r.admit(Code::Provider, &format!("host-{i}")).is_some())
        .collect();
    assert_eq!(said, [true, true, true, false, false, false, false]);
    assert_eq!(
        r.admit(Code::Provider, "host-0"),
        None,
        "kept, said already"
    );
    assert_eq!(r.len(), 3, "at most the cap is kept");
    let s = r.take_suppressed().expect("a suppressed line");
    assert_eq!(
        s,
        "harden: warning[warn-suppressed]: 4 more warning(s) suppressed (at most 3 distinct warnings are shown per run)"
    );
    assert_eq!(r.take_suppressed(), None, "said once");
}

#[test]
fn control_characters_from_hosts_are_escaped_and_a_line_is_bounded() {
    let l = line(
        Code::Outbox,
        "0001.json: HTTP 500\n\u{1b}[2J\rfake: ok\u{202e}\u{7f}\t",
    );
    assert_eq!(l.lines().count(), 1, "{l:?}");
    assert!(
        !l.chars()
            .any(|c| crate::inventory::text::bad_char(c).is_some()),
        "{l:?}"
    );
    assert!(
        l.contains("HTTP 500\\u{a}\\u{1b}[2J\\u{d}fake: ok\\u{202e}\\u{7f}"),
        "{l}"
    );
    let long = line(Code::Outbox, &"x".repeat(10 * MAX_MESSAGE));
    assert!(long.chars().count() < MAX_MESSAGE + 40, "{}", long.len());
    assert!(long.ends_with('…'));
    // A flood of distinct long messages stays within the cap's memory.
    let mut r = Registry::new(2);
    for i in 0..50 {
        r.admit(Code::Outbox, &format!("{i}{}", "y".repeat(100_000)));
    }
    assert_eq!(r.len(), 2);
}

#[test]
fn say_prints_a_warning_once_for_many_hosts() {
    let reg = Mutex::new(Registry::new(MAX_DISTINCT));
    let mut out = Vec::new();
    for _host in ["otc-db-1", "otc-app-1", "hz-gw-1"] {
        say_in(&reg, &mut out, Code::NoWebhook, "no [report] webhook");
        say_in(
            &reg,
            &mut out,
            Code::Outbox,
            "outbox: 0001.json: not an event",
        );
    }
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "harden: warning[warn-no-webhook]: no [report] webhook\nharden: warning[warn-outbox]: outbox: 0001.json: not an event\n"
    );
}

#[test]
fn say_goes_through_the_one_process_registry() {
    let msg = "a message only this test says";
    assert!(!super::said(Code::IntentsLeft, msg));
    super::say(Code::IntentsLeft, msg);
    assert!(super::said(Code::IntentsLeft, msg));
    assert!(!super::said(Code::Outbox, msg), "another code");
}

use crate::source_scan::root;

/// The codes in docs/cli.md's warnings table (first column), in order.
fn documented() -> Vec<String> {
    let doc = std::fs::read_to_string(root().join("docs/cli.md")).expect("docs/cli.md");
    let section = doc
        .split("\n## Warnings\n")
        .nth(1)
        .expect("docs/cli.md has a Warnings section");
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_string)
        .collect()
}

#[test]
fn docs_cli_md_lists_exactly_the_codes_in_order() {
    let want: Vec<String> = Code::ALL.iter().map(|c| c.as_str().to_string()).collect();
    assert_eq!(
        documented(),
        want,
        "docs/cli.md's warnings table vs warn::Code::ALL"
    );
    let unique: BTreeSet<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(unique.len(), Code::ALL.len(), "two variants share a code");
    assert!(unique.iter().all(|c| c.starts_with("warn-")));
}

/// Files still printing warnings by hand: owned by another change, to be
/// converted there (remove an entry when it is).
const NOT_YET: &[&str] = &[];

/// The non-test Rust sources of harden under `src/` (the lab tool's
/// `src/bin/harden-lab*` prints its own `harden-lab:` lines).
fn sources() -> Vec<(String, String)> {
    crate::source_scan::files()
        .into_iter()
        .filter(|(rel, _)| !rel.starts_with("src/bin/harden-lab"))
        .collect()
}

/// The argument text of every `eprintln!(…)` / `eprint!(…)` in `src`.
fn stderr_prints(src: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for pat in ["eprintln!(", "eprint!("] {
        for (i, _) in src.match_indices(pat) {
            let rest = &src[i + pat.len()..];
            let mut depth = 1usize;
            let end = rest
                .char_indices()
                .find(|(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map_or(rest.len(), |(j, _)| j);
            out.push(&rest[..end]);
        }
    }
    out
}

#[test]
fn every_warning_goes_through_the_registry_and_every_code_is_used() {
    let files = sources();
    assert!(files.len() > 100, "{} files", files.len());
    let mut raw = Vec::new();
    for (rel, text) in &files {
        if rel == "src/warn.rs" || NOT_YET.contains(&rel.as_str()) {
            continue;
        }
        for args in stderr_prints(text) {
            if args.contains("warning:") || args.contains("warning[") {
                raw.push(format!("{rel}: eprintln!({args})"));
            }
        }
    }
    assert!(
        raw.is_empty(),
        "print these through crate::warn::say:\n{}",
        raw.join("\n")
    );
    for code in Code::ALL.iter().filter(|c| **c != Code::Suppressed) {
        let used = format!("Code::{code:?}");
        assert!(
            files
                .iter()
                .any(|(rel, t)| rel != "src/warn.rs" && t.contains(&used)),
            "{code} ({used}) is said nowhere"
        );
    }
    for rel in NOT_YET {
        assert!(
            Path::new(&root().join(rel)).exists(),
            "{rel} is gone: drop it from NOT_YET"
        );
    }
}

#[test]
fn the_scan_finds_a_raw_warning() {
    let src = "fn a() { eprintln!(\n \"harden: warning: {}\", f(x)); eprintln!(\"audit: ok\"); }";
    let found = stderr_prints(src);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].contains("warning:") && found[0].ends_with("f(x)"),
        "{found:?}"
    );
}
