//! login.defs and pwquality.conf key by key, on the real Debian 12 files:
//! what drifts, what the write leaves (every other line byte for byte),
//! that a stricter host value is kept and that a second plan settles.

use super::testkit::*;
use crate::contract::keyed::MARKER;
use crate::report::model::Status;

const STOCK_SHADOW: &str = "root:*:20228:0:99999:7:::\n";

/// Lines of `a` and `b` that differ, as (old, new), same line count.
fn changed_lines(a: &str, b: &str) -> Vec<(String, String)> {
    assert_eq!(a.lines().count(), b.lines().count(), "line count changed");
    a.lines()
        .zip(b.lines())
        .filter(|(x, y)| x != y)
        .map(|(x, y)| (x.to_string(), y.to_string()))
        .collect()
}

#[test]
fn debian12_login_defs_drifts_and_only_its_weak_keys_change() {
    let inv = estate();
    let f = facts(false, "", STOCK_SHADOW);
    let p = plan_of(&inv, 0, &f, 20300);
    let d = finding(&p, "file-keys", files::LOGIN_DEFS);
    assert_eq!(d.status, Status::Drift);
    assert!(d.actual.contains("PASS_MAX_DAYS=99999"), "{}", d.actual);
    assert!(d.actual.contains("ENCRYPT_METHOD=SHA512"), "{}", d.actual);
    let out = written(&p, d);
    assert_eq!(
        changed_lines(LOGIN_DEFS, &out),
        vec![
            ("PASS_MAX_DAYS\t99999".into(), "PASS_MAX_DAYS\t90".into()),
            ("PASS_MIN_DAYS\t0".into(), "PASS_MIN_DAYS\t1".into()),
            (
                "ENCRYPT_METHOD SHA512".into(),
                "ENCRYPT_METHOD YESCRYPT".into()
            ),
        ],
        "PASS_WARN_AGE 7 already meets the rule; every other line stays"
    );
    assert!(out.ends_with('\n') && LOGIN_DEFS.ends_with('\n'));
    // Applied: in sync, nothing selected.
    let mut f2 = f.clone();
    f2.set_file(files::LOGIN_DEFS, &out, 0o644);
    let again = plan_of(&inv, 0, &f2, 20300);
    let d = finding(&again, "file-keys", files::LOGIN_DEFS);
    assert_eq!(d.status, Status::InSync, "{d:?}");
    assert!(!again
        .selected()
        .iter()
        .any(|id| again.changes.get(usize::from(id.0)).is_some_and(
            |c| matches!(c, crate::contract::Change::Write(w) if w.path == files::LOGIN_DEFS)
        )));
}

#[test]
fn a_stricter_host_value_is_kept_and_a_loose_one_is_not() {
    let inv = estate();
    let strict = LOGIN_DEFS
        .replace("PASS_MAX_DAYS\t99999", "PASS_MAX_DAYS\t60")
        .replace("PASS_MIN_DAYS\t0", "PASS_MIN_DAYS\t2")
        .replace("PASS_WARN_AGE\t7", "PASS_WARN_AGE\t14")
        .replace("ENCRYPT_METHOD SHA512", "ENCRYPT_METHOD YESCRYPT");
    let mut f = facts(false, "", STOCK_SHADOW);
    f.set_file(files::LOGIN_DEFS, &strict, 0o644);
    let p = plan_of(&inv, 0, &f, 20300);
    let d = finding(&p, "file-keys", files::LOGIN_DEFS);
    assert_eq!(d.status, Status::InSync, "{d:?}");
    assert!(d.expected.contains("PASS_MAX_DAYS=60"), "{}", d.expected);
    // Above the range: a warning age as long as the maximum is no warning.
    let odd = strict.replace("PASS_WARN_AGE\t14", "PASS_WARN_AGE\t-1");
    f.set_file(files::LOGIN_DEFS, &odd, 0o644);
    let p = plan_of(&inv, 0, &f, 20300);
    let d = finding(&p, "file-keys", files::LOGIN_DEFS);
    assert_eq!(d.status, Status::Drift);
    assert!(written(&p, d).contains("PASS_WARN_AGE\t7\n"));
}

#[test]
fn debian12_pwquality_gets_its_keys_appended_with_the_data_host_length() {
    let inv = estate();
    let mut f = facts(true, "", STOCK_SHADOW);
    f.set_file(files::PWQUALITY, PWQUALITY, 0o644);
    for (i, len) in [(0, "12"), (1, "30")] {
        let p = plan_of(&inv, i, &f, 20300);
        let d = finding(&p, "file-keys", files::PWQUALITY);
        assert_eq!(d.status, Status::Drift);
        assert_eq!(d.tom, crate::tom::PASSWORD_LENGTH.id);
        let out = written(&p, d);
        assert!(
            out.starts_with(PWQUALITY),
            "the stock file stays byte for byte"
        );
        let added = &out[PWQUALITY.len()..];
        assert_eq!(
            added,
            format!("{MARKER}\nminlen = {len}\ndcredit = 0\nucredit = 0\nlcredit = 0\nocredit = 0\nenforce_for_root\n")
        );
    }
}

#[test]
fn a_minlen_of_8_and_a_positive_credit_are_raised_a_negative_credit_stays() {
    let inv = estate();
    let mut f = facts(true, "", STOCK_SHADOW);
    let have = "# site settings\nminlen = 8\ndcredit = 1\nucredit = -1\nenforce_for_root\n";
    f.set_file(files::PWQUALITY, have, 0o644);
    let p = plan_of(&inv, 0, &f, 20300);
    let d = finding(&p, "file-keys", files::PWQUALITY);
    assert_eq!(d.status, Status::Drift);
    assert!(d.actual.contains("minlen=8"), "{}", d.actual);
    let out = written(&p, d);
    assert!(
        out.starts_with(
            "# site settings\nminlen = 12\ndcredit = 0\nucredit = -1\nenforce_for_root\n"
        ),
        "{out}"
    );
    // minlen 20 on an app host is stricter than 12: kept.
    f.set_file(
        files::PWQUALITY,
        &out.replace("minlen = 12", "minlen = 20"),
        0o644,
    );
    let p = plan_of(&inv, 0, &f, 20300);
    assert_eq!(
        finding(&p, "file-keys", files::PWQUALITY).status,
        Status::InSync
    );
    // ... and 20 on a data host is too short.
    let p = plan_of(&inv, 1, &f, 20300);
    assert_eq!(
        finding(&p, "file-keys", files::PWQUALITY).status,
        Status::Drift
    );
}

#[test]
fn without_the_package_or_the_file_pwquality_is_not_created() {
    let inv = estate();
    let p = plan_of(&inv, 0, &facts(false, "", STOCK_SHADOW), 20300);
    let d = finding(&p, "file-keys", files::PWQUALITY);
    assert_eq!(d.status, Status::Info);
    assert!(!p.files().any(|w| w.path == files::PWQUALITY));
    // Installed but the file was removed: it is created with the keys.
    let p = plan_of(&inv, 0, &facts(true, "", STOCK_SHADOW), 20300);
    assert_eq!(
        finding(&p, "file-keys", files::PWQUALITY).status,
        Status::Drift
    );
}

#[test]
fn a_file_too_large_to_edit_is_a_failed_finding_not_a_panic() {
    let inv = estate();
    let mut f = facts(false, "", STOCK_SHADOW);
    let huge = "#".repeat(crate::contract::keyed::MAX_FILE + 1);
    f.set_file(files::LOGIN_DEFS, &huge, 0o644);
    let p = plan_of(&inv, 0, &f, 20300);
    let d = finding(&p, "file-keys", files::LOGIN_DEFS);
    assert_eq!(d.status, Status::Failed);
    assert!(d
        .message
        .as_deref()
        .unwrap_or("")
        .contains("keyed-too-large"));
    assert!(!p.files().any(|w| w.path == files::LOGIN_DEFS));
}
