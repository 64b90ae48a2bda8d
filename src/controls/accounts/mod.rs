//! Accounts control: one Unix account per person, managed centrally.
//!
//! Each active user whose role may log into the host gets an account of
//! their own (TOM-1.2-auth: individual user names), with a login shell and
//! a locked password (logins are by certificate only). Accounts harden
//! created (marked `harden-managed` in the comment field) for users who are now
//! blocked or no longer allowed on the host are locked, expired and given
//! `nologin`; they are never deleted, so nothing on a host is lost. The
//! state is read from /etc/passwd and /etc/shadow and changed with
//! useradd/usermod, the distribution's own tools.

use std::collections::BTreeMap;

use crate::contract::{sh_quote, Control, Facts, HostCtx, Plan, Probe, RenderError};

use crate::report::model::{Finding, Fix};

const PASSWD: &str = "/etc/passwd";
const SHADOW: &str = "/etc/shadow";
const TOM: &str = crate::tom::CENTRAL_USERS.id;
/// Comment-field prefix marking accounts harden created (the field cannot
/// hold a colon).
pub const MARK: &str = "harden-managed";
/// Shell of active accounts.
pub const SHELL: &str = "/bin/bash";
/// Shell of blocked accounts.
pub const NOLOGIN: &str = "/usr/sbin/nologin";

/// What /etc/passwd and /etc/shadow say about one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Comment (GECOS) field.
    pub gecos: String,
    /// Login shell.
    pub shell: String,
    /// Password hash starts with `!` or `*` (no password login).
    pub locked: bool,
    /// The account has an expiry date in the past.
    pub expired: bool,
}

/// Parses both files into accounts by name.
pub fn accounts(facts: &Facts) -> BTreeMap<String, Account> {
    let today = crate::timefmt::now() / 86_400;
    let mut shadow: BTreeMap<String, (bool, bool)> = BTreeMap::new();
    for line in facts.file(SHADOW).text().lines() {
        let f: Vec<&str> = line.split(':').collect();
        if f.len() >= 8 {
            let locked = f[1].starts_with('!') || f[1].starts_with('*');
            let expired = f[7].parse::<u64>().is_ok_and(|d| d <= today);
            shadow.insert(f[0].to_string(), (locked, expired));
        }
    }
    let mut out = BTreeMap::new();
    for line in facts.file(PASSWD).text().lines() {
        let f: Vec<&str> = line.split(':').collect();
        if f.len() >= 7 {
            let (locked, expired) = shadow.get(f[0]).copied().unwrap_or((true, false));
            out.insert(
                f[0].to_string(),
                Account {
                    gecos: f[4].to_string(),
                    shell: f[6].to_string(),
                    locked,
                    expired,
                },
            );
        }
    }
    out
}

fn describe(a: Option<&Account>) -> String {
    match a {
        None => "absent".into(),
        Some(a) => format!(
            "{}, {}, {}",
            a.shell,
            if a.locked {
                "password locked"
            } else {
                "PASSWORD SET"
            },
            if a.expired { "expired" } else { "not expired" }
        ),
    }
}

/// The accounts control.
pub struct Accounts;

/// Each drifting account gets the one command that fixes it.
fn plan(ctx: &HostCtx<'_>, facts: &Facts) -> Plan {
    let have = accounts(facts);
    let mut p = Plan::new("accounts");
    let allowed: Vec<&crate::inventory::User> = ctx.inv.users_on(ctx.host).collect();
    for u in &allowed {
        let gecos = format!("{MARK} {}", u.role);
        let want = Account {
            gecos: gecos.clone(),
            shell: SHELL.into(),
            locked: true,
            expired: false,
        };
        let cur = have.get(&u.name);
        let item = format!("account {}", u.name);
        let f = Finding::new("accounts", "account", item, TOM);
        let n = sh_quote(&u.name);
        match cur {
            None => {
                let id = p.run(format!("useradd --create-home --user-group --shell {SHELL} --comment {} {n} && usermod --lock {n}", sh_quote(&gecos)));
                p.push(f.drift(describe(Some(&want)), "absent", Fix::Change(id)));
            }
            Some(a) if a.shell != want.shell || !a.locked || a.expired || a.gecos != gecos => {
                let id = p.run(format!(
                    "usermod --lock --expiredate '' --shell {SHELL} --comment {} {n}",
                    sh_quote(&gecos)
                ));
                p.push(f.drift(describe(Some(&want)), describe(Some(a)), Fix::Change(id)));
            }
            Some(a) => p.push(f.ok(describe(Some(a)))),
        }
    }
    for (name, a) in &have {
        if !a.gecos.starts_with(MARK) || allowed.iter().any(|u| &u.name == name) {
            continue;
        }
        let f = Finding::new("accounts", "account", format!("account {name}"), TOM);
        let blocked = Account {
            gecos: a.gecos.clone(),
            shell: NOLOGIN.into(),
            locked: true,
            expired: true,
        };
        if a.shell == NOLOGIN && a.locked && a.expired {
            p.push(f.ok(format!("blocked ({})", describe(Some(a)))));
        } else {
            let n = sh_quote(name);
            let id = p.run(format!(
                "usermod --lock --expiredate 1 --shell {NOLOGIN} {n}"
            ));
            p.push(
                f.drift(describe(Some(&blocked)), describe(Some(a)), Fix::Change(id))
                    .with_message("user is blocked or no longer allowed on this host"),
            );
        }
    }
    p
}

impl Control for Accounts {
    fn id(&self) -> &'static str {
        "accounts"
    }

    fn measures(&self) -> &'static [&'static crate::tom::Tom] {
        &[crate::tom::CENTRAL_USERS]
    }

    fn applies(&self, ctx: &HostCtx<'_>) -> bool {
        ctx.ca.is_some()
    }

    fn probes(&self, _ctx: &HostCtx<'_>) -> Result<Vec<Probe>, RenderError> {
        Ok(vec![Probe::File(PASSWD.into()), Probe::File(SHADOW.into())])
    }

    fn plan(&self, ctx: &HostCtx<'_>, facts: &Facts) -> Result<Plan, RenderError> {
        if facts.assumed {
            return Ok(Plan::new(self.id()));
        }
        Ok(plan(ctx, facts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_passwd_and_shadow() {
        let mut f = Facts::default();
        f.set_file(PASSWD, "root:x:0:0:root:/root:/bin/bash\nalice:x:1001:1001:harden-managed developer:/home/alice:/bin/bash\nbob:x:1002:1002:harden-managed operator:/home/bob:/usr/sbin/nologin\n", 0o644);
        f.set_file(
            SHADOW,
            "root:*:19000:0:99999:7:::\nalice:!:19000:0:99999:7:::\nbob:!:19000:0:99999:7::1:\n",
            0o640,
        );
        let a = accounts(&f);
        assert_eq!(
            a["alice"],
            Account {
                gecos: "harden-managed developer".into(),
                shell: "/bin/bash".into(),
                locked: true,
                expired: false
            }
        );
        assert!(a["bob"].expired && a["bob"].locked);
        assert!(a["root"].locked);
    }
}
