//! Per-account password aging, from `/etc/shadow` through the typed
//! [`Shadow`](crate::contract::kinds::Shadow) kind (it tells locked,
//! none, empty and usable apart and drops the hash: no hash reaches a
//! finding).
//!
//! For every account with a usable password: a maximum age of at most the
//! policy's `max_days` (drift, fixed by `chage -M <days> <user>` for a
//! name that passes [`valid_name`]), and a password older than that is a
//! report-only finding naming the account (only its user can change it).
//! An empty password field (login without a password) is a report-only
//! finding too. Accounts harden manages (the accounts control's users of
//! the host) must have locked passwords: certificate-only, in sync, or
//! drift fixed by `usermod --lock`.

use crate::contract::kinds::{PasswordState, ShadowEntry};
use crate::contract::{sh_quote, Plan};
use crate::report::model::{Finding, Fix};

use super::policy::Policy;

/// Longest account name a command is run for (useradd's limit).
const NAME_MAX: usize = 32;

/// Whether `name` is an account name a `chage`/`usermod` line may carry:
/// 1-32 characters, a letter or `_` first, then letters, digits, `.`,
/// `_`, `-`, optionally a final `$` (Samba machine accounts).
pub fn valid_name(name: &str) -> bool {
    let body = name.strip_suffix('$').unwrap_or(name);
    let mut chars = body.chars();
    name.len() <= NAME_MAX
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

/// The day `day` (days since 1970-01-01) as `YYYY-MM-DD`.
fn date(day: i64) -> String {
    let t = crate::timefmt::rfc3339(day.saturating_mul(86_400).max(0) as u64);
    t.get(..10).unwrap_or(&t).to_string()
}

/// The aging findings of every account, `today` in days since 1970.
pub fn check(p: &mut Plan, entries: &[ShadowEntry], managed: &[&str], policy: &Policy, today: i64) {
    let rotation = crate::tom::PASSWORD_ROTATION.id;
    for name in managed {
        let f = Finding::new(
            p.control,
            "managed-account",
            format!("account {name}"),
            crate::tom::CRITICAL_LOGIN.id,
        );
        let f = match entries.iter().find(|e| e.name == *name) {
            None => {
                f.info("not created yet: the accounts control creates it with a locked password")
            }
            Some(e) if matches!(e.password, PasswordState::Locked | PasswordState::None) => {
                f.ok("certificate-only (password locked)")
            }
            Some(e) => {
                let id = p.run(format!("usermod --lock {}", sh_quote(&e.name)));
                f.drift(
                    "certificate-only (password locked)",
                    state(e.password),
                    Fix::Change(id),
                )
                .with_message("harden's users log in by certificate only; apply locks the password")
            }
        };
        p.push(f);
    }
    for e in entries
        .iter()
        .filter(|e| !managed.contains(&e.name.as_str()))
    {
        let item = format!("account {}", e.name);
        match e.password {
            PasswordState::Usable => {}
            PasswordState::Empty => {
                p.push(
                    Finding::new(p.control, "password-empty", item, rotation)
                        .drift("a password or a locked field", "empty: login without a password", Fix::None)
                        .with_message("set a password (passwd) or lock the account (usermod --lock); harden does neither for an account it does not manage"),
                );
                continue;
            }
            PasswordState::Locked | PasswordState::None => continue,
        }
        max_age(p, e, &item, policy, rotation);
        age(p, e, &item, policy, today, rotation);
    }
}

fn state(s: PasswordState) -> &'static str {
    match s {
        PasswordState::Usable => "password usable",
        PasswordState::Empty => "password empty",
        PasswordState::Locked => "password locked",
        PasswordState::None => "no password",
    }
}

/// The account's maximum age is at most the policy's.
fn max_age(p: &mut Plan, e: &ShadowEntry, item: &str, policy: &Policy, tom: &'static str) {
    let max = i64::from(policy.max_days);
    let f = Finding::new(p.control, "password-max-age", item, tom);
    let want = format!("max age ≤ {max} days");
    let f = match e.max_days {
        Some(m) if (1..=max).contains(&m) => f.ok(format!("max age {m} days")),
        have => {
            let actual = have.map_or("no maximum".to_string(), |m| format!("max age {m} days"));
            if valid_name(&e.name) {
                let id = p.run(format!("chage -M {max} {}", sh_quote(&e.name)));
                f.drift(want, actual, Fix::Change(id))
            } else {
                f.drift(want, actual, Fix::None).with_message(
                    "the account name is not one harden runs chage for; set it by hand",
                )
            }
        }
    };
    p.push(f);
}

/// The password itself is younger than the policy's maximum age.
fn age(p: &mut Plan, e: &ShadowEntry, item: &str, policy: &Policy, today: i64, tom: &'static str) {
    let max = i64::from(policy.max_days);
    let f = Finding::new(p.control, "password-age", item, tom);
    let want = format!("changed within {max} days");
    let f = match e.last_change {
        Some(0) => f.ok("change forced at next login"),
        Some(d) if today - d <= max => f.ok(format!("changed {} days ago", (today - d).max(0))),
        Some(d) => f
            .drift(
                want,
                format!("last changed {} days ago ({})", today - d, date(d)),
                Fix::None,
            )
            .with_message(format!(
                "only the user can change it: ask {} to run passwd",
                e.name
            )),
        None => f
            .drift(want, "no last-change day (aging off)", Fix::None)
            .with_message("the password's age is unknown: force a change with chage -d 0"),
    };
    p.push(f);
}
