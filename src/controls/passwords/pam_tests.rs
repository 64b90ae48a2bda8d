//! The PAM stack and package checks on the real Debian 12 common-password
//! (without pwquality) and the one pam-auth-update writes with it.

use super::pam::stack;
use super::testkit::*;
use crate::report::model::{Fix, Status};

const STOCK: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/passwords/common-password"
));
const WITH_PWQUALITY: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/passwords/common-password.pwquality"
));
const SHADOW: &str = "root:*:20228:0:99999:7:::\n";

#[test]
fn the_stock_stack_has_no_pwquality_and_names_the_line_read() {
    let got = stack(STOCK).expect_err("no pwquality");
    assert!(got.contains("no pam_pwquality.so line"), "{got}");
    assert!(
        got.contains("line 25: password [success=1 default=ignore] pam_unix.so obscure yescrypt"),
        "{got}"
    );
    let ok = stack(WITH_PWQUALITY).expect("pwquality first");
    assert_eq!(
        ok, "line 25: password requisite pam_pwquality.so retry=3",
        "tabs shown as one space"
    );
}

#[test]
fn pwquality_after_pam_unix_or_not_requisite_is_refused() {
    let after = "password [success=1 default=ignore] pam_unix.so obscure\npassword requisite pam_pwquality.so\n";
    assert!(stack(after)
        .expect_err("after")
        .contains("comes after line 1"));
    let optional = "password optional pam_pwquality.so\npassword required pam_unix.so\n";
    assert!(stack(optional)
        .expect_err("optional")
        .contains("is not requisite"));
    let commented = "#password requisite pam_pwquality.so\npassword required pam_unix.so\n";
    assert!(stack(commented).is_err());
    let path = "password requisite /lib/x86_64-linux-gnu/security/pam_pwquality.so\npassword required pam_unix.so\n";
    assert!(stack(path).is_ok());
    let other_type = "auth requisite pam_pwquality.so\npassword required pam_unix.so\n";
    assert!(stack(other_type).is_err());
    assert!(stack("").is_err());
    // A control character in the line read does not reach the finding.
    let hostile = "password required pam_unix.so \u{1b}[31m\n";
    assert!(!stack(hostile).expect_err("none").contains('\u{1b}'));
}

#[test]
fn package_and_pam_findings_are_report_only_and_say_why() {
    let inv = estate();
    let p = plan_of(&inv, 0, &facts(false, STOCK, SHADOW), 20300);
    let pkg = finding(&p, "package", super::pam::PACKAGE);
    assert_eq!((pkg.status, &pkg.fix), (Status::Drift, &Fix::None));
    let pam = finding(&p, "pam-pwquality", super::pam::COMMON_PASSWORD);
    assert_eq!((pam.status, &pam.fix), (Status::Drift, &Fix::None));
    assert!(pam.actual.contains("line 25"), "{}", pam.actual);
    assert!(pam
        .message
        .as_deref()
        .unwrap_or("")
        .contains("not installed"));
    // Installed and used: both in sync.
    let p = plan_of(&inv, 0, &facts(true, WITH_PWQUALITY, SHADOW), 20300);
    assert_eq!(
        finding(&p, "package", super::pam::PACKAGE).status,
        Status::InSync
    );
    assert_eq!(
        finding(&p, "pam-pwquality", super::pam::COMMON_PASSWORD).status,
        Status::InSync
    );
    // Installed but not in the stack: the message says to run pam-auth-update.
    let p = plan_of(&inv, 0, &facts(true, STOCK, SHADOW), 20300);
    let pam = finding(&p, "pam-pwquality", super::pam::COMMON_PASSWORD);
    assert!(pam
        .message
        .as_deref()
        .unwrap_or("")
        .contains("pam-auth-update"));
}
