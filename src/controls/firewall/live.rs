//! Reads the live nftables state from `nft -j list ruleset`.
//!
//! Only what harden reasons about is extracted: its own table's chains and
//! sets (with the maintenance-window elements, their timeouts, remaining
//! time and comments) and the names of other tables, which harden reports
//! but never touches.

use serde_json::Value;

use super::render::TABLE;
use crate::inventory::Cidr;

/// One element of a maintenance set: a source prefix and a port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Elem {
    /// Source prefix.
    pub source: Cidr,
    /// Destination port.
    pub port: u16,
    /// Timeout in seconds (None: the element never expires).
    pub timeout: Option<u64>,
    /// Seconds left.
    pub expires: Option<u64>,
    /// Element comment (harden stores the window id and reason there).
    pub comment: Option<String>,
}

/// A set in harden's table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Set {
    /// Name.
    pub name: String,
    /// Flags (`interval`, `timeout`).
    pub flags: Vec<String>,
    /// Elements.
    pub elems: Vec<Elem>,
    /// Elements harden could not read as `prefix . port`.
    pub odd_elems: Vec<String>,
}

/// A chain in harden's table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    /// Name.
    pub name: String,
    /// Hook for base chains.
    pub hook: Option<String>,
    /// Policy for base chains.
    pub policy: Option<String>,
}

/// The live state that matters to harden.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Live {
    /// Whether `inet harden` exists.
    pub table: bool,
    /// Its chains.
    pub chains: Vec<Chain>,
    /// Its sets.
    pub sets: Vec<Set>,
    /// Other tables as `family name`.
    pub other_tables: Vec<String>,
}

impl Live {
    /// A set by name.
    pub fn set(&self, name: &str) -> Option<&Set> {
        self.sets.iter().find(|s| s.name == name)
    }
}

fn is_ours(o: &Value) -> bool {
    o["family"] == "inet" && o["table"] == TABLE
}

fn prefix(v: &Value) -> Option<Cidr> {
    match v {
        Value::String(s) => Cidr::parse(s).ok(),
        Value::Object(_) => {
            let p = &v["prefix"];
            let addr = p["addr"].as_str()?;
            let len = p["len"].as_u64()?;
            Cidr::parse(&format!("{addr}/{len}")).ok()
        }
        _ => None,
    }
}

fn elem(v: &Value) -> Option<Elem> {
    let (val, meta) = match v.get("elem") {
        Some(e) => (&e["val"], e),
        None => (v, &Value::Null),
    };
    let parts = val["concat"].as_array()?;
    let source = prefix(parts.first()?)?;
    let port = u16::try_from(parts.get(1)?.as_u64()?).ok()?;
    Some(Elem {
        source,
        port,
        timeout: meta["timeout"].as_u64(),
        expires: meta["expires"].as_u64(),
        comment: meta["comment"].as_str().map(str::to_string),
    })
}

/// Parses `nft -j list ruleset`.
pub fn parse(json: &str) -> Result<Live, String> {
    let doc: Value =
        serde_json::from_str(json).map_err(|e| format!("nft -j output is not JSON: {e}"))?;
    let items = doc["nftables"]
        .as_array()
        .ok_or("nft -j output has no `nftables` array")?;
    let mut live = Live::default();
    for item in items {
        if let Some(t) = item.get("table") {
            let (fam, name) = (
                t["family"].as_str().unwrap_or("?"),
                t["name"].as_str().unwrap_or("?"),
            );
            if fam == "inet" && name == TABLE {
                live.table = true;
            } else {
                live.other_tables.push(format!("{fam} {name}"));
            }
        } else if let Some(c) = item.get("chain").filter(|c| is_ours(c)) {
            live.chains.push(Chain {
                name: c["name"].as_str().unwrap_or_default().to_string(),
                hook: c["hook"].as_str().map(str::to_string),
                policy: c["policy"].as_str().map(str::to_string),
            });
        } else if let Some(s) = item.get("set").filter(|s| is_ours(s)) {
            let mut set = Set {
                name: s["name"].as_str().unwrap_or_default().to_string(),
                flags: s["flags"]
                    .as_array()
                    .map(|f| {
                        f.iter()
                            .filter_map(|x| x.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
                elems: Vec::new(),
                odd_elems: Vec::new(),
            };
            for e in s["elem"].as_array().into_iter().flatten() {
                match elem(e) {
                    Some(el) => set.elems.push(el),
                    None => set.odd_elems.push(e.to_string()),
                }
            }
            live.sets.push(set);
        }
    }
    Ok(live)
}

/// Normalises `nft list table` text for comparison: counters lose their
/// numbers and set elements are dropped (they are checked one by one).
pub fn normalise_listing(text: &str) -> String {
    let mut out = Vec::new();
    let mut in_elements = false;
    for line in text.lines() {
        let t = line.trim();
        if in_elements {
            if t.ends_with('}') {
                in_elements = false;
            }
            continue;
        }
        if t.starts_with("elements = {") {
            in_elements = !t.ends_with('}');
            continue;
        }
        if t.is_empty() {
            continue;
        }
        out.push(strip_counter(t));
    }
    out.join("\n") + "\n"
}

fn strip_counter(line: &str) -> String {
    let mut words: Vec<&str> = line.split(' ').collect();
    let mut i = 0;
    while i < words.len() {
        if words[i] == "counter"
            && words.get(i + 1) == Some(&"packets")
            && words.get(i + 3) == Some(&"bytes")
        {
            words.drain(i + 1..(i + 5).min(words.len()));
        }
        i += 1;
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sets_chains_and_other_tables() {
        let json = r#"{"nftables": [{"metainfo": {}},
 {"table": {"family": "inet", "name": "harden", "handle": 1}},
 {"table": {"family": "ip", "name": "nat", "handle": 2}},
 {"set": {"family": "inet", "name": "mgmt_v4", "table": "harden", "type": ["ipv4_addr", "inet_service"], "flags": ["interval", "timeout"], "elem": [{"elem": {"val": {"concat": [{"prefix": {"addr": "198.51.100.0", "len": 28}}, 22]}, "timeout": 3600, "expires": 3599, "comment": "w1"}}, {"concat": ["10.1.1.1", 22]}]}},
 {"chain": {"family": "inet", "table": "harden", "name": "input", "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}},
 {"chain": {"family": "ip", "table": "nat", "name": "POSTROUTING"}}]}"#;
        let live = parse(json).unwrap();
        assert!(live.table);
        assert_eq!(live.other_tables, vec!["ip nat".to_string()]);
        assert_eq!(live.chains.len(), 1);
        assert_eq!(live.chains[0].policy.as_deref(), Some("drop"));
        let s = live.set("mgmt_v4").unwrap();
        assert_eq!(s.elems.len(), 2);
        assert_eq!(s.elems[0].source.to_string(), "198.51.100.0/28");
        assert_eq!(
            (s.elems[0].timeout, s.elems[0].expires),
            (Some(3600), Some(3599))
        );
        assert_eq!(s.elems[0].comment.as_deref(), Some("w1"));
        assert_eq!(s.elems[1].timeout, None);
    }

    #[test]
    fn normalisation_drops_counters_and_elements() {
        let a = "table inet harden {\n\tset s {\n\t\tflags timeout\n\t\telements = { 1.2.3.4 . 22 timeout 1h expires 5m,\n\t\t\t     5.6.7.8 . 22 }\n\t}\n\n\tchain input {\n\t\ttcp dport 22 counter packets 12 bytes 720 accept\n\t}\n}\n";
        let b = "table inet harden {\n\tset s {\n\t\tflags timeout\n\t}\n\tchain input {\n\t\ttcp dport 22 counter accept\n\t}\n}\n";
        assert_eq!(normalise_listing(a), normalise_listing(b));
        assert!(!normalise_listing(a).contains("packets"));
    }
}
