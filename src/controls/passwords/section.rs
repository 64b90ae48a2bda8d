//! The passwords section: `[defaults.passwords]` merged key by key with
//! `hosts[].passwords` into [`PasswordSettings`] (read with
//! `host.settings::<PasswordSettings>()`). A host is managed by the
//! passwords control when one of the two tables is written (an empty
//! `[defaults.passwords]` puts every host under the TOM's rules).
//!
//! Keys: `max_days`, `min_days`, `warn_age`, `min_length`,
//! `min_length_data`. Each starts at [`Policy::TOM`] and may only be
//! tightened: a looser value is a `pol-pass-…` error at its key.

use std::any::Any;

use serde::Deserialize;

use super::policy::Policy;
use crate::contract::section::{pick, Section, SectionCx, Side};
use crate::inventory::validate::CodeInfo;

/// The longest minimum length accepted (pwquality's practical ceiling;
/// `harden passwd generate` makes passwords of that length).
pub const MAX_LENGTH: u32 = 128;
/// The shortest `max_days` accepted (the longest is the TOM's 90).
const MIN_MAX_DAYS: u32 = 1;

/// `[defaults.passwords]` / `hosts[].passwords`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPasswords {
    /// Days a password may be used (≤ 90).
    pub max_days: Option<u32>,
    /// Days between changes (≥ 1).
    pub min_days: Option<u32>,
    /// Days of warning (≥ 7).
    pub warn_age: Option<u32>,
    /// Minimum length on hosts without data (≥ 12).
    pub min_length: Option<u32>,
    /// Minimum length on hosts that hold data (≥ 30).
    pub min_length_data: Option<u32>,
}

/// Effective password settings of a host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PasswordSettings {
    /// The rules, when the host is managed (a `passwords` table written).
    pub policy: Option<Policy>,
}

/// The `passwords` section.
pub struct PasswordsSection;

impl Section for PasswordsSection {
    fn name(&self) -> &'static str {
        "passwords"
    }

    fn load(
        &self,
        cx: &mut SectionCx<'_>,
        defaults: Option<&toml::Value>,
        host: Option<&toml::Value>,
    ) -> Box<dyn Any + Send + Sync> {
        let d: Option<RawPasswords> = cx.parse(Side::Defaults, defaults);
        let h: Option<RawPasswords> = cx.parse(Side::Host, host);
        if defaults.is_none() && host.is_none() {
            return Box::new(PasswordSettings::default());
        }
        // A table that did not parse was reported; the TOM's rules stand.
        Box::new(PasswordSettings {
            policy: Some(merge(cx, d.as_ref(), h.as_ref())),
        })
    }

    fn codes(&self) -> &'static [CodeInfo] {
        super::section_codes::CODES
    }

    fn unchecked(&self) -> &'static [crate::contract::section::Unchecked] {
        super::section_codes::UNCHECKED
    }

    fn policy(&self, inv: &crate::inventory::Inventory, out: &mut crate::inventory::Diags) {
        super::policy::undeclared(inv, out);
    }
}

/// One numeric rule: its key, the TOM's value, the bound a value must
/// keep, the code for a looser one and the measure it serves.
struct Rule {
    key: &'static str,
    tom: u32,
    at_most: bool,
    code: &'static str,
    measure: &'static crate::tom::Tom,
}

/// The TOM's rules with the inventory's keys laid over them.
pub(super) fn merge(
    cx: &mut SectionCx<'_>,
    d: Option<&RawPasswords>,
    h: Option<&RawPasswords>,
) -> Policy {
    let t = Policy::TOM;
    let value = |cx: &mut SectionCx<'_>, r: Rule, f: fn(&RawPasswords) -> Option<u32>| {
        let Some((v, side)) = pick(d, h, f) else {
            return r.tom;
        };
        let at = cx.key(side, r.key);
        let looser = if r.at_most { v > r.tom } else { v < r.tom };
        if looser {
            let (cmp, dir) = if r.at_most {
                ("above", "at most")
            } else {
                ("below", "at least")
            };
            cx.policy_error(
                &at,
                r.code,
                r.measure,
                format!("{} = {v} is {cmp} the TOM's {}", r.key, r.tom),
                format!(
                    "the TOM's password rules may only be tightened: set {} to {dir} {}",
                    r.key, r.tom
                ),
            );
            r.tom
        } else if r.at_most && v < MIN_MAX_DAYS {
            cx.error(
                &at,
                "inv-pass-days",
                format!("{} = {v}: every password would expire at once", r.key),
                format!("set {} between {MIN_MAX_DAYS} and {}", r.key, r.tom),
            );
            r.tom
        } else {
            v
        }
    };
    let rotation = crate::tom::PASSWORD_ROTATION;
    let length = crate::tom::PASSWORD_LENGTH;
    let mut p = Policy {
        max_days: value(
            cx,
            rule("max_days", t.max_days, true, "pol-pass-max-days", rotation),
            |r| r.max_days,
        ),
        min_days: value(
            cx,
            rule("min_days", t.min_days, false, "pol-pass-min-days", rotation),
            |r| r.min_days,
        ),
        warn_age: value(
            cx,
            rule("warn_age", t.warn_age, false, "pol-pass-warn-age", rotation),
            |r| r.warn_age,
        ),
        min_length: value(
            cx,
            rule("min_length", t.min_length, false, "pol-pass-length", length),
            |r| r.min_length,
        ),
        min_length_data: value(
            cx,
            rule(
                "min_length_data",
                t.min_length_data,
                false,
                "pol-pass-length",
                length,
            ),
            |r| r.min_length_data,
        ),
    };
    order(cx, d, h, &mut p);
    p
}

fn rule(
    key: &'static str,
    tom: u32,
    at_most: bool,
    code: &'static str,
    measure: &'static crate::tom::Tom,
) -> Rule {
    Rule {
        key,
        tom,
        at_most,
        code,
        measure,
    }
}

/// Reads one key of a raw table.
type Getter = fn(&RawPasswords) -> Option<u32>;

/// `min_days` and `warn_age` below `max_days`, lengths at most
/// [`MAX_LENGTH`]: otherwise no password could satisfy the rules.
fn order(
    cx: &mut SectionCx<'_>,
    d: Option<&RawPasswords>,
    h: Option<&RawPasswords>,
    p: &mut Policy,
) {
    let checks: [(&str, u32, u32, Getter); 4] = [
        ("min_days", p.min_days, p.max_days, |r| r.min_days),
        ("warn_age", p.warn_age, p.max_days, |r| r.warn_age),
        ("min_length", p.min_length, MAX_LENGTH + 1, |r| r.min_length),
        ("min_length_data", p.min_length_data, MAX_LENGTH + 1, |r| {
            r.min_length_data
        }),
    ];
    for (key, v, limit, f) in checks {
        if v < limit {
            continue;
        }
        let side = pick(d, h, f).map_or(Side::Defaults, |(_, s)| s);
        let at = cx.key(side, key);
        cx.error(
            &at,
            "inv-pass-days",
            format!("{key} = {v} is not below {limit}"),
            if limit > MAX_LENGTH {
                format!("set {key} to at most {MAX_LENGTH}")
            } else {
                format!("set {key} below max_days ({limit})")
            },
        );
    }
    let t = Policy::TOM;
    if p.min_days >= p.max_days {
        p.min_days = t.min_days;
    }
    if p.warn_age >= p.max_days {
        p.warn_age = t.warn_age.min(p.max_days.saturating_sub(1));
    }
    p.min_length = p.min_length.min(MAX_LENGTH);
    p.min_length_data = p.min_length_data.min(MAX_LENGTH);
}
