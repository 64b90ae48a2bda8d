//! Maintenance windows at the provider: the management port opened in
//! harden's provider object for the host (its Hetzner firewall, its OTC
//! security group, both named [`object_name`]) with the same sources,
//! port and expiry as the host's nftables elements.
//!
//! The providers cannot expire a rule: the expiry is written into the
//! rule's description ([`Mark::Maintenance`]: `harden maintenance
//! <window> until <RFC3339>`), and whoever comes by after it closes it —
//! `maintenance close`, every `maintenance open|close|list` run for the
//! hosts it touches ([`close_overdue`], [`Which::Window`] closes overdue
//! rules too), and the nightly `drift` (the edge control's backstop).
//!
//! - Hetzner (`edge_hetzner`): rules are replaced as a whole, so each
//!   change reads the firewall and sends the full list (`set_rules`),
//!   keeping every rule that is not one of those being closed;
//! - OTC (`edge_otc`): one rule per source is created, and rules are
//!   deleted by id; nothing else in the group is touched.
//!
//! The calls are planned by pure functions from the provider's answers
//! (`edge_*`), performed here with the production client (`Cloud`).
//! An opening replaces the maintenance rules of other windows on the same
//! sources and port (as on the host) and removes the overdue ones.
//! When an opening fails half-way it is rolled back: a window is open at
//! the provider completely or not at all ([`OpenFailure`] says which
//! rules could not be removed, if any).

use std::fmt;

use serde_json::{json, Value};

use crate::backend::http::cloud::CloudError;
use crate::contract::api::ApiCallError;
pub use crate::controls::edge::rule::object_name;
use crate::controls::edge::rule::Mark;
use crate::inventory::Cidr;
use crate::timefmt;

#[path = "edge_hetzner.rs"]
pub mod hetzner;
#[path = "edge_otc.rs"]
pub mod otc;
#[path = "edge_run.rs"]
mod run;

pub use run::{close, close_overdue, open};

/// What one host's window opens at its provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opening {
    /// The window id (as on the host).
    pub window: String,
    /// The sources (the prefixes the host's window opens).
    pub sources: Vec<Cidr>,
    /// The SSH port.
    pub port: u16,
    /// When the window closes (Unix seconds; the host's nft timeout ends
    /// at the same instant).
    pub until: u64,
}

impl Opening {
    /// The description every rule of this opening carries.
    pub fn description(&self) -> String {
        Mark::Maintenance {
            window: self.window.clone(),
            until: self.until,
        }
        .description()
    }

    /// For the intent: what will be opened at the provider, before it is.
    pub fn json(&self, object: &str) -> Value {
        json!({
            "object": object,
            "description": self.description(),
            "sources": self.sources.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            "port": self.port,
            "until": timefmt::rfc3339(self.until),
        })
    }
}

/// A maintenance rule at the provider (its description carries a
/// [`Mark::Maintenance`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeRule {
    /// Its id (OTC); Hetzner rules have none.
    pub id: Option<String>,
    /// The window it was opened for.
    pub window: String,
    /// When it must be closed (Unix seconds).
    pub until: u64,
    /// Its sources, as far as they are prefixes.
    pub sources: Vec<Cidr>,
    /// Its first and last port, if it names ports.
    pub ports: Option<(u16, u16)>,
}

impl EdgeRule {
    /// True when its expiry has passed at `now`.
    pub fn overdue(&self, now: u64) -> bool {
        self.until <= now
    }

    /// True when opening `o` replaces this rule, as a new window replaces
    /// the host's elements it overlaps: another window's rule on the same
    /// port whose every source overlaps one of `o`'s. (OTC would refuse
    /// the new rule as a duplicate of the old one otherwise.)
    pub fn replaced_by(&self, o: &Opening) -> bool {
        self.window != o.window
            && self.ports == Some((o.port, o.port))
            && !self.sources.is_empty()
            && self
                .sources
                .iter()
                .all(|s| o.sources.iter().any(|n| overlap(s, n)))
    }

    /// The rule for the audit log and `list --format json`.
    pub fn json(&self) -> Value {
        let mut v = json!({
            "window": self.window,
            "until": timefmt::rfc3339(self.until),
            "sources": self.sources.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            "port": self.ports.map(|(a, b)| if a == b { a.to_string() } else { format!("{a}-{b}") }),
        });
        if let Some(id) = &self.id {
            v["id"] = json!(id);
        }
        v
    }
}

impl fmt::Display for EdgeRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sources: Vec<String> = self.sources.iter().map(|s| s.to_string()).collect();
        write!(f, "{} to {}", self.window, sources.join(", "))?;
        match self.ports {
            Some((a, b)) if a == b => write!(f, " . {a}")?,
            Some((a, b)) => write!(f, " . {a}-{b}")?,
            None => {}
        }
        write!(f, " until {}", timefmt::rfc3339(self.until))
    }
}

/// Which maintenance rules a close removes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Which {
    /// Every maintenance rule (`maintenance close` without `--id`).
    All,
    /// This window's, and every overdue one at `now`.
    Window {
        /// The window id.
        id: String,
        /// Now (Unix seconds).
        now: u64,
    },
    /// Those whose expiry has passed at this instant.
    Overdue(u64),
}

impl Which {
    /// True when `rule` is to be removed.
    pub fn selects(&self, rule: &EdgeRule) -> bool {
        match self {
            Which::All => true,
            Which::Window { id, now } => rule.window == *id || rule.overdue(*now),
            Which::Overdue(now) => rule.overdue(*now),
        }
    }
}

/// What was done at the provider for one host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The provider object's name.
    pub object: String,
    /// Rules added.
    pub opened: Vec<EdgeRule>,
    /// Rules removed (closed, or overdue).
    pub closed: Vec<EdgeRule>,
    /// Maintenance rules still there afterwards.
    pub kept: Vec<EdgeRule>,
    /// What went wrong without undoing the change (an overdue rule that
    /// could not be removed after the window opened).
    pub warnings: Vec<String>,
}

impl Outcome {
    /// For the audit log.
    pub fn json(&self) -> Value {
        let rules = |v: &[EdgeRule]| v.iter().map(EdgeRule::json).collect::<Vec<_>>();
        json!({
            "object": self.object,
            "opened": rules(&self.opened),
            "closed": rules(&self.closed),
            "warnings": self.warnings,
        })
    }
}

/// Why a provider step failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EdgeError {
    /// harden's provider object for the host does not exist.
    NotApplied {
        /// Host name.
        host: String,
        /// The object's name.
        object: String,
        /// "firewall" or "security group".
        kind: &'static str,
    },
    /// More than one object carries harden's name.
    Ambiguous {
        /// Host name.
        host: String,
        /// The object's name.
        object: String,
        /// How many.
        count: usize,
    },
    /// The provider's answer cannot be used.
    Answer {
        /// Host name.
        host: String,
        /// What is wrong (no provider text in it).
        message: String,
    },
    /// A call could not be built.
    Call(ApiCallError),
    /// A read or call failed at the provider.
    Cloud {
        /// Host name.
        host: String,
        /// The error (scrubbed by the client).
        error: CloudError,
    },
}

impl EdgeError {
    /// The stable diagnostic code.
    pub fn code(&self) -> &'static str {
        match self {
            EdgeError::NotApplied { .. } => "edge-not-applied",
            EdgeError::Ambiguous { .. } => "edge-ambiguous",
            EdgeError::Answer { .. } => "edge-answer",
            EdgeError::Call(e) => e.code(),
            EdgeError::Cloud { error, .. } => error.code(),
        }
    }
}

impl fmt::Display for EdgeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EdgeError::NotApplied { host, object, kind } => write!(
                f,
                "edge-not-applied: {host}: the provider has no {kind} {object}; run harden apply first"
            ),
            EdgeError::Ambiguous {
                host,
                object,
                count,
            } => write!(
                f,
                "edge-ambiguous: {host}: {count} provider objects are named {object}; remove the extra ones"
            ),
            EdgeError::Answer { host, message } => {
                write!(f, "edge-answer: {host}: the provider's answer: {message}")
            }
            EdgeError::Call(e) => e.fmt(f),
            EdgeError::Cloud { host, error } => write!(f, "{host}: {error}"),
        }
    }
}

impl std::error::Error for EdgeError {}

impl From<ApiCallError> for EdgeError {
    fn from(e: ApiCallError) -> Self {
        EdgeError::Call(e)
    }
}

/// An opening that failed, and what its rollback did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenFailure {
    /// Why it failed.
    pub error: EdgeError,
    /// Ok: the rules removed again (empty: none had been added); Err:
    /// the rollback failed, so rules of this window may be left open.
    pub rollback: Result<Vec<EdgeRule>, EdgeError>,
}

impl OpenFailure {
    /// True when nothing of the window can be left at the provider.
    pub fn clean(&self) -> bool {
        self.rollback.is_ok()
    }
}

impl fmt::Display for OpenFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)?;
        match &self.rollback {
            Ok(r) if r.is_empty() => f.write_str(" (nothing was opened at the provider)"),
            Ok(r) => write!(f, " (rolled back: {} rule(s) removed again)", r.len()),
            Err(e) => write!(
                f,
                " (rollback FAILED, rules of this window may be open at the provider until harden closes them: {e})"
            ),
        }
    }
}

impl std::error::Error for OpenFailure {}

/// True when two prefixes of one family share an address.
fn overlap(a: &Cidr, b: &Cidr) -> bool {
    a.is_v4() == b.is_v4() && (a.contains(b.addr) || b.contains(a.addr))
}

/// The maintenance mark of a description, if it is one.
/// Why the read of harden's provider object cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// No object has the name.
    Missing,
    /// Several have it.
    Several(usize),
    /// The answer is malformed.
    Bad(String),
}

/// The one object named `object` in a list answer (`what` names the list
/// in messages: "firewall", "security-group").
pub fn named<'a>(list: &'a Value, object: &str, what: &str) -> Result<&'a Value, ReadError> {
    let items = list
        .as_array()
        .ok_or_else(|| ReadError::Bad(format!("the {what} list is not an array")))?;
    let named: Vec<&Value> = items
        .iter()
        .filter(|f| f.get("name").and_then(Value::as_str) == Some(object))
        .collect();
    match named.as_slice() {
        [] => Err(ReadError::Missing),
        [f] => Ok(*f),
        many => Err(ReadError::Several(many.len())),
    }
}

pub(crate) fn maintenance_mark(description: Option<&str>) -> Option<(String, u64)> {
    match Mark::parse(description?)? {
        Mark::Maintenance { window, until } => Some((window, until)),
        _ => None,
    }
}

/// A provider's id of a rule or object, checked before it reaches a path
/// or a message: letters, digits, `-`, `_`, at most 64.
pub(crate) fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
#[path = "edge_tests.rs"]
mod tests;
