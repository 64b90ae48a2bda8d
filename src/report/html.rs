//! HTML evidence page: what was checked, per TOM measure and per host.
//!
//! Self-contained (inline CSS, no scripts), so it can be archived as the
//! nightly proof for the regular review of measures (TOM-4-review).

use std::collections::BTreeMap;
use std::io::Write;

use super::junit::esc;
use super::model::{Report, Status};

/// Writes the HTML page.
pub fn write(r: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    writeln!(w, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>harden {} {}</title>", r.command, esc(&r.started))?;
    writeln!(w, "<style>body{{font:14px system-ui,sans-serif;margin:2em}}table{{border-collapse:collapse;margin-bottom:2em}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}.drift,.failed{{background:#fde2e2}}.changed{{background:#e2f0fd}}.in-sync{{background:#e6f6e6}}.info{{background:#f6f6e0}}pre{{margin:0;white-space:pre-wrap}}</style></head><body>")?;
    writeln!(
        w,
        "<h1>harden {}: {}</h1>",
        r.command,
        esc(&super::text::summary(r))
    )?;
    writeln!(
        w,
        "<p>Inventory {} · started {} · {} ms · harden {}</p>",
        esc(&r.inventory),
        esc(&r.started),
        r.duration_ms,
        r.harden_version
    )?;
    let mut by_tom: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for f in r.findings() {
        let e = by_tom.entry(f.tom).or_default();
        if matches!(f.status, Status::Drift | Status::Failed) {
            e.1 += 1;
        } else {
            e.0 += 1;
        }
    }
    writeln!(w, "<h2>By measure</h2><table><tr><th>TOM measure</th><th>checks holding</th><th>checks violated</th></tr>")?;
    for (tom, (ok, bad)) in by_tom {
        let class = if bad > 0 { "drift" } else { "in-sync" };
        writeln!(
            w,
            "<tr class=\"{class}\"><td>{tom}</td><td>{ok}</td><td>{bad}</td></tr>"
        )?;
    }
    writeln!(w, "</table><h2>By host</h2>")?;
    for h in &r.hosts {
        let state = serde_json::to_value(h.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        writeln!(
            w,
            "<h3>{} ({}) — {state}</h3>",
            esc(&h.host),
            esc(&h.address)
        )?;
        if let Some(e) = &h.error {
            writeln!(w, "<p class=\"failed\">{}</p>", esc(e))?;
        }
        writeln!(w, "<table><tr><th>control</th><th>check</th><th>item</th><th>status</th><th>expected</th><th>actual</th><th>TOM</th></tr>")?;
        for f in &h.findings {
            let class = serde_json::to_value(f.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            write!(w, "<tr class=\"{class}\"><td>{}</td><td>{}</td><td>{}</td><td>{class}</td><td>{}</td><td>{}", f.control, f.check, esc(&f.item), esc(&f.expected), esc(&f.actual))?;
            if let Some(m) = &f.message {
                write!(w, "<br><small>{}</small>", esc(m))?;
            }
            if let Some(d) = f.diff.as_ref().filter(|_| f.status == Status::Drift) {
                write!(w, "<pre>{}</pre>", esc(d))?;
            }
            writeln!(w, "</td><td>{}</td></tr>", f.tom)?;
        }
        writeln!(w, "</table>")?;
    }
    writeln!(w, "</body></html>")
}
