//! The rule matrix: for every `pol-…` code of the catalogue
//! (`validate::catalogue`, the inventory's codes and every section's), a
//! failing inventory that produces exactly that code (its severity, its
//! TOM measure, located at the written line, said once per place even
//! when every host inherits the broken key) and the passing inventory of
//! the minimal fix, which produces no diagnostic at all. A `pol-` code
//! without a case fails the matrix, so it cannot fall behind the
//! catalogue. The cases are in `validate_rules_cases.rs`.

use std::collections::BTreeSet;
use std::path::Path;

use super::rules_cases::{cases, Case, BASE};
use super::{catalogue, CodeInfo};
use crate::controls::sections::sections;
use crate::inventory::{load_str, Diagnostic, Severity};

/// Every diagnostic `text` produces: errors when it does not load, else
/// its warnings.
fn diagnostics(text: &str) -> Vec<Diagnostic> {
    match load_str(Path::new("/x/inv.toml"), text.to_string(), sections()) {
        Ok(inv) => inv.warnings,
        Err(crate::inventory::LoadError::Invalid(d)) => d.kept().to_vec(),
        Err(e) => panic!("{e}"),
    }
}

/// 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("`{needle}` not in\n{text}"))
        + 1
}

fn show(d: &[Diagnostic]) -> String {
    d.iter()
        .map(|d| format!("{}:{} {} {}: {}", d.line, d.col, d.code, d.key, d.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The problems of one case, empty when it holds.
fn check(case: &Case, info: &CodeInfo) -> Vec<String> {
    let mut bad = Vec::new();
    let fail = diagnostics(&case.fail);
    let want = if info.severity == "error" {
        Severity::Error
    } else {
        Severity::Warning
    };
    if fail.is_empty() {
        bad.push(format!(
            "{}: the failing inventory produces nothing",
            case.code
        ));
    }
    for d in &fail {
        if d.code != case.code || d.severity != want || d.tom != info.tom {
            bad.push(format!(
                "{}: the failing inventory also says {} ({:?}, {:?})",
                case.code, d.code, d.severity, d.tom
            ));
        }
    }
    let mut places = BTreeSet::new();
    for d in &fail {
        if !places.insert((d.code, d.line, d.col)) {
            bad.push(format!(
                "{}: said twice at {}:{} (once per host for one written key?):\n{}",
                case.code,
                d.line,
                d.col,
                show(&fail)
            ));
        }
    }
    let line = line_of(&case.fail, case.at);
    if !fail
        .iter()
        .any(|d| d.line == line && !d.key.is_empty() && !d.message.is_empty())
    {
        bad.push(format!(
            "{}: no diagnostic at line {line} (`{}`):\n{}",
            case.code,
            case.at,
            show(&fail)
        ));
    }
    let pass = diagnostics(&case.pass);
    if !pass.is_empty() {
        bad.push(format!(
            "{}: the passing inventory says\n{}",
            case.code,
            show(&pass)
        ));
    }
    bad
}

#[test]
fn the_base_estate_is_clean() {
    let d = diagnostics(BASE);
    assert!(d.is_empty(), "{}", show(&d));
}

#[test]
fn every_policy_code_has_a_failing_and_a_passing_inventory() {
    let all = catalogue(sections());
    let cases = cases();
    let mut seen = BTreeSet::new();
    let mut problems = Vec::new();
    for case in &cases {
        assert!(seen.insert(case.code), "two cases for {}", case.code);
        match all.iter().find(|c| c.code == case.code) {
            Some(info) => problems.extend(check(case, info)),
            None => problems.push(format!("case {} is no code of the catalogue", case.code)),
        }
    }
    for c in all.iter().filter(|c| c.code.starts_with("pol-")) {
        if !seen.contains(c.code) {
            problems.push(format!(
                "{} has no case in src/inventory/validate_rules_cases.rs",
                c.code
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn the_matrix_notices_a_wrong_case() {
    let info = catalogue(sections())
        .into_iter()
        .find(|c| c.code == "pol-any-source")
        .expect("pol-any-source");
    // A "failing" inventory that fails nothing, and one that says another code.
    let clean = Case {
        code: "pol-any-source",
        fail: BASE.to_string(),
        pass: BASE.to_string(),
        at: "name = \"tapp\"",
    };
    assert!(!check(&clean, info).is_empty());
    let other = cases()
        .into_iter()
        .find(|c| c.code == "pol-plaintext-port")
        .expect("case");
    let wrong = Case {
        code: "pol-any-source",
        ..other
    };
    assert!(!check(&wrong, info).is_empty());
}
