//! The check kinds against the code that emits them and against
//! docs/reports.md, so the JSON contract cannot drift from either.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::checks::{known, KINDS};

use crate::source_scan::root;

/// The non-test Rust sources under `src/` (a file's inline `mod tests` cut off).
fn sources() -> Vec<(PathBuf, String)> {
    crate::source_scan::files()
        .into_iter()
        .map(|(rel, text)| (root().join(rel), text))
        .collect()
}

/// The string literal at the start of `s` (after whitespace), if any.
fn literal(s: &str) -> Option<&str> {
    let s = s.trim_start().strip_prefix('"')?;
    s.find('"').map(|end| &s[..end])
}

/// After `Finding::new(`: the second argument when it is a literal.
fn second_arg(s: &str) -> Option<&str> {
    let mut depth = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth == 0 => return None,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => return literal(&s[i + 1..]),
            _ => {}
        }
    }
    None
}

fn after<'a>(text: &'a str, pat: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    text.match_indices(pat)
        .map(move |(i, _)| &text[i + pat.len()..])
}

/// Names of the helpers whose first parameter is a check kind
/// (`fn failed(check: &'static str, …)`, `let f = |check: &'static str, …|`).
fn helpers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("check: &'static str") {
        let head = text[..i].trim_end();
        let name_end = if let Some(h) = head.strip_suffix('(') {
            h.trim_end()
        } else if let Some(h) = head.strip_suffix('|') {
            h.trim_end()
                .strip_suffix('=')
                .map(str::trim_end)
                .unwrap_or("")
        } else {
            continue;
        };
        let name: String = name_end
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if !name.is_empty() {
            out.push(name);
        }
    }
    out
}

/// Every check kind the code can emit, as far as its source spells it:
/// the kind literal of `Finding::new`, of a `check:` field, of a
/// `CHECK_*` constant and of a call to a kind-taking helper.
fn emitted() -> BTreeSet<String> {
    let mut kinds = BTreeSet::new();
    for (path, text) in sources() {
        if path.ends_with("report/checks.rs") {
            continue;
        }
        let mut add = |k: Option<&str>| {
            if let Some(k) = k {
                kinds.insert(k.to_string());
            }
        };
        after(&text, "Finding::new(").for_each(|s| add(second_arg(s)));
        after(&text, "check: \"").for_each(|s| add(literal(&format!("\"{s}"))));
        for s in after(&text, "const CHECK_") {
            add(s.split_once('=').and_then(|(_, v)| literal(v)));
        }
        for h in helpers(&text) {
            for s in after(&text, &format!("{h}(")) {
                add(literal(s));
            }
        }
    }
    kinds
}

/// The kinds in docs/reports.md's `check` table (second column).
fn documented() -> Vec<String> {
    let doc = std::fs::read_to_string(root().join("docs/reports.md")).expect("docs/reports.md");
    let start = doc
        .find("`check` values, by control")
        .expect("the check table's heading");
    let table = doc[start..]
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2);
    let mut out = Vec::new();
    for row in table {
        let col = row.split('|').nth(2).unwrap_or("");
        out.extend(col.split('`').skip(1).step_by(2).map(str::to_string));
    }
    out
}

#[test]
fn the_list_is_sorted_and_known_finds_each() {
    assert!(
        KINDS.windows(2).all(|w| w[0] < w[1]),
        "KINDS sorted, no repeats"
    );
    assert!(KINDS.iter().all(|k| known(k)));
    assert!(!known("boot-persistenc") && !known(""));
}

#[test]
fn every_kind_the_code_emits_is_listed_and_every_listed_kind_is_emitted() {
    let code = emitted();
    let listed: BTreeSet<String> = KINDS.iter().map(|k| k.to_string()).collect();
    let unlisted: Vec<_> = code.difference(&listed).collect();
    let unused: Vec<_> = listed.difference(&code).collect();
    assert!(
        unlisted.is_empty(),
        "emitted but not in KINDS: {unlisted:?}"
    );
    assert!(
        unused.is_empty(),
        "in KINDS but emitted nowhere: {unused:?}"
    );
}

#[test]
fn docs_reports_md_lists_exactly_the_kinds() {
    let doc = documented();
    let set: BTreeSet<&str> = doc.iter().map(String::as_str).collect();
    let listed: BTreeSet<&str> = KINDS.iter().copied().collect();
    let missing: Vec<_> = listed.difference(&set).collect();
    let extra: Vec<_> = set.difference(&listed).collect();
    assert!(missing.is_empty(), "docs/reports.md lacks: {missing:?}");
    assert!(
        extra.is_empty(),
        "docs/reports.md lists kinds the code has not: {extra:?}"
    );
}

#[test]
fn the_scan_reads_helpers_and_literals() {
    let src = "fn failed(check: &'static str, x: u8) {}\nlet f = |check: &'static str, i: &str| 1;\nfailed(\"a-b\", 1); f(\"c\", \"x\"); Finding::new(ID, \"d\", item, T); Finding::new(x(1, 2), \"e\", i, T)";
    assert_eq!(helpers(src), ["failed", "f"]);
    let got: Vec<_> = after(src, "Finding::new(").filter_map(second_arg).collect();
    assert_eq!(got, ["d", "e"]);
    assert_eq!(literal(" \"z\", 1"), Some("z"));
    let _ = Path::new("");
}
