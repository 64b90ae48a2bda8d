//! Text and JSON for `maintenance list` and `list --history`.
//!
//! The text is for people (aligned columns, times in UTC, durations as
//! `29m57s`); the JSON carries the same facts for scripts, with times in
//! RFC 3339 and durations in seconds.

use serde_json::{json, Value};

use super::duration;
use super::history::WindowHistory;
use super::remote::HostHistory;
use super::slots::Slot;
use super::sshlog::Login;
use crate::timefmt;

/// One host's live elements, or why they could not be read.
pub type HostSlots = (String, Result<Vec<Slot>, String>);

fn who_why(s: &Slot) -> (String, String, String) {
    match s.window() {
        Some(c) => (c.id, c.by, c.why),
        None => (
            "-".into(),
            "?".into(),
            "(element not opened by harden)".into(),
        ),
    }
}

fn closes_in(s: &Slot) -> String {
    match (s.timeout, s.remaining) {
        (None, _) => "never (drift)".into(),
        (Some(_), Some(r)) => duration::format(r),
        (Some(_), None) => "?".into(),
    }
}

/// The `list` table.
pub fn list_text(hosts: &[HostSlots]) -> String {
    let mut rows: Vec<[String; 6]> = vec![[
        "HOST".into(),
        "WINDOW".into(),
        "SOURCE . PORT".into(),
        "CLOSES IN".into(),
        "BY".into(),
        "REASON".into(),
    ]];
    let mut none = Vec::new();
    let mut failed = Vec::new();
    let mut open = 0;
    for (host, r) in hosts {
        match r {
            Ok(slots) if slots.is_empty() => none.push(host.as_str()),
            Ok(slots) => {
                for s in slots {
                    open += 1;
                    let (id, by, why) = who_why(s);
                    rows.push([host.clone(), id, s.key(), closes_in(s), by, why]);
                }
            }
            Err(e) => failed.push(e.as_str()),
        }
    }
    let mut out = String::new();
    if open > 0 {
        let mut width = [0usize; 5];
        for r in &rows {
            for (w, c) in width.iter_mut().zip(r.iter()) {
                *w = (*w).max(c.chars().count());
            }
        }
        for r in &rows {
            let mut line = String::new();
            for (i, c) in r.iter().enumerate() {
                if i < 5 {
                    line.push_str(&format!("{c:<w$}  ", w = width[i]));
                } else {
                    line.push_str(c);
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    if !none.is_empty() {
        out.push_str(&format!("No window open on {}.\n", none.join(", ")));
    }
    for e in &failed {
        out.push_str(&format!("! {e}\n"));
    }
    out
}

fn slot_json(s: &Slot) -> Value {
    let c = s.window();
    json!({
        "window": c.as_ref().map(|c| c.id.clone()),
        "set": s.set,
        "source": s.source.to_string(),
        "port": s.port,
        "timeout_secs": s.timeout,
        "remaining_secs": s.remaining,
        "by": c.as_ref().map(|c| c.by.clone()),
        "reason": c.map(|c| c.why),
        "comment": s.comment,
    })
}

/// The `list --format json` document.
pub fn list_json(hosts: &[HostSlots]) -> Value {
    let hosts: Vec<Value> = hosts
        .iter()
        .map(|(host, r)| match r {
            Ok(slots) => {
                json!({"host": host, "elements": slots.iter().map(slot_json).collect::<Vec<_>>()})
            }
            Err(e) => json!({"host": host, "error": e}),
        })
        .collect();
    json!({ "hosts": hosts })
}

fn login_text(l: &Login) -> String {
    let mut s = format!(
        "{}  {} from {} port {}  {}",
        timefmt::rfc3339(l.ts),
        l.user,
        l.addr,
        l.port,
        l.method
    );
    if let Some(k) = &l.key {
        s.push(' ');
        s.push_str(k);
    }
    s
}

fn span_text(w: &WindowHistory, now: u64) -> String {
    let start = timefmt::rfc3339(w.opened);
    if w.open_now {
        return format!(
            "{start} -> {} (open, closes in {})",
            timefmt::rfc3339(w.planned_end),
            duration::format(w.planned_end.saturating_sub(now))
        );
    }
    match w.closed {
        Some(c) if c < w.planned_end => format!(
            "{start} -> {} (closed early; planned {})",
            timefmt::rfc3339(c),
            timefmt::rfc3339(w.planned_end)
        ),
        _ => format!("{start} -> {} (expired)", timefmt::rfc3339(w.planned_end)),
    }
}

/// The `list --history` text for one host.
pub fn history_text(host: &str, h: &HostHistory) -> String {
    let mut out = format!("{host}\n");
    if h.windows.is_empty() {
        out.push_str("  no window in this period\n");
    }
    for w in &h.windows {
        out.push_str(&format!(
            "  window {}  {}  by {}: {}\n",
            w.id,
            span_text(w, h.now),
            w.by,
            w.reason
        ));
        let sources: Vec<String> = w
            .sources
            .iter()
            .map(|s| format!("{s} . {}", w.port))
            .collect();
        out.push_str(&format!("    open to {}\n", sources.join(", ")));
        if w.logins.is_empty() {
            out.push_str("    no login\n");
        }
        for l in &w.logins {
            out.push_str(&format!("    {}\n", login_text(l)));
        }
    }
    if !h.outside.is_empty() {
        out.push_str("  logins in no window (not from controller_sources):\n");
        for l in &h.outside {
            out.push_str(&format!("    {}\n", login_text(l)));
        }
    }
    let count = |c: Option<u64>| c.map_or("-".to_string(), |n| n.to_string());
    out.push_str(&format!(
        "  window rule counters (all windows since the rules were last loaded): IPv4 {} packets, IPv6 {} packets\n",
        count(h.counters.v4),
        count(h.counters.v6)
    ));
    let src = if h.log_sources.is_empty() {
        "no sshd log found".to_string()
    } else {
        format!("logins read from {}", h.log_sources.join(", "))
    };
    out.push_str(&format!("  {src}\n"));
    out
}

fn login_json(l: &Login) -> Value {
    let mut v = serde_json::to_value(l).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.insert("at".into(), Value::String(timefmt::rfc3339(l.ts)));
    }
    v
}

/// The `list --history --format json` part for one host.
pub fn history_json(host: &str, h: &HostHistory) -> Value {
    let windows: Vec<Value> = h
        .windows
        .iter()
        .map(|w| {
            json!({
                "window": w.id,
                "by": w.by,
                "reason": w.reason,
                "sources": w.sources.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "port": w.port,
                "opened_at": timefmt::rfc3339(w.opened),
                "planned_end": timefmt::rfc3339(w.planned_end),
                "closed_at": w.closed.map(timefmt::rfc3339),
                "open_now": w.open_now,
                "logins": w.logins.iter().map(login_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "host": host,
        "windows": windows,
        "logins_outside_windows": h.outside.iter().map(login_json).collect::<Vec<_>>(),
        "counters": {"v4_packets": h.counters.v4, "v6_packets": h.counters.v6},
        "log_sources": h.log_sources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Cidr;
    use crate::maintenance::history::Counters;

    fn slot(comment: Option<&str>, timeout: Option<u64>) -> Slot {
        Slot {
            set: "mgmt_v4",
            source: Cidr::parse("198.51.100.0/28").unwrap(),
            port: 22,
            timeout,
            remaining: timeout.map(|t| t - 3),
            comment: comment.map(str::to_string),
        }
    }

    #[test]
    fn list_table() {
        let hosts = vec![
            (
                "otc-db-1".to_string(),
                Ok(vec![slot(
                    Some("harden w=w0000beef by=alice why=OPS-1 patch"),
                    Some(1800),
                )]),
            ),
            ("otc-app-1".to_string(), Ok(vec![slot(None, None)])),
            ("hz-gw-1".to_string(), Ok(vec![])),
            (
                "web".to_string(),
                Err("web: cannot connect: refused".to_string()),
            ),
        ];
        assert_eq!(
            list_text(&hosts),
            "HOST       WINDOW     SOURCE . PORT         CLOSES IN      BY     REASON\n\
             otc-db-1   w0000beef  198.51.100.0/28 . 22  29m57s         alice  OPS-1 patch\n\
             otc-app-1  -          198.51.100.0/28 . 22  never (drift)  ?      (element not opened by harden)\n\
             No window open on hz-gw-1.\n\
             ! web: cannot connect: refused\n"
        );
        let j = list_json(&hosts);
        assert_eq!(j["hosts"][0]["elements"][0]["window"], "w0000beef");
        assert_eq!(j["hosts"][0]["elements"][0]["remaining_secs"], 1797);
        assert_eq!(j["hosts"][3]["error"], "web: cannot connect: refused");
    }

    #[test]
    fn history_text_per_window() {
        let login = Login {
            ts: 1_711_015_260,
            user: "root".into(),
            addr: "198.51.100.5".parse().unwrap(),
            port: 50000,
            method: "publickey".into(),
            key: Some("ED25519 SHA256:abc".into()),
            cert_id: None,
        };
        let h = HostHistory {
            windows: vec![WindowHistory {
                id: "w0000beef".into(),
                by: "alice".into(),
                reason: "OPS-1".into(),
                sources: vec![Cidr::parse("198.51.100.0/28").unwrap()],
                port: 22,
                opened: 1_711_015_200,
                planned_end: 1_711_017_000,
                closed: Some(1_711_015_800),
                open_now: false,
                logins: vec![login],
            }],
            outside: vec![],
            counters: Counters {
                v4: Some(3),
                v6: Some(0),
            },
            log_sources: vec!["/var/log/auth.log".into()],
            now: 1_711_020_000,
        };
        assert_eq!(
            history_text("otc-db-1", &h),
            "otc-db-1\n\
             \x20 window w0000beef  2024-03-21T10:00:00Z -> 2024-03-21T10:10:00Z (closed early; planned 2024-03-21T10:30:00Z)  by alice: OPS-1\n\
             \x20   open to 198.51.100.0/28 . 22\n\
             \x20   2024-03-21T10:01:00Z  root from 198.51.100.5 port 50000  publickey ED25519 SHA256:abc\n\
             \x20 window rule counters (all windows since the rules were last loaded): IPv4 3 packets, IPv6 0 packets\n\
             \x20 logins read from /var/log/auth.log\n"
        );
        let j = history_json("otc-db-1", &h);
        assert_eq!(j["windows"][0]["logins"][0]["at"], "2024-03-21T10:01:00Z");
        assert_eq!(j["windows"][0]["closed_at"], "2024-03-21T10:10:00Z");
    }
}
