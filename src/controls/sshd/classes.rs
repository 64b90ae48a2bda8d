//! The classes of connection drift evaluates sshd for.
//!
//! A `Match` block changes sshd's settings for some connections only, so
//! one `sshd -T` for one made-up client cannot see a block that, say,
//! turns passwords on for a management network. harden knows which
//! connections a host gets: from its controller sources, its management
//! sources, each `allow` source, and anyone (a TEST-NET address), as root,
//! as harden's own ssh_user and as each managed user allowed on the host
//! (the first [`MAX_USERS`]). Every pair of user and
//! source is one class; a CIDR is represented by its first usable address.
//! All classes are evaluated in the one probe round trip (`sshd -T -C` per
//! class, run in parallel on the host), and drift compares each.
//!
//! `-C` changes nothing but which `Match` blocks apply, so when the host's
//! config can hold no `Match` block, every class evaluates alike and one
//! `sshd -T` stands for all ([`NO_MATCH_CHECK`]): the probe reads the file
//! it evaluates in the same round trip, so a `Match` (or an `Include` that
//! could bring one) added behind harden's back turns the full evaluation
//! back on for that run.

use std::collections::{BTreeMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::contract::sh_quote;
use crate::contract::HostCtx;
use crate::inventory::net::Cidr;

/// "Anyone": an address from TEST-NET-3 (no Match of a real estate names it).
pub const ANYONE_V4: IpAddr = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 10));
/// "Anyone" over IPv6 (documentation prefix).
pub const ANYONE_V6: IpAddr = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x10));

/// The most managed users evaluated per host (beside root and harden's
/// own ssh_user), in inventory order.
pub const MAX_USERS: usize = 16;

/// One connection sshd is evaluated for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Class {
    /// Login name.
    pub user: String,
    /// Source address.
    pub addr: IpAddr,
    /// Where the source comes from (`anyone`, `management_sources 198.51.100.0/28`).
    pub source: String,
}

impl Class {
    /// `for user=root from 198.51.100.1 (management_sources 198.51.100.0/28)`.
    pub fn label(&self) -> String {
        format!(
            "for user={} from {} ({})",
            self.user, self.addr, self.source
        )
    }

    /// The `-C` argument of `sshd -T`.
    pub fn spec(&self, laddr: IpAddr, lport: u16) -> String {
        format!(
            "user={},host=harden.invalid,addr={},laddr={laddr},lport={lport}",
            self.user, self.addr
        )
    }
}

/// The first usable address of a prefix (the address itself for a single
/// host or a /31, /127).
pub fn representative(c: &Cidr) -> IpAddr {
    match c.network() {
        IpAddr::V4(a) if c.prefix < 31 => IpAddr::V4(Ipv4Addr::from(u32::from(a) + 1)),
        IpAddr::V6(a) if c.prefix < 127 => IpAddr::V6(Ipv6Addr::from(u128::from(a) + 1)),
        a => a,
    }
}

/// Every class for the host in `ctx`; the first is root from anyone, the
/// class drift reports as the host's plain setting.
pub fn classes(ctx: &HostCtx<'_>) -> Vec<Class> {
    let h = ctx.host;
    let mut sources: Vec<(IpAddr, String)> = vec![(ANYONE_V4, "anyone".into())];
    if h.addresses.iter().any(IpAddr::is_ipv6) {
        sources.push((ANYONE_V6, "anyone".into()));
    }
    let named = |what: &str, c: &Cidr| -> Option<(IpAddr, String)> {
        (!c.is_any()).then(|| (representative(c), format!("{what} {c}")))
    };
    sources.extend(
        h.controller_sources
            .iter()
            .filter_map(|c| named("controller_sources", c)),
    );
    sources.extend(
        h.management_sources
            .iter()
            .filter_map(|c| named("management_sources", c)),
    );
    for (i, a) in h.allow.iter().enumerate() {
        for c in a.from.iter().flatten() {
            sources.extend(named(&format!("allow[{i}] from"), c));
        }
    }
    let mut seen = HashSet::new();
    sources.retain(|(a, _)| seen.insert(*a));
    // Every managed user: a `Match User bob` block must be seen even when
    // bob is not the first (bounded: drift runs one `sshd -T` per class
    // when the config can hold a Match block).
    let mut users = vec!["root".to_string()];
    users.push(h.conn.user.clone());
    users.extend(ctx.inv.users_on(h).take(MAX_USERS).map(|u| u.name.clone()));
    let mut seen = HashSet::new();
    users.retain(|u| seen.insert(u.clone()));
    users
        .iter()
        .flat_map(|u| {
            sources.iter().map(move |(addr, source)| Class {
                user: u.clone(),
                addr: *addr,
                source: source.clone(),
            })
        })
        .collect()
}

/// The main config, the one file `sshd -T` reads unless it includes
/// others (the `Include` keyword, which [`NO_MATCH_CHECK`] looks for).
pub const MAIN_CONFIG: &str = "/etc/ssh/sshd_config";

/// A shell test that succeeds only when `$1` is readable and no active
/// line could be or bring a `Match` block: after dropping comment lines
/// (sshd skips blanks and tabs before `#`) and every quote and backslash
/// (sshd's word splitting removes them, so `M"atch"` is `Match`), no line
/// holds `match` or `include` in any case. Anything else (a value that
/// merely contains the word, an unreadable file) means the full,
/// per-class evaluation: the test can err only on the safe side.
pub const NO_MATCH_CHECK: &str = r#"nomatch() { sed -e '/^[[:blank:]]*#/d' -e "s/[\"'\\]//g" -- "$1" >"$T/cfg" 2>/dev/null && ! grep -qi -e match -e include "$T/cfg"; }"#;

/// Marks that every class evaluated like class 0 (no `Match` possible).
const SAME: &str = "== same";

/// The probe: `sshd -T -C` for every class, in parallel, printed in order
/// as `== <index> <rc>` followed by that class's output; or, when the
/// config can hold no `Match` block, class 0 alone followed by `== same`.
/// A failing class has its stderr on the probe's stderr, prefixed with its
/// index (in the folded case class 0's, once per class, as before).
pub fn script(classes: &[Class], laddr: IpAddr, lport: u16) -> String {
    let specs: Vec<String> = classes
        .iter()
        .map(|c| sh_quote(&c.spec(laddr, lport)))
        .collect();
    let first = specs.first().cloned().unwrap_or_default();
    format!(
        "{NO_MATCH_CHECK}; if [ {n} -gt 0 ] && nomatch {main}; then sshd -T -C {first} >\"$T/0\" 2>\"$T/0.e\"; echo \"== 0 $?\"; cat \"$T/0\"; echo '{SAME}'; j=0; while [ $j -lt {n} ]; do sed \"s/^/$j: /\" \"$T/0.e\" >&2; j=$((j+1)); done; else \
i=0; for c in {all}; do ( sshd -T -C \"$c\" >\"$T/$i\" 2>\"$T/$i.e\"; echo $? >\"$T/$i.rc\" ) & i=$((i+1)); done; wait; j=0; while [ $j -lt $i ]; do echo \"== $j $(cat \"$T/$j.rc\")\"; cat \"$T/$j\"; sed \"s/^/$j: /\" \"$T/$j.e\" >&2; j=$((j+1)); done; fi",
        n = specs.len(),
        main = sh_quote(MAIN_CONFIG),
        all = specs.join(" ")
    )
}

/// What `sshd -T` said for one class.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Effective {
    /// Exit code.
    pub rc: i32,
    /// Lowercase keyword → every value printed for it.
    pub values: BTreeMap<String, Vec<String>>,
}

impl Effective {
    /// The value as drift shows it (`(not set)` when sshd printed none).
    pub fn get(&self, key: &str) -> String {
        self.values
            .get(&key.to_ascii_lowercase())
            .map(|v| v.join(" | "))
            .unwrap_or_else(|| "(not set)".into())
    }
}

/// Parses the probe's output into one [`Effective`] per class index, for
/// `n` classes (`== same` copies class 0 to every other class).
pub fn parse(out: &str, n: usize) -> BTreeMap<usize, Effective> {
    let mut all = BTreeMap::new();
    let mut cur: Option<(usize, Effective)> = None;
    let mut same = false;
    for line in out.lines() {
        if line == SAME {
            if let Some((i, e)) = cur.take() {
                all.insert(i, e);
            }
            same = true;
        } else if let Some(head) = line.strip_prefix("== ") {
            if let Some((i, e)) = cur.take() {
                all.insert(i, e);
            }
            let mut it = head.split_whitespace();
            let i = it.next().and_then(|x| x.parse().ok());
            let rc = it.next().and_then(|x| x.parse().ok()).unwrap_or(-1);
            cur = i.map(|i| {
                (
                    i,
                    Effective {
                        rc,
                        ..Default::default()
                    },
                )
            });
        } else if let (Some((_, e)), Some((k, v))) = (cur.as_mut(), line.split_once(' ')) {
            e.values
                .entry(k.to_string())
                .or_default()
                .push(v.trim().to_string());
        }
    }
    if let Some((i, e)) = cur {
        all.insert(i, e);
    }
    if same {
        if let Some(base) = all.get(&0).cloned() {
            for i in 1..n {
                all.entry(i).or_insert_with(|| base.clone());
            }
        }
    }
    all
}

#[cfg(test)]
#[path = "classes_tests.rs"]
mod tests;
