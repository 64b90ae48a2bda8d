//! Which windows a host had, and who logged in through each.
//!
//! Windows are rebuilt from the host's own copy of the audit log
//! (`maintenance-open` events, closed early by `maintenance-close` or by a
//! later window that replaced them) and completed with the elements still
//! live in the kernel, so a window whose audit copy could not be written
//! still shows. Each accepted sshd login from a non-controller address is
//! put in the window whose sources contain the address and whose time
//! range covers the login, with [`SLACK`] seconds either side for the
//! difference between the controller's clock (audit times) and the host's
//! (log times). Logins that fit no window are listed apart: they came in
//! through an `allow` rule, an element not opened by harden, or a clock
//! far off.
//!
//! The window rules' nft counters are shown as well; they count all
//! windows together since the rules were last loaded (an apply that
//! changes the firewall reloads them), so they are a cross-check, not a
//! per-window figure.

use serde_json::Value;

use super::slots::Slot;
use super::sshlog::Login;
use crate::inventory::Cidr;
use crate::timefmt;

/// Seconds of clock difference tolerated between controller and host.
pub const SLACK: u64 = 30;

/// One window on one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowHistory {
    /// Window id (`-` for an element harden did not open).
    pub id: String,
    /// Who opened it.
    pub by: String,
    /// Why.
    pub reason: String,
    /// Source prefixes on this host.
    pub sources: Vec<Cidr>,
    /// Port.
    pub port: u16,
    /// Opened, epoch seconds.
    pub opened: u64,
    /// When it was set to close by itself.
    pub planned_end: u64,
    /// When it was closed early (close, or replaced by a new window).
    pub closed: Option<u64>,
    /// Still open in the kernel.
    pub open_now: bool,
    /// Logins through it.
    pub logins: Vec<Login>,
}

impl WindowHistory {
    /// The end of the window: closed early, or its planned end.
    pub fn end(&self) -> u64 {
        self.closed
            .map_or(self.planned_end, |c| c.min(self.planned_end))
    }
}

/// The maintenance rules' packet counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// IPv4 rule.
    pub v4: Option<u64>,
    /// IPv6 rule.
    pub v6: Option<u64>,
}

/// Reads the window rules' counters from `nft -j list chain … input`.
pub fn counters(chain_json: &str) -> Counters {
    let mut c = Counters::default();
    let Ok(doc) = serde_json::from_str::<Value>(chain_json) else {
        return c;
    };
    for item in doc["nftables"].as_array().into_iter().flatten() {
        let rule = &item["rule"];
        if rule["comment"] != "harden: maintenance window" {
            continue;
        }
        let packets = rule["expr"]
            .as_array()
            .into_iter()
            .flatten()
            .find_map(|e| e["counter"]["packets"].as_u64());
        let text = rule.to_string();
        if text.contains("@mgmt_v4") {
            c.v4 = packets;
        } else if text.contains("@mgmt_v6") {
            c.v6 = packets;
        }
    }
    c
}

fn str_of(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn actor(v: &Value) -> String {
    let user = str_of(&v["actor"]["local_user"]);
    match v["actor"]["key_id"].as_str() {
        Some(k) => format!("{user} (key {k})"),
        None => user,
    }
}

/// Windows on `host` from its audit copy (one JSON event per line; lines
/// that are not events are skipped: `audit verify` judges those).
pub fn from_audit(host: &str, text: &str) -> Vec<WindowHistory> {
    let mut out: Vec<WindowHistory> = Vec::new();
    let close = |out: &mut Vec<WindowHistory>, id: &str, at: u64| {
        for w in out.iter_mut().filter(|w| w.id == id && w.opened <= at) {
            w.closed = Some(w.closed.map_or(at, |c| c.min(at)));
        }
    };
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let Some(ts) = v["ts"].as_str().and_then(timefmt::parse_rfc3339) else {
            continue;
        };
        let d = &v["details"];
        let mine = |x: &Value| x["host"] == host;
        match v["action"].as_str() {
            Some("maintenance-open") => {
                for r in d["replaced"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|r| mine(r))
                {
                    close(&mut out, &str_of(&r["window"]), ts);
                }
                let el = &d["elements"][host];
                let Some(sources) = el["sources"].as_array() else {
                    continue;
                };
                let sources: Vec<Cidr> = sources
                    .iter()
                    .filter_map(|s| s.as_str().and_then(|s| Cidr::parse(s).ok()))
                    .collect();
                let secs = d["duration_secs"].as_u64().unwrap_or(0);
                out.push(WindowHistory {
                    id: str_of(&d["window"]),
                    by: actor(&v),
                    reason: str_of(&v["reason"]),
                    sources,
                    port: el["port"]
                        .as_u64()
                        .and_then(|p| u16::try_from(p).ok())
                        .unwrap_or(0),
                    opened: ts,
                    planned_end: ts.saturating_add(secs),
                    closed: None,
                    open_now: false,
                    logins: Vec::new(),
                });
            }
            Some("maintenance-close") => {
                for c in d["closed"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|c| mine(c))
                {
                    close(&mut out, &str_of(&c["window"]), ts);
                }
            }
            _ => {}
        }
    }
    out
}

/// Adds what is live in the kernel: marks recorded windows as open now and
/// adds windows (or foreign elements) the audit copy does not know.
pub fn merge_live(windows: &mut Vec<WindowHistory>, slots: &[Slot], now: u64) {
    let recorded = windows.len();
    for s in slots {
        let c = s.window();
        let id = c.as_ref().map_or("-".to_string(), |c| c.id.clone());
        if id != "-" {
            if let Some(pos) = windows.iter().rposition(|w| w.id == id) {
                let w = &mut windows[pos];
                w.open_now = true;
                // A window known only from the kernel gathers its elements.
                if pos >= recorded && !w.sources.contains(&s.source) {
                    w.sources.push(s.source);
                }
                continue;
            }
        }
        let remaining = s.remaining.unwrap_or(0);
        let elapsed = s.timeout.unwrap_or(remaining).saturating_sub(remaining);
        windows.push(WindowHistory {
            id,
            by: c.as_ref().map_or("?".into(), |c| c.by.clone()),
            reason: c.map_or("(element not opened by harden)".into(), |c| c.why),
            sources: vec![s.source],
            port: s.port,
            opened: now.saturating_sub(elapsed),
            planned_end: now.saturating_add(remaining),
            closed: None,
            open_now: true,
            logins: Vec::new(),
        });
    }
}

/// Puts each login in its window. Logins from `controller` addresses
/// (harden itself) are dropped; the rest that fit no window are returned.
pub fn attribute(
    windows: &mut [WindowHistory],
    logins: Vec<Login>,
    controller: &[Cidr],
) -> Vec<Login> {
    let mut outside = Vec::new();
    for l in logins {
        if controller.iter().any(|c| c.contains(l.addr)) {
            continue;
        }
        let slot = windows.iter_mut().rev().find(|w| {
            w.sources.iter().any(|s| s.contains(l.addr))
                && l.ts + SLACK >= w.opened
                && l.ts <= w.end() + SLACK
        });
        match slot {
            Some(w) => w.logins.push(l),
            None => outside.push(l),
        }
    }
    outside
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{next_entry, Event};
    use serde_json::json;

    fn login(ts: u64, addr: &str) -> Login {
        Login {
            ts,
            user: "root".into(),
            addr: addr.parse().unwrap(),
            port: 1,
            method: "publickey".into(),
            key: None,
            cert_id: None,
        }
    }

    fn ev(action: &str, ts: u64, details: Value) -> Event {
        let mut e = Event::new(action, vec!["db".into()]).with_details(details);
        e.ts = timefmt::rfc3339(ts);
        e.reason = Some("OPS-1".into());
        e
    }

    fn log(events: &[Event]) -> String {
        let mut text = String::new();
        for e in events {
            let tail = text
                .lines()
                .last()
                .map(|l| format!("{l}\n"))
                .unwrap_or_default();
            text.push_str(&next_entry(&tail, e).unwrap().to_line());
        }
        text
    }

    #[test]
    fn windows_from_the_audit_copy() {
        let open = |id: &str, ts, secs, replaced: Value| {
            ev(
                "maintenance-open",
                ts,
                json!({"window": id, "duration_secs": secs,
                       "elements": {"db": {"sources": ["198.51.100.0/28"], "port": 22},
                                    "other": {"sources": ["10.0.0.0/8"], "port": 22}},
                       "replaced": replaced}),
            )
        };
        let text = log(&[
            open("w00000001", 1000, 600, json!([])),
            ev(
                "maintenance-close",
                1100,
                json!({"closed": [{"host": "db", "window": "w00000001"}]}),
            ),
            open("w00000002", 2000, 600, json!([])),
            open(
                "w00000003",
                2300,
                60,
                json!([{"host": "db", "window": "w00000002"}]),
            ),
        ]);
        let w = from_audit("db", &text);
        assert_eq!(w.len(), 3);
        assert_eq!((w[0].opened, w[0].end()), (1000, 1100), "closed early");
        assert_eq!(w[1].end(), 2300, "replaced by w00000003");
        assert_eq!((w[2].planned_end, w[2].closed), (2360, None));
        assert_eq!(w[2].sources, vec![Cidr::parse("198.51.100.0/28").unwrap()]);
        assert_eq!(w[2].port, 22);
        assert_eq!(w[2].reason, "OPS-1");
        assert!(from_audit("web", &text).is_empty());
    }

    #[test]
    fn logins_go_to_their_window() {
        let mut w = vec![WindowHistory {
            id: "w00000001".into(),
            by: "alice".into(),
            reason: "r".into(),
            sources: vec![Cidr::parse("198.51.100.0/28").unwrap()],
            port: 22,
            opened: 1000,
            planned_end: 1600,
            closed: Some(1100),
            open_now: false,
            logins: Vec::new(),
        }];
        let controller = [Cidr::parse("10.213.0.2").unwrap()];
        let outside = attribute(
            &mut w,
            vec![
                login(1050, "198.51.100.5"),
                login(1050, "10.213.0.2"),
                login(1120, "198.51.100.6"),
                login(1500, "198.51.100.5"),
                login(1050, "203.0.113.1"),
            ],
            &controller,
        );
        assert_eq!(w[0].logins.len(), 2, "in range, within the slack");
        assert_eq!(outside.len(), 2, "after the close, and a stranger");
    }

    #[test]
    fn live_elements_complete_the_picture() {
        let slot = |comment: Option<&str>, src: &str| Slot {
            set: "mgmt_v4",
            source: Cidr::parse(src).unwrap(),
            port: 22,
            timeout: Some(600),
            remaining: Some(500),
            comment: comment.map(str::to_string),
        };
        let mut w = Vec::new();
        merge_live(
            &mut w,
            &[
                slot(Some("harden w=w0000000a by=bob why=fix"), "198.51.100.0/28"),
                slot(
                    Some("harden w=w0000000a by=bob why=fix"),
                    "198.51.100.16/28",
                ),
                slot(None, "198.51.100.9"),
            ],
            10_000,
        );
        assert_eq!(w.len(), 2);
        assert_eq!((w[0].opened, w[0].planned_end), (9_900, 10_500));
        assert_eq!(w[0].sources.len(), 2);
        assert_eq!(w[1].id, "-");
    }

    #[test]
    fn counters_of_the_window_rules() {
        let json = r#"{"nftables": [{"metainfo": {}}, {"chain": {"name": "input"}},
 {"rule": {"comment": "harden: maintenance window", "expr": [{"match": {"op": "==", "left": {"concat": []}, "right": "@mgmt_v4"}}, {"counter": {"packets": 3, "bytes": 180}}, {"accept": null}]}},
 {"rule": {"comment": "harden: maintenance window", "expr": [{"match": {"right": "@mgmt_v6"}}, {"counter": {"packets": 0, "bytes": 0}}]}},
 {"rule": {"comment": "harden: loopback", "expr": [{"counter": {"packets": 99, "bytes": 1}}]}}]}"#;
        assert_eq!(
            counters(json),
            Counters {
                v4: Some(3),
                v6: Some(0)
            }
        );
        assert_eq!(counters("not json"), Counters::default());
    }
}
