//! Comparing the local log with a host's copy by event id.
//!
//! Every event the local log records for a host (its `hosts` names it) is
//! also appended to that host's copy, and the copy holds only such events,
//! so the two must hold the same event ids. An id on one side only is an
//! entry cut, deleted or forged on the other: this is how a local log cut
//! or rewritten together with its anchor file is still found. Ids are
//! compared as sets, so an event recorded in more than one entry (intent
//! and completion) is matched as one.

use std::collections::HashSet;
use std::fmt;

use serde_json::Value;

/// One entry, by where it is and its event id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ref {
    /// Its seq in the log it is in.
    pub seq: u64,
    /// Its event id.
    pub id: String,
}

/// What one side has and the other lacks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CrossCheck {
    /// The host.
    pub host: String,
    /// Entries of the local log for the host whose id is not in its copy.
    pub missing_on_host: Vec<Ref>,
    /// Entries of the host's copy whose id is not in the local log.
    pub missing_locally: Vec<Ref>,
}

impl CrossCheck {
    /// True when both sides hold the same ids.
    pub fn is_ok(&self) -> bool {
        self.missing_on_host.is_empty() && self.missing_locally.is_empty()
    }

    /// The problems for people, one line each.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.missing_on_host.is_empty() {
            out.push(format!(
                "{} event(s) of the local log for {} are not in its copy: {}",
                self.missing_on_host.len(),
                self.host,
                List(&self.missing_on_host, "local seq")
            ));
        }
        if !self.missing_locally.is_empty() {
            out.push(format!(
                "{} event(s) of {}'s copy are not in the local log: {}",
                self.missing_locally.len(),
                self.host,
                List(&self.missing_locally, "host seq")
            ));
        }
        out
    }
}

/// At most this many entries are named in one line.
const NAMED: usize = 10;

struct List<'a>(&'a [Ref], &'static str);

impl fmt::Display for List<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.0.iter().take(NAMED).enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{} {} (event {})", self.1, r.seq, r.id)?;
        }
        if self.0.len() > NAMED {
            write!(f, " … and {} more", self.0.len() - NAMED)?;
        }
        Ok(())
    }
}

/// (seq, id, hosts) of every line that has them.
fn entries(bytes: &[u8]) -> Vec<(u64, String, Vec<String>)> {
    bytes
        .split(|b| *b == b'\n')
        .filter_map(|line| serde_json::from_slice::<Value>(line).ok())
        .filter_map(|v| {
            let seq = v.get("seq")?.as_u64()?;
            let id = v.get("id")?.as_str()?.to_string();
            let hosts = v
                .get("hosts")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            Some((seq, id, hosts))
        })
        .collect()
}

/// Compares the local log (`None`: there is none) with `host`'s copy
/// (`None`: the host has none).
pub fn crosscheck(local: Option<&[u8]>, host: &str, copy: Option<&[u8]>) -> CrossCheck {
    let local: Vec<_> = entries(local.unwrap_or_default())
        .into_iter()
        .filter(|(_, _, hosts)| hosts.iter().any(|h| h == host))
        .collect();
    let copy = entries(copy.unwrap_or_default());
    let local_ids: HashSet<&str> = local.iter().map(|(_, id, _)| id.as_str()).collect();
    let copy_ids: HashSet<&str> = copy.iter().map(|(_, id, _)| id.as_str()).collect();
    let only = |side: &[(u64, String, Vec<String>)], other: &HashSet<&str>| {
        let mut seen = HashSet::new();
        side.iter()
            .filter(|(_, id, _)| !other.contains(id.as_str()) && seen.insert(id.clone()))
            .map(|(seq, id, _)| Ref {
                seq: *seq,
                id: id.clone(),
            })
            .collect::<Vec<_>>()
    };
    CrossCheck {
        host: host.to_string(),
        missing_on_host: only(&local, &copy_ids),
        missing_locally: only(&copy, &local_ids),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{next_entry, Event};

    fn chain(events: &[Event]) -> String {
        let mut text = String::new();
        let mut tail = String::new();
        for e in events {
            tail = next_entry(&tail, e).unwrap().to_line();
            text.push_str(&tail);
        }
        text
    }

    #[test]
    fn ids_missing_on_either_side_are_named() {
        let on =
            |hosts: &[&str]| Event::new("apply", hosts.iter().map(|h| h.to_string()).collect());
        let evs = [
            on(&["db", "app"]),
            on(&["app"]),
            on(&["db"]),
            on(&[]),
            on(&["db"]),
        ];
        let local = chain(&evs);
        // db's copy: the events naming db.
        let db: Vec<Event> = [0, 2, 4].iter().map(|&i| evs[i].clone()).collect();
        let ok = crosscheck(Some(local.as_bytes()), "db", Some(chain(&db).as_bytes()));
        assert!(ok.is_ok(), "{:?}", ok.lines());
        // The host copy lost its last entry; the local log lost entry 3.
        let cut = chain(&db[..2]);
        let r = crosscheck(Some(local.as_bytes()), "db", Some(cut.as_bytes()));
        assert_eq!(
            r.missing_on_host,
            vec![Ref {
                seq: 5,
                id: evs[4].id.clone()
            }]
        );
        assert!(r.lines()[0].contains(&format!("local seq 5 (event {})", evs[4].id)));
        let local_cut = chain(&[
            evs[0].clone(),
            evs[1].clone(),
            evs[3].clone(),
            evs[4].clone(),
        ]);
        let r = crosscheck(
            Some(local_cut.as_bytes()),
            "db",
            Some(chain(&db).as_bytes()),
        );
        assert_eq!(
            r.missing_locally,
            vec![Ref {
                seq: 2,
                id: evs[2].id.clone()
            }]
        );
        assert!(r.lines()[0].contains("of db's copy are not in the local log: host seq 2"));
        // No copy at all, or no local log at all.
        let r = crosscheck(Some(local.as_bytes()), "db", None);
        assert_eq!(r.missing_on_host.len(), 3);
        let r = crosscheck(None, "db", Some(chain(&db).as_bytes()));
        assert_eq!(r.missing_locally.len(), 3);
    }
}
