//! The passwords section through the real loader: the TOM's rules by
//! default, tightened where the inventory says, and each `pol-pass-…`
//! rule with a failing and a passing inventory.

use super::policy::Policy;
use super::section::PasswordSettings;
use super::testkit::*;

fn policy(text: &str, i: usize) -> Option<Policy> {
    load(text).expect("loads").hosts[i]
        .settings::<PasswordSettings>()
        .policy
}

fn errors(text: &str) -> String {
    match load(text) {
        Ok(_) => panic!("the inventory loaded"),
        Err(e) => e,
    }
}

#[test]
fn registered_once_and_off_without_a_table() {
    let n = crate::controls::ALL
        .iter()
        .filter(|c| c.id() == "passwords")
        .count();
    assert_eq!(n, 1);
    let text = format!("{HEAD}{}", host("a", 1, "app", ""));
    assert_eq!(
        policy(&text, 0),
        None,
        "no table: the control leaves the host alone"
    );
    let text = format!("{HEAD}{}", host("a", 1, "app", "passwords = {}\n"));
    assert_eq!(policy(&text, 0), Some(Policy::TOM));
}

#[test]
fn defaults_are_the_toms_and_the_data_host_needs_30() {
    let inv = estate();
    let p = inv.hosts[0]
        .settings::<PasswordSettings>()
        .policy
        .expect("managed");
    assert_eq!(
        (
            p.max_days,
            p.min_days,
            p.warn_age,
            p.min_length,
            p.min_length_data
        ),
        (90, 1, 7, 12, 30)
    );
    assert_eq!(p.length_for(&inv.hosts[0]), 12);
    assert_eq!(p.length_for(&inv.hosts[1]), 30, "db has the data role");
}

#[test]
fn the_inventory_may_tighten_and_a_host_over_its_defaults() {
    let text = format!(
        "{HEAD}[defaults.passwords]\nmax_days = 60\nmin_length = 16\n{}{}",
        host("a", 1, "app", ""),
        host(
            "b",
            2,
            "app",
            "passwords = { max_days = 30, warn_age = 10, min_length_data = 40 }\n"
        )
    );
    let a = policy(&text, 0).expect("a");
    assert_eq!((a.max_days, a.min_length, a.warn_age), (60, 16, 7));
    let b = policy(&text, 1).expect("b");
    assert_eq!(
        (b.max_days, b.min_length, b.warn_age, b.min_length_data),
        (30, 16, 10, 40)
    );
}

/// Each rule: the looser value fails with its code at its key, the TOM's
/// own value passes.
#[test]
fn each_pol_pass_rule_fails_when_loosened_and_passes_at_the_tom() {
    let cases = [
        ("max_days", "91", "90", "pol-pass-max-days"),
        ("min_days", "0", "1", "pol-pass-min-days"),
        ("warn_age", "6", "7", "pol-pass-warn-age"),
        ("min_length", "11", "12", "pol-pass-length"),
        ("min_length_data", "29", "30", "pol-pass-length"),
    ];
    for (key, bad, good, code) in cases {
        let inv = |v: &str| {
            format!(
                "{HEAD}[defaults.passwords]\n{key} = {v}\n{}",
                host("a", 1, "app", "")
            )
        };
        let e = errors(&inv(bad));
        assert!(e.contains(code), "{key} = {bad}: {e}");
        assert!(
            e.contains(&format!("defaults.passwords.{key}")) || e.contains(key),
            "{e}"
        );
        assert!(
            e.contains(crate::tom::PASSWORD_LENGTH.id)
                || e.contains(crate::tom::PASSWORD_ROTATION.id),
            "{e}"
        );
        assert!(load(&inv(good)).is_ok(), "{key} = {good}");
        // On the host's own table too.
        let on_host = format!(
            "{HEAD}{}",
            host("a", 1, "app", &format!("passwords = {{ {key} = {bad} }}\n"))
        );
        assert!(errors(&on_host).contains(code), "{key} on the host");
    }
}

#[test]
fn contradictory_or_unknown_values_are_errors() {
    let e = errors(&format!(
        "{HEAD}[defaults.passwords]\nmax_days = 5\n{}",
        host("a", 1, "app", "")
    ));
    assert!(
        e.contains("inv-pass-days"),
        "warn_age 7 is not below max_days 5: {e}"
    );
    let e = errors(&format!(
        "{HEAD}[defaults.passwords]\nmax_days = 0\n{}",
        host("a", 1, "app", "")
    ));
    assert!(e.contains("inv-pass-days"), "{e}");
    let e = errors(&format!(
        "{HEAD}[defaults.passwords]\nmin_length = 500\n{}",
        host("a", 1, "app", "")
    ));
    assert!(e.contains("inv-pass-days"), "{e}");
    let e = errors(&format!(
        "{HEAD}[defaults.passwords]\nminlen = 12\n{}",
        host("a", 1, "app", "")
    ));
    assert!(e.contains("inv-schema") && e.contains("minlen"), "{e}");
    let e = errors(&format!(
        "{HEAD}[defaults.passwords]\nmax_days = -1\n{}",
        host("a", 1, "app", "")
    ));
    assert!(e.contains("inv-schema"), "{e}");
}
