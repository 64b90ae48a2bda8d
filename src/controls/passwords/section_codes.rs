//! The diagnostic codes only the passwords section emits: `pol-pass-…`
//! for a value that loosens the TOM's password rules, `inv-pass-…` for
//! values that contradict each other; listed in `harden codes` through
//! [`Section::codes`](crate::contract::section::Section::codes).

use crate::contract::section::Unchecked;
use crate::inventory::validate::CodeInfo;

const LENGTH: Option<&str> = Some(crate::tom::PASSWORD_LENGTH.id);
const ROTATION: Option<&str> = Some(crate::tom::PASSWORD_ROTATION.id);

/// Codes only this section emits.
pub(super) const CODES: &[CodeInfo] = &[
    CodeInfo {
        code: "pol-pass-max-days",
        severity: "error",
        tom: ROTATION,
        description: "`passwords.max_days` is above the TOM's 90 days (or 0): a password may be used longer than 3 months",
    },
    CodeInfo {
        code: "pol-pass-min-days",
        severity: "error",
        tom: ROTATION,
        description: "`passwords.min_days` is 0: a user may change the password back at once",
    },
    CodeInfo {
        code: "pol-pass-warn-age",
        severity: "error",
        tom: ROTATION,
        description: "`passwords.warn_age` is below 7 days of warning before a password expires",
    },
    CodeInfo {
        code: "pol-pass-length",
        severity: "error",
        tom: LENGTH,
        description: "`passwords.min_length` is below 12 or `min_length_data` below 30 characters (the TOM's minimums)",
    },
    CodeInfo {
        code: "pol-pass-undeclared",
        severity: "warning",
        tom: ROTATION,
        description: "hosts without a passwords table (and no `[defaults.passwords]`): TOM-1.3-password-length and -rotation are not checked there",
    },
    CodeInfo {
        code: "inv-pass-days",
        severity: "error",
        tom: None,
        description: "`passwords.min_days` or `warn_age` is not below `max_days`, or a length is above 128",
    },
];

/// The warnings that leave measures unchecked: on a host the passwords
/// control does not manage, neither the length nor the rotation is read.
pub(super) const UNCHECKED: &[Unchecked] = &[Unchecked {
    code: "pol-pass-undeclared",
    measures: &[crate::tom::PASSWORD_LENGTH, crate::tom::PASSWORD_ROTATION],
    concerns: super::policy::unmanaged,
}];
