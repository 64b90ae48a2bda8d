//! The provider side of `maintenance open|close|list` for the hosts with a
//! provider account (`cloud` section): the clients (one per account,
//! shared by its hosts), and each command's provider step over the
//! selected hosts, one host after the other (each step is a few bounded
//! calls of the client; see `crate::maintenance::edge`).
//!
//! Order: `open` opens at the provider first and then on the host — a
//! host whose provider step failed is not opened at all, and a provider
//! opening whose host then failed is closed again, so a window is open on
//! both layers or on neither. `close` closes on the host first (the layer
//! the kernel guarantees) and at the provider last; a provider failure is
//! reported with the host's state, and the rule is closed by the next
//! maintenance run or flagged by `drift` once overdue.

use std::time::Duration;

use serde_json::{json, Map, Value};

use crate::backend::http::cloud::{build, Cloud, CloudKey, CloudSettings};
use crate::inventory::Inventory;
use crate::maintenance::edge::{self, EdgeRule, Opening, Outcome, Which};

/// The provider clients of the selected hosts.
pub struct Accounts {
    clouds: Vec<(CloudKey, Result<Cloud, String>)>,
    hosts: Vec<(usize, usize)>,
}

/// The clients for `hosts` (indices into `inv.hosts`) that have a provider
/// account; a client that cannot be built is that host's error.
pub fn accounts(inv: &Inventory, hosts: &[usize], timeout: Duration) -> Accounts {
    let mut a = Accounts {
        clouds: Vec::new(),
        hosts: Vec::new(),
    };
    for &i in hosts {
        let host = &inv.hosts[i];
        let Some(key) = host.settings::<CloudSettings>().account(host) else {
            continue;
        };
        let at = match a.clouds.iter().position(|(k, _)| *k == key) {
            Some(at) => at,
            None => {
                let c = build(&key, timeout).map_err(|e| e.to_string());
                a.clouds.push((key, c));
                a.clouds.len() - 1
            }
        };
        a.hosts.push((i, at));
    }
    a
}

impl Accounts {
    /// The client of host `i`: None without an account.
    pub fn of(&self, i: usize) -> Option<Result<&Cloud, String>> {
        let (_, at) = self.hosts.iter().find(|(h, _)| *h == i)?;
        Some(match &self.clouds[*at].1 {
            Ok(c) => Ok(c),
            Err(e) => Err(e.clone()),
        })
    }

    /// The hosts with an account, in selection order.
    pub fn hosts(&self) -> impl Iterator<Item = usize> + '_ {
        self.hosts.iter().map(|(h, _)| *h)
    }
}

/// What `open` did at the providers.
#[derive(Default)]
pub struct Opened {
    /// Host index and what was done.
    pub done: Vec<(usize, Outcome)>,
    /// Host index and why it was not opened (nowhere).
    pub failed: Vec<(usize, String)>,
}

/// Opens each host's window at its provider (`opening(i)` gives it).
pub async fn open(
    inv: &Inventory,
    acc: &Accounts,
    hosts: &[usize],
    opening: impl Fn(usize) -> Opening,
    now: u64,
) -> Opened {
    let mut out = Opened::default();
    for &i in hosts {
        let name = &inv.hosts[i].name;
        let cloud = match acc.of(i) {
            None => continue,
            Some(Ok(c)) => c,
            Some(Err(e)) => {
                out.failed.push((i, format!("{name}: {e}")));
                continue;
            }
        };
        match edge::open(cloud, name, &opening(i), now).await {
            Ok(o) => {
                for w in &o.warnings {
                    crate::warn::say(
                        crate::warn::Code::Provider,
                        format!("{name}: at the provider: {w}"),
                    );
                }
                out.done.push((i, o));
            }
            Err(f) => out.failed.push((i, f.to_string())),
        }
    }
    out
}

/// Closes window `id` again at the provider of host `i` (its host did
/// not open): the message to print.
pub async fn roll_back(inv: &Inventory, acc: &Accounts, i: usize, id: &str) -> (bool, String) {
    let name = &inv.hosts[i].name;
    let Some(Ok(cloud)) = acc.of(i) else {
        return (
            false,
            format!("{name}: no provider client to roll back with"),
        );
    };
    let which = Which::Window {
        id: id.to_string(),
        now: 0,
    };
    match edge::close(cloud, name, &which).await {
        Ok(o) if o.warnings.is_empty() => (
            true,
            format!(
                "{name}: the host did not open, so {id} was closed again at the provider ({} rule(s))",
                o.closed.len()
            ),
        ),
        Ok(o) => (
            false,
            format!(
                "{name}: the host did not open, and {id} could NOT be closed again at the provider: {}",
                o.warnings.join("; ")
            ),
        ),
        Err(e) => (
            false,
            format!(
                "{name}: the host did not open, and {id} could NOT be closed again at the provider: {e}"
            ),
        ),
    }
}

/// Closes the rules `which(i)` selects at each host's provider; (host,
/// outcome or error).
pub async fn close(
    inv: &Inventory,
    acc: &Accounts,
    which: impl Fn(usize) -> Which,
) -> Vec<(usize, Result<Outcome, String>)> {
    let mut out = Vec::new();
    for i in acc.hosts().collect::<Vec<_>>() {
        let name = &inv.hosts[i].name;
        let r = match acc.of(i) {
            Some(Ok(cloud)) => edge::close(cloud, name, &which(i))
                .await
                .map_err(|e| e.to_string()),
            Some(Err(e)) => Err(format!("{name}: {e}")),
            None => continue,
        };
        out.push((i, r));
    }
    out
}

/// The line printed for a rule closed at the provider.
pub fn closed_line(host: &str, object: &str, r: &EdgeRule, now: u64) -> String {
    let overdue = if r.overdue(now) { "overdue " } else { "" };
    format!("{host}: closed {overdue}{r} at the provider ({object})")
}

/// The audit details of what was done at the providers, by host name.
pub fn details(inv: &Inventory, done: &[(usize, Outcome)]) -> Value {
    let mut m = Map::new();
    for (i, o) in done {
        m.insert(inv.hosts[*i].name.clone(), o.json());
    }
    Value::Object(m)
}

/// The provider part of `list` for one host.
pub fn list_json(r: &Result<Outcome, String>) -> Value {
    match r {
        Ok(o) => json!({
            "object": o.object,
            "openings": o.kept.iter().map(EdgeRule::json).collect::<Vec<_>>(),
            "closed_overdue": o.closed.iter().map(EdgeRule::json).collect::<Vec<_>>(),
            "warnings": o.warnings,
        }),
        Err(e) => json!({ "error": e }),
    }
}

/// The provider part of `list` as text.
pub fn list_text(inv: &Inventory, rows: &[(usize, Result<Outcome, String>)], now: u64) -> String {
    let mut s = String::new();
    if rows.is_empty() {
        return s;
    }
    s.push_str("At the provider (the providers do not expire rules; harden closes them):\n");
    for (i, r) in rows {
        let host = &inv.hosts[*i].name;
        match r {
            Ok(o) => {
                for c in &o.closed {
                    s.push_str(&format!("  {}\n", closed_line(host, &o.object, c, now)));
                }
                if o.kept.is_empty() {
                    s.push_str(&format!("  {host}: no window open in {}\n", o.object));
                }
                for k in &o.kept {
                    s.push_str(&format!("  {host}: {k} ({})\n", o.object));
                }
                for w in &o.warnings {
                    s.push_str(&format!("  ! {host}: {w}\n"));
                }
            }
            Err(e) => s.push_str(&format!("  ! {e}\n")),
        }
    }
    s
}
