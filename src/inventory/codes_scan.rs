//! Test-only: the diagnostic codes (`inv-…`, `pol-…`) emitted anywhere in
//! `src/` (the controls' `section.rs` files included) agree with the
//! catalogue (`validate::catalogue`: [`CODES`] and the registered sections'
//! own codes) and with docs/inventory.md, in both directions.
//!
//! Every `.rs` file under `src/` is read at test time (so a new file is
//! covered without editing this one). The catalogue's own definitions (any
//! `CODES: &[CodeInfo] = &[…]`) and
//! test code (inline `#[cfg(test)] mod … { … }` blocks and files declared
//! `#[cfg(test)] mod x;`) are left out, so neither the table nor a test's
//! expectation counts as emitting a code.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::validate::{catalogue, CODES};
use crate::controls::sections::sections;

/// The code literals (`"inv-x"`, `"pol-x"`) in one source text.
fn emitted(src: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for (i, _) in src.match_indices('"') {
        let rest = &src[i + 1..];
        if !(rest.starts_with("inv-") || rest.starts_with("pol-")) {
            continue;
        }
        let Some(end) = rest.find('"') else { continue };
        let code = &rest[..end];
        let name = &code[4..];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
            continue; // a prefix test such as `starts_with("inv-")`
        }
        out.push(code);
    }
    out
}

/// The byte range from `start` to just past the `close` that balances the
/// first `open` after it.
fn block_end(src: &str, start: usize, open: char, close: char) -> usize {
    let mut depth = 0usize;
    for (i, c) in src[start..].char_indices() {
        if c == open {
            depth += 1;
        } else if c == close {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return start + i + c.len_utf8();
            }
        }
    }
    src.len()
}

/// `src` without the catalogue's definition and without inline test
/// modules.
fn strip(src: &str) -> String {
    let mut s = src.to_string();
    while let Some(at) = s.find("CODES: &[CodeInfo] = &[") {
        let open = at + s[at..].find("= &[").unwrap_or(0) + 3;
        let end = block_end(&s, open, '[', ']');
        s.replace_range(at..end, "");
    }
    while let Some(at) = s.find("#[cfg(test)]\nmod ") {
        let line_end = s[at..].find(";\n").map(|e| at + e);
        let brace = s[at..].find('{').map(|e| at + e);
        match (line_end, brace) {
            (Some(l), Some(b)) if l < b => s.replace_range(at..l + 1, ""),
            (Some(l), None) => s.replace_range(at..l + 1, ""),
            (_, Some(b)) => {
                let end = block_end(&s, b, '{', '}');
                s.replace_range(at..end, "");
            }
            (None, None) => break,
        }
    }
    s
}

/// Files declared test-only by `#[cfg(test)] mod name;` in `file`.
fn test_only_children(file: &Path, src: &str) -> Vec<PathBuf> {
    let dir = match file.file_name().and_then(|n| n.to_str()) {
        Some("mod.rs" | "lib.rs" | "main.rs") => file.parent().map(Path::to_path_buf),
        _ => file.with_extension("").into(),
    };
    let Some(dir) = dir else { return Vec::new() };
    let mut out = Vec::new();
    let lines: Vec<&str> = src.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        if l.trim() != "#[cfg(test)]" {
            continue;
        }
        // `#[path = "x_tests.rs"]` between the cfg and the `mod` names the
        // file beside the declaring one.
        let mut next = i + 1;
        let path = lines.get(next).and_then(|p| {
            let p = p.trim().strip_prefix("#[path = \"")?.strip_suffix("\"]")?;
            Some(p.to_string())
        });
        if path.is_some() {
            next += 1;
        }
        let decl = lines.get(next).map(|d| d.trim().trim_start_matches("pub "));
        let Some(name) = decl.and_then(|d| d.strip_prefix("mod ")?.strip_suffix(';')) else {
            continue;
        };
        match (path, file.parent()) {
            (Some(p), Some(parent)) => out.push(parent.join(p)),
            _ => {
                out.push(dir.join(format!("{name}.rs")));
                out.push(dir.join(name).join("mod.rs"));
            }
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for e in entries {
        let p = e.expect("directory entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every non-test source file under `src/`, as (path, stripped text).
fn sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let texts: Vec<(PathBuf, String)> = files
        .into_iter()
        .map(|p| {
            let t = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, t)
        })
        .collect();
    let skip: BTreeSet<PathBuf> = texts
        .iter()
        .flat_map(|(p, t)| test_only_children(p, t))
        .collect();
    texts
        .into_iter()
        .filter(|(p, _)| !skip.contains(p) && !p.ends_with("inventory/codes_scan.rs"))
        .map(|(p, t)| (p.display().to_string(), strip(&t)))
        .collect()
}

/// What disagrees between the emitted codes, the catalogue and the doc.
fn mismatches(files: &[(String, String)], catalogue: &[&str], doc: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut used = BTreeSet::new();
    for (file, src) in files {
        for code in emitted(src) {
            if !catalogue.contains(&code) {
                problems.push(format!("{file} emits `{code}`, which CODES does not list"));
            }
            if !doc.contains(&format!("`{code}`")) {
                problems.push(format!(
                    "{file} emits `{code}`, which docs/inventory.md does not document"
                ));
            }
            used.insert(code.to_string());
        }
    }
    for code in catalogue {
        if !used.contains(*code) {
            problems.push(format!(
                "CODES lists `{code}`, which no file under src/ emits"
            ));
        }
    }
    problems
}

#[test]
fn emitted_codes_the_catalogue_and_the_doc_agree() {
    let files = sources();
    for must in [
        "inventory/hosts.rs",
        "contract/section.rs",
        "controls/sshd/section.rs",
        "controls/firewall/section.rs",
    ] {
        assert!(files.iter().any(|(f, _)| f.ends_with(must)), "{must}");
    }
    let all = catalogue(sections());
    assert!(all.len() > CODES.len(), "no section adds a code");
    let codes: Vec<&str> = all.iter().map(|c| c.code).collect();
    let doc = include_str!("../../docs/inventory.md");
    let problems = mismatches(&files, &codes, doc);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_scan_fails_on_an_unlisted_an_undocumented_or_an_unused_code() {
    let file = |s: &str| vec![("x.rs".to_string(), strip(s))];
    let doc = "`inv-a` `inv-b`";
    // In sync.
    assert!(mismatches(
        &file("f(\"inv-a\"); g(\"inv-b\")"),
        &["inv-a", "inv-b"],
        doc
    )
    .is_empty());
    // Emitted but not catalogued, and not documented.
    let p = mismatches(
        &file("f(\"inv-a\"); g(\"inv-b\"); h(\"pol-new\")"),
        &["inv-a", "inv-b"],
        doc,
    );
    assert_eq!(p.len(), 2, "{p:?}");
    // Catalogued but emitted only by the table itself and by a test.
    let src = "pub const CODES: &[CodeInfo] = &[\n    CodeInfo { code: \"inv-b\", x: [1] },\n];\nf(\"inv-a\");\n#[cfg(test)]\nmod tests {\n    fn t() { g(\"inv-b\"); }\n}\n";
    let p = mismatches(&file(src), &["inv-a", "inv-b"], doc);
    assert_eq!(p, ["CODES lists `inv-b`, which no file under src/ emits"]);
    // A section's own table (not `pub`) is a definition, not a use.
    let src = "const CODES: &[CodeInfo] = &[CodeInfo { code: \"inv-b\" }];\nf(\"inv-a\");\n";
    let p = mismatches(&file(src), &["inv-a", "inv-b"], doc);
    assert_eq!(p, ["CODES lists `inv-b`, which no file under src/ emits"]);
    // A prefix test is not a code.
    assert!(emitted("c.starts_with(\"inv-\")").is_empty());
}

#[test]
fn a_test_only_file_is_left_out() {
    let kids = test_only_children(
        Path::new("/s/report/mod.rs"),
        "#[cfg(test)]\nmod summary_tests;\n",
    );
    assert!(kids.contains(&PathBuf::from("/s/report/summary_tests.rs")));
    let kids = test_only_children(Path::new("/s/engine.rs"), "#[cfg(test)]\nmod t;\n");
    assert!(kids.contains(&PathBuf::from("/s/engine/t.rs")));
    // A test file named by #[path], beside the declaring file.
    let kids = test_only_children(
        Path::new("/s/inventory/validate.rs"),
        "#[cfg(test)]\n#[path = \"validate_tests.rs\"]\nmod tests;\n",
    );
    assert_eq!(kids, vec![PathBuf::from("/s/inventory/validate_tests.rs")]);
}
