//! What a maintenance window is, and the checks a request must pass before
//! anything is sent to a host.
//!
//! A window is one `maintenance open` invocation: an id (`w` plus 8 hex
//! digits), the hosts, the source prefixes, one port, a duration, a reason
//! and the actor. On each host it becomes one set element per source
//! prefix, whose nft `comment` carries the id, the actor's local user and
//! the start of the reason ([`Comment`]), so `list` can show who opened
//! what and `close --id` can find it, with harden's own records nowhere
//! in reach.

use crate::contract::HostCtx;
use crate::controls::firewall::{live::Elem, window_problem};
use crate::inventory::{Cidr, MaintenanceSettings};

use super::duration;
use super::Error;

/// Longest comment harden writes (nft allows 128 bytes).
pub const COMMENT_MAX: usize = 120;

/// A fresh window id: `w` and 8 lower-case hex digits.
pub fn new_id() -> String {
    format!("w{:08x}", crate::random::u64() as u32)
}

/// True for an id [`new_id`] could have made.
pub fn valid_id(id: &str) -> bool {
    id.len() == 9
        && id.starts_with('w')
        && id[1..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// What the element comment says: `harden w=<id> by=<user> why=<reason>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Window id.
    pub id: String,
    /// Local user who opened it.
    pub by: String,
    /// The start of the reason.
    pub why: String,
}

impl Comment {
    /// The comment text, within [`COMMENT_MAX`] bytes and free of the
    /// characters nft's quoted strings cannot hold.
    pub fn encode(&self) -> String {
        // The spelling the audit log uses too, so `maintenance list` and
        // `audit show` name the same actor alike.
        let by = crate::audit::actor_name(&self.by);
        let by = if by.is_empty() { "unknown".into() } else { by };
        let mut out = format!("harden w={} by={by} why=", self.id);
        for c in self.why.chars() {
            let c = if c == '"' || c == '\\' || c.is_control() {
                '\''
            } else {
                c
            };
            if out.len() + c.len_utf8() > COMMENT_MAX {
                break;
            }
            out.push(c);
        }
        out
    }

    /// Reads a comment written by [`Comment::encode`]; None for any other.
    pub fn decode(text: &str) -> Option<Comment> {
        let rest = text.strip_prefix("harden w=")?;
        let (id, rest) = rest.split_once(' ').unwrap_or((rest, ""));
        if !valid_id(id) {
            return None;
        }
        let rest = rest.strip_prefix("by=").unwrap_or("");
        let (by, rest) = rest.split_once(' ').unwrap_or((rest, ""));
        let why = rest.strip_prefix("why=").unwrap_or("");
        Some(Comment {
            id: id.to_string(),
            by: by.to_string(),
            why: why.to_string(),
        })
    }
}

/// Checks the stated reason: required, bounded, printable. Returns it
/// trimmed.
pub fn check_reason(reason: &str, limits: &MaintenanceSettings) -> Result<String, Error> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(Error::Refused(
            "a reason is required (--reason \"ticket OPS-123: patch openssl\")".into(),
        ));
    }
    if r.chars().any(char::is_control) {
        return Err(Error::Refused(
            "the reason must be one line of printable text (no control characters)".into(),
        ));
    }
    let len = r.chars().count();
    if len > limits.max_reason_len {
        return Err(Error::Refused(format!(
            "the reason has {len} characters; [maintenance] max_reason_len allows {}",
            limits.max_reason_len
        )));
    }
    Ok(r.to_string())
}

/// Checks a window length against `[maintenance] max_minutes`: too long is
/// an error, never silently shortened.
pub fn check_duration(secs: u64, limits: &MaintenanceSettings) -> Result<(), Error> {
    let max = u64::from(limits.max_minutes) * 60;
    if secs == 0 {
        return Err(Error::Refused("a window must last at least 1s".into()));
    }
    if secs > max {
        return Err(Error::Refused(format!(
            "a window of {} is longer than [maintenance] max_minutes = {} ({}); open a shorter one and re-open it when needed",
            duration::format(secs),
            limits.max_minutes,
            duration::format(max)
        )));
    }
    Ok(())
}

/// The source prefixes a window on this host opens to: `from`, each of
/// which must lie inside the host's management_sources, or all of them.
/// The test is the firewall control's own ([`window_problem`]), so a
/// window harden opens can never be what drift reports.
pub fn sources_for(ctx: &HostCtx<'_>, from: &[Cidr], port: u16) -> Result<Vec<Cidr>, Error> {
    let h = ctx.host;
    let list = |v: &[Cidr]| {
        v.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if from.is_empty() {
        if h.management_sources.is_empty() {
            return Err(Error::Refused(format!(
                "{} has no management_sources; set them in the inventory or pass --from",
                h.name
            )));
        }
        return Ok(h.management_sources.clone());
    }
    for f in from {
        let probe = Elem {
            source: *f,
            port,
            timeout: Some(1),
            expires: None,
            comment: None,
        };
        if window_problem(ctx, &probe).is_some() {
            return Err(Error::Refused(format!(
                "--from {f} is outside {}'s management_sources ({}): drift would report the window and apply would remove it",
                h.name,
                list(&h.management_sources)
            )));
        }
    }
    Ok(from.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit;

    #[test]
    fn comment_round_trip_and_limits() {
        let c = Comment {
            id: "w0123abcd".into(),
            by: "alice smith;rm".into(),
            why: "patch \"openssl\"\\now".into(),
        };
        let text = c.encode();
        assert_eq!(
            text,
            "harden w=w0123abcd by=alicesmithrm why=patch 'openssl''now"
        );
        let back = Comment::decode(&text).unwrap();
        assert_eq!(
            (back.id.as_str(), back.by.as_str()),
            ("w0123abcd", "alicesmithrm")
        );
        assert_eq!(back.why, "patch 'openssl''now");
        let long = Comment {
            why: "ä".repeat(200),
            ..c
        };
        assert!(long.encode().len() <= COMMENT_MAX);
        assert!(Comment::decode("w-test").is_none());
        assert!(Comment::decode("harden w=../x by=a why=b").is_none());
    }

    /// `maintenance list` shows the comment's `by`, `audit show` the audit
    /// event's `local_user`: for the same actor they read the same.
    #[test]
    fn the_comment_names_the_actor_as_the_audit_log_does() {
        let s = |v: &str| Some(v.to_string());
        for actor in [
            crate::audit::local_user(None, None, 0),
            crate::audit::local_user(None, None, 1000),
            crate::audit::local_user(s("alice"), s("root"), 0),
            crate::audit::local_user(s("bob.o+x@corp-1"), None, 0),
            crate::audit::local_user(s("eve smith"), None, 0),
            crate::audit::current_local_user(),
        ] {
            let c = Comment {
                id: "w0123abcd".into(),
                by: actor.clone(),
                why: "OPS-1".into(),
            };
            let back = Comment::decode(&c.encode()).expect("decode");
            assert_eq!(back.by, actor);
        }
        assert_eq!(crate::audit::local_user(None, None, 0), "uid:0");
    }

    #[test]
    fn ids() {
        let id = new_id();
        assert!(valid_id(&id), "{id}");
        assert!(!valid_id("w0123abcG"));
        assert!(!valid_id("x01234567"));
    }

    #[test]
    fn reason_rules() {
        let lim = MaintenanceSettings {
            max_minutes: 60,
            max_reason_len: 10,
        };
        assert_eq!(check_reason("  OPS-1 ", &lim).unwrap(), "OPS-1");
        assert!(check_reason("   ", &lim).is_err());
        assert!(check_reason("a\nb", &lim).is_err());
        let e = check_reason("12345678901", &lim).unwrap_err().to_string();
        assert!(e.contains("max_reason_len allows 10"), "{e}");
        assert!(
            check_reason("äöüäöüäöüä", &lim).is_ok(),
            "counted in characters"
        );
    }

    #[test]
    fn duration_cap_is_an_error() {
        let lim = MaintenanceSettings {
            max_minutes: 60,
            max_reason_len: 10,
        };
        assert!(check_duration(3600, &lim).is_ok());
        let e = check_duration(3601, &lim).unwrap_err().to_string();
        assert!(e.contains("max_minutes = 60 (1h)"), "{e}");
        assert!(check_duration(0, &lim).is_err());
    }

    #[test]
    fn from_must_lie_inside_management_sources() {
        let inv = testkit::inventory()
            .management_sources(&["198.51.100.0/28", "2001:db8:5::/48"])
            .host("db", "10.213.0.11", "data")
            .load();
        let ctx = HostCtx::new(&inv, inv.host("db").unwrap(), None);
        let all = sources_for(&ctx, &[], 22).unwrap();
        assert_eq!(all.len(), 2);
        let one = Cidr::parse("198.51.100.5").unwrap();
        assert_eq!(sources_for(&ctx, &[one], 22).unwrap(), vec![one]);
        let wider = Cidr::parse("198.51.100.0/24").unwrap();
        let e = sources_for(&ctx, &[wider], 22).unwrap_err().to_string();
        assert!(e.contains("outside db's management_sources"), "{e}");
        let v6 = Cidr::parse("2001:db8:5:1::/64").unwrap();
        assert!(sources_for(&ctx, &[v6], 22).is_ok());
    }
}
