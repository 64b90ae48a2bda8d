//! Which measures harden checks, and by what: the controls (by control id),
//! the inventory's policy rules (by diagnostic code) and harden's other
//! mechanisms ([`super::Mechanism`], by name).
//!
//! Policy rules are read from the catalogue
//! ([`crate::inventory::validate::catalogue`]: the inventory's `CODES` and
//! each control section's own codes), where each rule names its measure. Each control says which measures its
//! findings serve ([`Control::measures`]); a test reads each control's
//! source folder and fails when that list and the handles the folder uses
//! differ, so the list cannot drift from the code.

use super::{Tom, ALL};
use crate::contract::Control;
use crate::inventory::validate::catalogue;

/// A control's source folder below `src/controls/` (its id, `-` as `_`).
pub fn dir_of(c: &dyn Control) -> String {
    match c.id() {
        // The two provider firewalls share one folder.
        "hcloud-firewall" | "otc-secgroup" => "edge".into(),
        id => id.replace('-', "_"),
    }
}

/// Every measure with the checks that serve it: control ids first, then
/// policy rule codes, then mechanism names; an empty list means harden has
/// no check for it.
pub fn coverage() -> Vec<(&'static Tom, Vec<&'static str>)> {
    ALL.iter()
        .map(|&t| {
            let controls = crate::controls::ALL
                .iter()
                .filter(|c| c.measures().contains(&t))
                .map(|c| c.id());
            let rules = catalogue(crate::controls::sections::sections())
                .into_iter()
                .filter(|c| c.tom == Some(t.id))
                .map(|c| c.code);
            let mechanisms = super::Mechanism::ALL
                .iter()
                .filter(|m| m.measures().contains(&t))
                .map(|m| m.name());
            (t, controls.chain(rules).chain(mechanisms).collect())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::Path;

    /// The measures named as `tom::NAME` in the Rust files below `dir`.
    fn handles_used(dir: &Path, out: &mut BTreeSet<&'static str>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                handles_used(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap_or_default();
                for (i, _) in text.match_indices("tom::") {
                    let before = text[..i].chars().next_back();
                    if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                        continue;
                    }
                    let name: String = text[i + 5..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    // Measure handles are UPPER_CASE; `tom::Tom` is the type.
                    if name.is_empty() || name.chars().any(|c| c.is_ascii_lowercase()) {
                        continue;
                    }
                    let t = super::super::tests::by_const_name(&name)
                        .unwrap_or_else(|| panic!("{}: tom::{name} is no measure", p.display()));
                    out.insert(t.id);
                }
            }
        }
    }

    #[test]
    fn control_checks_match_the_handles_each_control_uses() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/controls");
        let mut listed_dirs = BTreeSet::new();
        for c in crate::controls::ALL {
            let dir = dir_of(*c);
            let mut used = BTreeSet::new();
            handles_used(&root.join(&dir), &mut used);
            let listed: BTreeSet<&str> = c.measures().iter().map(|t| t.id).collect();
            assert_eq!(
                used,
                listed,
                "Control::measures of `{}` must list exactly the measures src/controls/{dir}/ names",
                c.id()
            );
            listed_dirs.insert(dir);
        }
        for e in std::fs::read_dir(&root).into_iter().flatten().flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if p.is_dir() && !listed_dirs.contains(&name) {
                let mut used = BTreeSet::new();
                handles_used(&p, &mut used);
                assert!(
                    used.is_empty(),
                    "src/controls/{name}/ names {used:?} but is no control in controls::ALL"
                );
            }
        }
    }

    #[test]
    fn coverage_lists_controls_and_policy_rules() {
        let cov = coverage();
        assert_eq!(cov.len(), ALL.len());
        let get = |t: &Tom| {
            cov.iter()
                .find(|(m, _)| m.id == t.id)
                .map(|(_, c)| c.clone())
                .unwrap_or_default()
        };
        assert_eq!(
            get(super::super::PORTS),
            [
                "firewall",
                "sshd",
                "haproxy",
                "pol-data-host-public",
                "pol-any-source",
                // A control section's own rules count too.
                "pol-gk-role",
                "pol-gk-backend-self",
                "pol-gk-backend-exposed",
                "pol-gk-data-public"
            ]
        );
        assert_eq!(
            get(super::super::DISK_ENCRYPTION),
            [
                "haproxy",
                "disks",
                "evs",
                "pol-data-host-location",
                "pol-gk-location",
                "pol-gk-holds-data",
                "pol-disk-floor",
                "pol-data-disks-undeclared",
                "pol-data-disks-none"
            ]
        );
        assert!(get(super::super::SHREDDING).is_empty());
        // Every policy rule's measure is in the catalogue and counted.
        let all = catalogue(crate::controls::sections::sections());
        for code in all.iter().filter(|c| c.tom.is_some()) {
            assert!(
                cov.iter().any(|(_, c)| c.contains(&code.code)),
                "{} names a measure outside the catalogue",
                code.code
            );
        }
    }
}
