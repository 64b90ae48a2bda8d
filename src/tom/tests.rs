//! The catalogue's own rules: unique ids of the right shape, matching their
//! section, and every id TOM.md writes out.

use super::{find, Tom, ALL, ASSIGNED_HERE};
use std::collections::HashSet;

/// The slug of an id: `ports` of `TOM-1.2-ports`.
fn slug(id: &str) -> &str {
    id.splitn(3, '-').nth(2).unwrap_or("")
}

/// The measure a constant name (`PORTS`) stands for: its slug in capitals.
pub(super) fn by_const_name(name: &str) -> Option<&'static Tom> {
    let want = name.to_ascii_lowercase().replace('_', "-");
    ALL.iter().copied().find(|t| slug(t.id) == want)
}

/// `TOM-<n>[.<m>]-<slug>`, slug of lower-case words joined by `-`.
fn well_formed(t: &Tom) -> bool {
    let Some(rest) = t.id.strip_prefix("TOM-") else {
        return false;
    };
    let Some((num, slug)) = rest.split_once('-') else {
        return false;
    };
    let num_ok = num.split('.').count() <= 2
        && num
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let slug_ok = slug.split('-').all(|w| {
        !w.is_empty()
            && w.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    num_ok && slug_ok && num == t.section.number
}

#[test]
fn ids_are_unique_and_well_formed() {
    let mut ids = HashSet::new();
    let mut slugs = HashSet::new();
    for t in ALL {
        assert!(well_formed(t), "{}: not TOM-<section>-<slug>", t.id);
        assert!(ids.insert(t.id), "duplicate id {}", t.id);
        // Unique slugs keep the constant names (`PORTS`) unambiguous.
        assert!(slugs.insert(slug(t.id)), "duplicate slug in {}", t.id);
        assert!(!t.title.is_empty() && !t.title.contains('\n'), "{}", t.id);
        assert!(!t.section.title.is_empty(), "{}", t.id);
        assert_eq!(find(t.id), Some(*t));
    }
    assert_eq!(find("TOM-1.2-port"), None);
    for t in ASSIGNED_HERE {
        assert!(ALL.contains(t), "{}", t.id);
    }
}

#[test]
fn well_formed_rejects_bad_ids() {
    let good = super::PORTS;
    for bad in [
        "TOM-1.2",
        "TOM-1.3-ports",
        "tom-1.2-ports",
        "TOM-1.2-Ports",
        "TOM-1.2-ports-",
        "TOM-1.2.3-ports",
    ] {
        let t = Tom { id: bad, ..*good };
        assert!(!well_formed(&t), "{bad} accepted");
    }
    assert!(well_formed(good));
}

/// The ids written out in TOM.md (the shared summary of 2024-12-20), copied
/// here so the test runs without the shared notes.
const IN_TOM_MD: &[&str] = &[
    "TOM-1.2-auth",
    "TOM-1.2-critical-login",
    "TOM-1.2-no-office-ingress",
    "TOM-1.2-device-encryption",
    "TOM-1.2-disk-encryption",
    "TOM-1.2-ports",
    "TOM-1.2-mgmt-window",
    "TOM-1.3-central-users",
    "TOM-1.3-data-hosts-management-only",
    "TOM-1.3-user-admin",
    "TOM-1.3-password-length",
    "TOM-1.3-password-random",
    "TOM-1.3-password-rotation",
    "TOM-1.3-shredding",
    "TOM-1.3-access-reporting",
    "TOM-1.4-dedicated-servers",
    "TOM-1.4-prod-test",
    "TOM-1.4-multi-tenant",
    "TOM-2.1-transport-encryption",
    "TOM-2.1-access-logging",
    "TOM-3.2-backup-nightly",
    "TOM-3.2-backup-retention",
    "TOM-3.2-backup-separate",
    "TOM-3.2-backup-monitoring",
    "TOM-3.2-restore-deletion",
    "TOM-4-review",
    "TOM-6-provider-firewall",
    "TOM-6-mgmt-access-report",
];

#[test]
fn every_measure_of_tom_md_is_catalogued() {
    for id in IN_TOM_MD {
        let t = find(id).unwrap_or_else(|| panic!("{id} of TOM.md is not in src/tom/catalogue.rs"));
        assert!(!ASSIGNED_HERE.contains(&t), "{id} is TOM.md's own id");
    }
    // Every other measure is one TOM.md lists without an id.
    assert_eq!(ALL.len(), IN_TOM_MD.len() + ASSIGNED_HERE.len());
}

#[test]
fn docs_tom_md_lists_every_measure() {
    let doc = include_str!("../../docs/tom.md");
    for t in ALL {
        assert!(
            doc.contains(&format!("| `{}` |", t.id)),
            "docs/tom.md lacks {}",
            t.id
        );
    }
}

/// When the shared notes are checked out next to the repository (CI has
/// them at `../shared`), their ids must all be in [`IN_TOM_MD`]; without
/// them the copy above stands alone.
#[test]
fn shared_tom_md_ids_are_in_the_copy() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let Some(text) = ["../shared/TOM.md", "../../shared/TOM.md"]
        .iter()
        .find_map(|p| std::fs::read_to_string(root.join(p)).ok())
    else {
        return;
    };
    for (i, _) in text.match_indices("TOM-") {
        let id: String = text[i..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '.')
            .collect();
        let id = id.trim_end_matches(['-', '.']);
        if id.len() > 4 && id != "TOM-x.y" {
            assert!(
                IN_TOM_MD.contains(&id),
                "TOM.md names {id}, missing from src/tom/"
            );
        }
    }
}

/// `Reach::Checked` exactly where coverage finds a check, a reason
/// everywhere else; every sentence one line ending in a full stop.
#[test]
fn every_measure_says_how_it_is_checked_or_why_not() {
    for (t, checks) in super::coverage() {
        let text = t.how.text();
        assert!(
            !text.is_empty() && !text.contains('\n') && text.ends_with('.'),
            "{}: `{text}` is not one sentence",
            t.id
        );
        assert_eq!(
            t.how.why_not().is_none(),
            !checks.is_empty(),
            "{}: how = {:?} but coverage = {checks:?}",
            t.id,
            t.how
        );
    }
    assert_eq!(
        super::Reach::NotYet("x.").sentence(),
        "Not checked (not in harden's scope yet): x."
    );
}
