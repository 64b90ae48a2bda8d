//! Per-account aging on `getent shadow` output captured on Debian 12
//! (`tests/fixtures/facts/debian12/shadow/accounts.out`: fxuser usable
//! with no maximum, fxaging usable with max 90, fxempty empty, fxlocked
//! locked, fxmustchange forced to change, all last changed on day 20788).

use super::aging::{check, valid_name};
use super::policy::Policy;
use super::testkit::*;
use crate::contract::kinds::{Kind, PasswordState, Shadow, ShadowEntry};
use crate::contract::{Change, Plan};
use crate::report::model::{Fix, Status};

const ACCOUNTS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/facts/debian12/shadow/accounts.out"
));
const CHANGED: i64 = 20788;

fn entries() -> Vec<ShadowEntry> {
    Shadow
        .parse(&crate::contract::kinds::CmdOutput {
            rc: 0,
            stdout: ACCOUNTS,
            stderr: "",
        })
        .expect("parses")
}

fn run(managed: &[&str], today: i64) -> Plan {
    let mut p = Plan::new("passwords");
    check(&mut p, &entries(), managed, &Policy::TOM, today);
    p
}

#[test]
fn only_usable_passwords_are_aged_and_a_missing_maximum_is_set_with_chage() {
    let p = run(&[], CHANGED + 10);
    let aged: Vec<&str> = p
        .findings
        .iter()
        .filter(|f| f.check == "password-max-age")
        .map(|f| f.item.as_str())
        .collect();
    assert_eq!(
        aged,
        ["account fxuser", "account fxaging", "account fxmustchange"]
    );
    let f = finding(&p, "password-max-age", "account fxuser");
    assert_eq!(
        (f.status, f.actual.as_str()),
        (Status::Drift, "max age 99999 days")
    );
    assert_eq!(
        p.change_of(f),
        Some(&Change::Run("chage -M 90 fxuser".into()))
    );
    assert_eq!(
        finding(&p, "password-max-age", "account fxaging").status,
        Status::InSync
    );
    assert_eq!(
        finding(&p, "password-age", "account fxuser").status,
        Status::InSync
    );
    assert_eq!(
        finding(&p, "password-age", "account fxmustchange").actual,
        "change forced at next login"
    );
    let empty = finding(&p, "password-empty", "account fxempty");
    assert_eq!((empty.status, &empty.fix), (Status::Drift, &Fix::None));
}

#[test]
fn a_200_day_old_password_is_a_report_only_finding_naming_the_account_not_the_hash() {
    let p = run(&[], CHANGED + 200);
    let f = finding(&p, "password-age", "account fxaging");
    assert_eq!((f.status, &f.fix), (Status::Drift, &Fix::None));
    assert_eq!(f.actual, "last changed 200 days ago (2026-12-01)");
    assert!(f.message.as_deref().unwrap_or("").contains("fxaging"));
    let all = format!("{:?}", p.findings);
    assert!(
        !all.contains("$y$") && !all.contains("$6$"),
        "no hash in any finding"
    );
    // 90 days exactly is still in time; 91 is not.
    assert_eq!(
        finding(&run(&[], CHANGED + 90), "password-age", "account fxaging").status,
        Status::InSync
    );
    assert_eq!(
        finding(&run(&[], CHANGED + 91), "password-age", "account fxaging").status,
        Status::Drift
    );
}

#[test]
fn managed_accounts_are_certificate_only_or_locked_by_apply() {
    let p = run(&["fxlocked", "fxuser", "newcomer"], CHANGED);
    let locked = finding(&p, "managed-account", "account fxlocked");
    assert_eq!(
        (locked.status, locked.actual.as_str()),
        (Status::InSync, "certificate-only (password locked)")
    );
    let usable = finding(&p, "managed-account", "account fxuser");
    assert_eq!(usable.status, Status::Drift);
    assert_eq!(
        p.change_of(usable),
        Some(&Change::Run("usermod --lock fxuser".into()))
    );
    assert_eq!(
        finding(&p, "managed-account", "account newcomer").status,
        Status::Info
    );
    assert!(
        !p.findings
            .iter()
            .any(|f| f.check == "password-max-age" && f.item == "account fxuser"),
        "a managed account is not aged: its password is to be locked"
    );
}

#[test]
fn a_name_chage_may_not_carry_gets_no_command() {
    for bad in ["-M", "a b", "x;rm", "", "a$b", &"a".repeat(33)] {
        assert!(!valid_name(bad), "{bad:?}");
    }
    for good in ["root", "www-data", "_apt", "john.doe", "host$"] {
        assert!(valid_name(good), "{good}");
    }
    let e = ShadowEntry {
        name: "x;rm".into(),
        password: PasswordState::Usable,
        last_change: Some(CHANGED),
        min_days: None,
        max_days: None,
        warn_days: None,
        inactive_days: None,
        expire_day: None,
    };
    let mut p = Plan::new("passwords");
    check(&mut p, &[e], &[], &Policy::TOM, CHANGED);
    let f = finding(&p, "password-max-age", "account x;rm");
    assert_eq!((f.status, &f.fix), (Status::Drift, &Fix::None));
    assert!(p.changes.is_empty());
}

#[test]
fn unreadable_shadow_is_a_failed_finding() {
    let inv = estate();
    let mut f = facts(false, "", "");
    f.set_cmd(
        "kind.shadow",
        crate::contract::CmdFact {
            rc: 2,
            stdout: String::new(),
            stderr: "denied".into(),
        },
    );
    let p = plan_of(&inv, 0, &f, CHANGED);
    assert_eq!(finding(&p, "shadow", "/etc/shadow").status, Status::Failed);
}
