//! One security-relevant action: the record that is logged and reported.
//!
//! The same [`Event`] goes into the local audit log, into the copy on each
//! affected host and, as JSON, to management's webhook, so all three can be
//! matched by its random `id`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::timefmt;

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The local account that ran harden: `$SUDO_USER`, else `$USER`, else
    /// `uid:<n>`, spelled by [`actor_name`].
    pub local_user: String,
    /// The key id of the SSH certificate used, when known.
    pub key_id: Option<String>,
}

impl Actor {
    /// The account running this process, with an optional certificate key id.
    pub fn current(key_id: Option<String>) -> Actor {
        Actor {
            local_user: current_local_user(),
            key_id,
        }
    }
}

/// Characters an actor name keeps besides ASCII letters and digits. The
/// same spelling goes into the audit log, certificate key ids and the
/// maintenance element comment, whose nft string holds no space or quote.
const ACTOR_CHARS: &str = "._@+-:";

/// The longest actor name kept, in characters.
const ACTOR_MAX: usize = 32;

/// `name` in the one spelling every record of an actor uses: only letters,
/// digits and `._@+-:`, at most 32 characters (empty when none is left).
pub fn actor_name(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric() || ACTOR_CHARS.contains(*c))
        .take(ACTOR_MAX)
        .collect()
}

/// The local user running this process (for the audit log, key ids and
/// maintenance comments): see [`local_user`].
pub fn current_local_user() -> String {
    let var = |name: &str| std::env::var(name).ok();
    local_user(
        var("SUDO_USER"),
        var("USER"),
        rustix::process::geteuid().as_raw(),
    )
}

/// Picks the acting user: whoever ran `sudo` comes first, because `$USER`
/// is then `root` and says nothing about the person; with neither, `uid:<n>`
/// (a `:` no login name holds). Spelled by [`actor_name`].
pub fn local_user(sudo_user: Option<String>, user: Option<String>, uid: u32) -> String {
    [sudo_user, user]
        .into_iter()
        .flatten()
        .map(|u| actor_name(&u))
        .find(|u| !u.is_empty())
        .unwrap_or_else(|| format!("uid:{uid}"))
}

/// A security-relevant action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Random 128-bit id in hex; also the webhook's idempotency key.
    pub id: String,
    /// When it happened, RFC 3339 UTC (`YYYY-MM-DDTHH:MM:SSZ`).
    pub ts: String,
    /// Who acted.
    pub actor: Actor,
    /// What was done, e.g. `maintenance-open`, `maintenance-close`,
    /// `firewall-change`, `apply`.
    pub action: String,
    /// The hosts affected.
    pub hosts: Vec<String>,
    /// Why, as the operator stated it.
    pub reason: Option<String>,
    /// Action-specific details (ports opened, expiry, changes, …).
    pub details: Value,
}

impl Event {
    /// A new event now, by the current user, with a fresh id, no reason and
    /// empty details.
    pub fn new(action: impl Into<String>, hosts: Vec<String>) -> Event {
        Event {
            id: new_id(),
            ts: timefmt::rfc3339(timefmt::now()),
            actor: Actor::current(None),
            action: action.into(),
            hosts,
            reason: None,
            details: Value::Object(serde_json::Map::new()),
        }
    }

    /// Sets the stated reason.
    pub fn with_reason(mut self, reason: impl Into<String>) -> Event {
        self.reason = Some(reason.into());
        self
    }

    /// Sets the details.
    pub fn with_details(mut self, details: Value) -> Event {
        self.details = details;
        self
    }

    /// Sets the certificate key id of the actor.
    pub fn with_key_id(mut self, key_id: impl Into<String>) -> Event {
        self.actor.key_id = Some(key_id.into());
        self
    }
}

/// 32 hex digits from the OS random source.
fn new_id() -> String {
    format!("{:016x}{:016x}", crate::random::u64(), crate::random::u64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sudo_user_wins_then_user_then_uid() {
        let s = |v: &str| Some(v.to_string());
        assert_eq!(local_user(s("alice"), s("root"), 0), "alice");
        assert_eq!(local_user(s(""), s("bob"), 1000), "bob");
        assert_eq!(local_user(None, None, 1000), "uid:1000");
        assert_eq!(local_user(s(" \t"), None, 0), "uid:0");
        assert_eq!(local_user(s("alice smith;rm"), None, 0), "alicesmithrm");
    }

    #[test]
    fn new_event_has_id_and_utc_time() {
        let a = Event::new("apply", vec!["web1".into()]);
        let b = Event::new("apply", vec!["web1".into()]);
        assert_eq!(a.id.len(), 32);
        assert!(a.id.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a.id, b.id);
        assert!(timefmt::parse_rfc3339(&a.ts).is_some());
        assert!(!a.actor.local_user.is_empty());
    }
}
