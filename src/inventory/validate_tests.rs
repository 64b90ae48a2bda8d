//! Tests of the diagnostic catalogue (`validate::catalogue`): codes unique
//! and described, docs/inventory.md's code table in step with it.

use super::*;

use crate::controls::sections::sections;

#[test]
fn codes_are_unique_and_described() {
    let mut seen = std::collections::HashSet::new();
    for c in catalogue(sections()) {
        assert!(seen.insert(c.code), "duplicate code {}", c.code);
        assert!(!c.description.is_empty());
        assert!(c.code.starts_with("inv-") || c.code.starts_with("pol-"));
        assert_eq!(c.code.starts_with("pol-"), c.tom.is_some(), "{}", c.code);
    }
}

/// The code table of docs/inventory.md, generated from [`CODES`].
fn catalogue_table() -> String {
    let mut t = String::from("| Code | Severity | Protects | Meaning |\n|---|---|---|---|\n");
    for c in catalogue(sections()) {
        t.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            c.code,
            c.severity,
            c.tom.unwrap_or("—"),
            c.description.replace('|', "\\|")
        ));
    }
    t
}

#[test]
fn docs_list_every_code() {
    let doc = include_str!("../../docs/inventory.md");
    let missing: Vec<&str> = catalogue(sections())
        .iter()
        .map(|c| c.code)
        .filter(|c| !doc.contains(&format!("`{c}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/inventory.md does not mention {missing:?}"
    );
    let table = catalogue_table();
    assert!(
        doc.contains(&table),
        "the code table in docs/inventory.md is out of date; replace it with:\n\n{table}"
    );
}
