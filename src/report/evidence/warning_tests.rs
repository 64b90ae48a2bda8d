//! Inventory warnings that say harden does not check a measure on some
//! hosts (typed [`crate::contract::section::Unchecked`]): every measure
//! they name is not checked on exactly those hosts, whatever else was
//! read there, and holds elsewhere as before.

use super::saved::Run;
use super::tests::{cell, finding, inv, run_json};
use super::{build, CellStatus, Evidence};
use crate::inventory::Inventory;
use crate::tom::{DISK_ENCRYPTION, PASSWORD_LENGTH, PASSWORD_ROTATION};

/// [`run_json`] (clean) with `extra` findings added to host `nth` (0: app,
/// 1: db).
fn run_with(nth: usize, extra: &[String]) -> Run {
    let text = run_json(false, false);
    let key = r#""findings":["#;
    let at = text
        .match_indices(key)
        .nth(nth)
        .map(|(i, _)| i + key.len())
        .expect("host's findings");
    let text = format!("{}{},{}", &text[..at], extra.join(","), &text[at..]);
    Run::parse(&text).expect("valid run")
}

fn evidence_of(run: &Run, inv: &Inventory) -> Evidence {
    build(run, inv, None, "saved").expect("builds")
}

fn passwords_in_sync(host: &str) -> Vec<String> {
    vec![
        finding(host, "passwords", PASSWORD_LENGTH.id, "in-sync", "minlen"),
        finding(
            host,
            "passwords",
            PASSWORD_ROTATION.id,
            "in-sync",
            "PASS_MAX_DAYS",
        ),
    ]
}

#[test]
fn pol_pass_undeclared_leaves_both_password_measures_not_checked() {
    // No host has a passwords table: the warning names both.
    let inv = inv();
    assert!(inv.warnings.iter().any(|w| w.code == "pol-pass-undeclared"));
    // Even a passwords finding in sync (a stale file, another tool) does
    // not make a measure the inventory leaves unmanaged hold.
    let e = evidence_of(&run_with(0, &passwords_in_sync("app")), &inv);
    for tom in [PASSWORD_LENGTH, PASSWORD_ROTATION] {
        for host in ["app", "db"] {
            let c = cell(&e, tom.id, host);
            assert_eq!(c.status, CellStatus::NotChecked, "{} on {host}", tom.id);
            assert!(c.reason.contains("pol-pass-undeclared"), "{}", c.reason);
        }
        let m = e.measures.iter().find(|m| m.tom == tom.id).expect("row");
        assert_eq!(m.status, CellStatus::NotChecked, "{}", tom.id);
        let note = m.note.as_deref().unwrap_or_default();
        assert!(note.contains("pol-pass-undeclared"), "{}: {note}", tom.id);
    }
}

#[test]
fn hosts_under_the_passwords_control_hold_both_measures() {
    let inv = crate::testkit::inventory()
        .tables("[defaults.passwords]")
        .host("app", "10.213.0.10", "app")
        .host("db", "10.213.0.11", "data")
        .load();
    assert!(!inv.warnings.iter().any(|w| w.code == "pol-pass-undeclared"));
    let e = evidence_of(&run_with(0, &passwords_in_sync("app")), &inv);
    for tom in [PASSWORD_LENGTH, PASSWORD_ROTATION] {
        let c = cell(&e, tom.id, "app");
        assert_eq!(c.status, CellStatus::Holds, "{}: {}", tom.id, c.reason);
        // db is managed too but sent nothing back: not checked, and not
        // because of a warning.
        let c = cell(&e, tom.id, "db");
        assert_eq!(c.status, CellStatus::NotChecked);
        assert!(!c.reason.contains("pol-"), "{}", c.reason);
    }
}

#[test]
fn pol_data_disks_none_names_its_host_only() {
    // db is a data host with `disks = []` outside OTC: the warning names it.
    let inv = inv();
    assert!(inv.warnings.iter().any(|w| w.code == "pol-data-disks-none"));
    let swap = finding("db", "disks", DISK_ENCRYPTION.id, "in-sync", "swap");
    let e = evidence_of(&run_with(1, &[swap]), &inv);
    let db = cell(&e, DISK_ENCRYPTION.id, "db");
    assert_eq!(db.status, CellStatus::NotChecked, "{}", db.reason);
    assert!(db.reason.contains("pol-data-disks-none"), "{}", db.reason);
    assert_eq!(db.findings.len(), 1, "what was read is still shown");
    // app holds no data: the warning about db is not its evidence.
    let app = cell(&e, DISK_ENCRYPTION.id, "app");
    assert_eq!(app.status, CellStatus::Holds, "{}", app.reason);
    assert!(
        app.reason.starts_with("inventory policy rules passed"),
        "{}",
        app.reason
    );
}
