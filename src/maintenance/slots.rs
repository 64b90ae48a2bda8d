//! The elements of harden's maintenance sets, as read from the kernel, and
//! the nft commands that add and remove them.
//!
//! Reading goes through the firewall control's own parser
//! ([`crate::controls::firewall::live::parse`]), so `list`, `drift` and
//! `apply` see the same elements. Elements from other sources (an admin's
//! `nft add element`) are listed too, without a window id: `close` without
//! `--id` removes them as well, and drift judges them as usual.

use crate::controls::firewall::live::Live;
use crate::controls::firewall::{MGMT_SETS, TABLE};
use crate::inventory::Cidr;

use super::window::Comment;

/// One element of `mgmt_v4` or `mgmt_v6`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// The set it is in.
    pub set: &'static str,
    /// Source prefix.
    pub source: Cidr,
    /// Destination port.
    pub port: u16,
    /// Timeout in seconds (None: it never closes, which drift reports).
    pub timeout: Option<u64>,
    /// Seconds left, as the kernel counts them.
    pub remaining: Option<u64>,
    /// The raw comment.
    pub comment: Option<String>,
}

impl Slot {
    /// The window this element belongs to, when harden opened it.
    pub fn window(&self) -> Option<Comment> {
        self.comment.as_deref().and_then(Comment::decode)
    }

    /// The window id, when harden opened it.
    pub fn window_id(&self) -> Option<String> {
        self.window().map(|c| c.id)
    }

    /// True when a new element for `source . port` would clash with this
    /// one (nft refuses overlapping intervals in one set).
    pub fn overlaps(&self, source: &Cidr, port: u16) -> bool {
        self.port == port && self.source.is_v4() == source.is_v4() && overlap(&self.source, source)
    }

    /// `prefix . port` as nft writes it.
    pub fn key(&self) -> String {
        format!("{} . {}", self.source, self.port)
    }
}

fn overlap(a: &Cidr, b: &Cidr) -> bool {
    if a.prefix <= b.prefix {
        a.contains(b.addr)
    } else {
        b.contains(a.addr)
    }
}

/// The set a prefix belongs in.
pub fn set_for(source: &Cidr) -> &'static str {
    if source.is_v4() {
        MGMT_SETS[0].0
    } else {
        MGMT_SETS[1].0
    }
}

/// Every element of both maintenance sets; None when harden's table or
/// either set is missing (the host was never applied).
pub fn read(live: &Live) -> Option<Vec<Slot>> {
    if !live.table {
        return None;
    }
    let mut out = Vec::new();
    for (name, _) in MGMT_SETS {
        let set = live.set(name)?;
        for e in &set.elems {
            out.push(Slot {
                set: name,
                source: e.source,
                port: e.port,
                timeout: e.timeout,
                remaining: e.expires,
                comment: e.comment.clone(),
            });
        }
    }
    Some(out)
}

/// The nft command that adds an element closing by itself after `secs`.
/// `comment` must come from [`Comment::encode`] (no quotes inside).
pub fn add(source: &Cidr, port: u16, secs: u64, comment: &str) -> String {
    format!(
        "add element inet {TABLE} {} {{ {source} . {port} timeout {secs}s comment \"{comment}\" }}\n",
        set_for(source)
    )
}

/// The nft command that removes an element.
pub fn delete(slot: &Slot) -> String {
    format!(
        "delete element inet {TABLE} {} {{ {} }}\n",
        slot.set,
        slot.key()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controls::firewall::live::parse;

    const JSON: &str = r#"{"nftables": [{"metainfo": {}},
 {"table": {"family": "inet", "name": "harden", "handle": 1}},
 {"set": {"family": "inet", "name": "mgmt_v4", "table": "harden", "type": ["ipv4_addr", "inet_service"], "flags": ["interval", "timeout"], "elem": [{"elem": {"val": {"concat": [{"prefix": {"addr": "198.51.100.0", "len": 28}}, 22]}, "timeout": 5400, "expires": 5300, "comment": "harden w=w0000beef by=alice why=OPS-1"}}, {"concat": ["198.51.100.9", 2222]}]}},
 {"set": {"family": "inet", "name": "mgmt_v6", "table": "harden", "type": ["ipv6_addr", "inet_service"], "flags": ["interval", "timeout"]}}]}"#;

    #[test]
    fn reads_both_sets_and_window_ids() {
        let slots = read(&parse(JSON).unwrap()).unwrap();
        assert_eq!(slots.len(), 2);
        assert_eq!(slots[0].window_id().as_deref(), Some("w0000beef"));
        assert_eq!(slots[0].remaining, Some(5300));
        assert_eq!(slots[1].window_id(), None);
        assert_eq!(slots[1].key(), "198.51.100.9 . 2222");
    }

    #[test]
    fn missing_table_or_set_is_none() {
        let no_v6 = JSON.replace("\"mgmt_v6\"", "\"other\"");
        assert!(read(&parse(&no_v6).unwrap()).is_none());
        assert!(read(&parse(r#"{"nftables": []}"#).unwrap()).is_none());
    }

    #[test]
    fn overlap_is_per_family_and_port() {
        let slots = read(&parse(JSON).unwrap()).unwrap();
        let c = |s: &str| Cidr::parse(s).unwrap();
        assert!(slots[0].overlaps(&c("198.51.100.5"), 22));
        assert!(slots[0].overlaps(&c("198.51.100.0/24"), 22));
        assert!(!slots[0].overlaps(&c("198.51.100.16/28"), 22));
        assert!(!slots[0].overlaps(&c("198.51.100.5"), 2222));
        assert!(!slots[0].overlaps(&c("2001:db8::/64"), 22));
    }

    #[test]
    fn commands() {
        let src = Cidr::parse("198.51.100.0/28").unwrap();
        assert_eq!(
            add(&src, 22, 5400, "harden w=w1 by=a why=b"),
            "add element inet harden mgmt_v4 { 198.51.100.0/28 . 22 timeout 5400s comment \"harden w=w1 by=a why=b\" }\n"
        );
        let slots = read(&parse(JSON).unwrap()).unwrap();
        assert_eq!(
            delete(&slots[1]),
            "delete element inet harden mgmt_v4 { 198.51.100.9 . 2222 }\n"
        );
        let v6 = Cidr::parse("2001:db8::/64").unwrap();
        assert!(add(&v6, 22, 4, "c").contains("mgmt_v6 { 2001:db8::/64 . 22 timeout 4s"));
    }
}
