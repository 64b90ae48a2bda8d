//! The evidence report as ONE self-contained HTML file: inline CSS, no
//! script, no external reference, every value escaped, A4 print layout
//! (one section per page, long values wrap). The reachability picture
//! (`report::reach::svg`) is embedded only when it is plain inline SVG
//! ([`safe_svg`]); otherwise the page says why it is left out.

use std::io::Write;

use super::{CellStatus, Evidence};
use crate::report::junit::esc;

const CSS: &str = "@page{size:A4;margin:14mm 12mm 16mm 12mm}
*{box-sizing:border-box}
body{font:10.5pt/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1d2330;margin:0 auto;max-width:60rem;padding:1.2rem}
h1{font-size:19pt;margin:0 0 .2rem}h2{font-size:14pt;border-bottom:2px solid #d8dde6;padding-bottom:.2rem;margin-top:1.6rem}
h3{font-size:11.5pt;margin:1.2rem 0 .4rem}
.sub{color:#5a6475;margin:0 0 1rem}
section.page{break-before:page;page-break-before:always}
table{border-collapse:collapse;width:100%;table-layout:fixed;margin:.4rem 0 1rem}
th,td{border:1px solid #d8dde6;padding:.3rem .45rem;text-align:left;vertical-align:top;overflow-wrap:anywhere;word-break:break-word}
th{background:#f1f4f8;font-weight:600}
tr{break-inside:avoid;page-break-inside:avoid}
code,.mono{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:9pt;overflow-wrap:anywhere}
.badge{display:inline-block;border-radius:.7rem;padding:0 .55rem;font-size:9pt;font-weight:600;border:1px solid;white-space:nowrap;margin:0 .2rem .15rem 0}
.holds{background:#e3f4e6;color:#17602a;border-color:#9fd3aa}
.drifts{background:#fde3e1;color:#8c1d12;border-color:#f0a39b}
.not-checked{background:#fff3d6;color:#7a5200;border-color:#e8c36f}
.not-applicable{background:#eef0f3;color:#4b5563;border-color:#c9ced6}
.cards{display:flex;flex-wrap:wrap;gap:.5rem;margin:.6rem 0 1rem}
.card{flex:1 1 8rem;border:1px solid #d8dde6;border-radius:.4rem;padding:.5rem .7rem}
.card b{display:block;font-size:18pt}
.alert{border-left:4px solid #c0392b;background:#fdf1f0;padding:.5rem .8rem;margin:.6rem 0}
.ok{border-left:4px solid #2e8b57;background:#f0f8f2;padding:.5rem .8rem;margin:.6rem 0}
.small{font-size:8.5pt;color:#5a6475}
ul{margin:.2rem 0 .4rem 1.1rem;padding:0}
.reach svg{max-width:100%;height:auto}
footer{margin-top:2rem;border-top:1px solid #d8dde6;padding-top:.5rem;font-size:8.5pt;color:#5a6475}
@media print{body{max-width:none;padding:0}a{color:inherit}}";

fn badge(s: CellStatus) -> String {
    let sign = match s {
        CellStatus::Holds => "✓",
        CellStatus::Drifts => "✗",
        CellStatus::NotChecked => "?",
        CellStatus::NotApplicable => "–",
    };
    let class = match s {
        CellStatus::Holds => "holds",
        CellStatus::Drifts => "drifts",
        CellStatus::NotChecked => "not-checked",
        CellStatus::NotApplicable => "not-applicable",
    };
    format!("<span class=\"badge {class}\">{sign} {}</span>", s.label())
}

/// `svg` when it is one inline `<svg>` element without script, event
/// handler or external reference (the SVG namespace attribute, which an
/// inline SVG does not need, is dropped); `None` otherwise.
pub fn safe_svg(svg: &str) -> Option<String> {
    let s = svg
        .replace(" xmlns=\"http://www.w3.org/2000/svg\"", "")
        .replace(" xmlns:xlink=\"http://www.w3.org/1999/xlink\"", "");
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let bad = [
        "<script",
        "javascript:",
        "http://",
        "https://",
        "//",
        "src=",
        "<image",
        "<foreignobject",
        "@import",
        "<iframe",
        "<object",
        "<embed",
    ];
    let ok = t.starts_with("<svg")
        && t.ends_with("</svg>")
        && !bad.iter().any(|b| lower.contains(b))
        && !has_handler(&lower)
        && lower
            .match_indices("href=")
            .all(|(i, _)| lower[i + 5..].starts_with("\"#"))
        // Only references to the picture's own markers: `url(#id)`.
        && lower
            .match_indices("url(")
            .all(|(i, _)| lower[i + 4..].starts_with('#'));
    ok.then(|| t.to_string())
}

/// True when `s` has an attribute like ` onload=` (any ` on<letters>=`).
fn has_handler(s: &str) -> bool {
    s.match_indices(" on").any(|(i, _)| {
        let rest = &s[i + 3..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect();
        !name.is_empty() && rest[name.len()..].trim_start().starts_with('=')
    })
}

/// Writes the page; `svg` is the reachability picture (may be empty).
pub fn write(e: &Evidence, svg: &str, w: &mut dyn Write) -> std::io::Result<()> {
    let r = &e.run;
    let s = &e.summary;
    write!(
        w,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    )?;
    write!(
        w,
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
    )?;
    writeln!(
        w,
        "<title>harden evidence {}</title><style>{CSS}</style></head><body>",
        esc(&r.started)
    )?;
    writeln!(
        w,
        "<header><h1>Evidence of the technical measures (TOM)</h1>"
    )?;
    writeln!(w, "<p class=\"sub\">Drift run of {} · inventory <code>{}</code> · SHA-256 <code>{}</code></p></header>",
        esc(&r.started), esc(&r.inventory), esc(or_unknown(&r.inventory_sha256)))?;
    // Summary.
    writeln!(w, "<section><h2>Summary</h2>")?;
    if s.drifting_measures.is_empty() && s.unreachable_hosts.is_empty() {
        writeln!(
            w,
            "<div class=\"ok\"><b>No measure drifts</b> on the {} host(s) checked.</div>",
            e.hosts.len()
        )?;
    }
    if !s.drifting_measures.is_empty() {
        writeln!(
            w,
            "<div class=\"alert\"><b>{} measure(s) drift:</b><ul>",
            s.drifting_measures.len()
        )?;
        for d in &s.drifting_measures {
            writeln!(
                w,
                "<li><code>{}</code> {} — on <b>{}</b></li>",
                esc(&d.tom),
                esc(&d.title),
                esc(&d.hosts.join(", "))
            )?;
        }
        writeln!(w, "</ul></div>")?;
    }
    if !s.unreachable_hosts.is_empty() {
        writeln!(w, "<div class=\"alert\"><b>Host(s) not checked:</b><ul>")?;
        for h in &s.unreachable_hosts {
            writeln!(
                w,
                "<li><b>{}</b>: {}</li>",
                esc(&h.host),
                esc(h.error.as_deref().unwrap_or("failed"))
            )?;
        }
        writeln!(w, "</ul></div>")?;
    }
    writeln!(w, "<div class=\"cards\">")?;
    for (n, label, st) in [
        (s.holding, "hold", Some(CellStatus::Holds)),
        (s.drifting, "drift", Some(CellStatus::Drifts)),
        (s.not_checked, "not checked", Some(CellStatus::NotChecked)),
        (
            s.not_applicable,
            "not applicable",
            Some(CellStatus::NotApplicable),
        ),
        (s.outside, "outside harden", None),
    ] {
        let class = st.map(badge).unwrap_or_default();
        writeln!(w, "<div class=\"card\"><b>{n}</b>{label} {class}</div>")?;
    }
    writeln!(w, "</div><p class=\"small\">{} measures checked per host, {} hosts, drift run by harden {} ({} ms); report by harden {} from a {} run.</p></section>",
        s.measures, e.hosts.len(), esc(&r.harden_version), r.duration_ms, esc(&e.harden_version), esc(&r.source))?;
    // Per measure.
    writeln!(w, "<section class=\"page\"><h2>Measures</h2><table><colgroup><col style=\"width:44%\"><col style=\"width:7%\"><col style=\"width:15%\"><col></colgroup>")?;
    writeln!(
        w,
        "<tr><th>Measure</th><th>Kind</th><th>Status</th><th>Hosts</th></tr>"
    )?;
    for m in &e.measures {
        write!(
            w,
            "<tr><td><code>{}</code><br>{}",
            esc(&m.tom),
            esc(&m.title)
        )?;
        if let Some(n) = &m.note {
            write!(w, "<br><span class=\"small\">{}</span>", esc(n))?;
        }
        write!(
            w,
            "</td><td>{}</td><td>{}</td><td>",
            esc(&m.kind),
            badge(m.status)
        )?;
        for c in &m.hosts {
            write!(w, "<div><b>{}</b> {}</div>", esc(&c.host), badge(c.status))?;
        }
        writeln!(w, "</td></tr>")?;
    }
    writeln!(w, "</table></section>")?;
    // Per host.
    writeln!(w, "<section class=\"page\"><h2>Evidence per host</h2>")?;
    for h in &e.hosts {
        writeln!(
            w,
            "<h3>{} <span class=\"small\">{} · drift status {} · {}</span></h3>",
            esc(&h.host),
            esc(&h.address),
            esc(&h.status),
            esc(&h.when(&r.started))
        )?;
        if let Some(err) = &h.error {
            writeln!(w, "<p class=\"alert\">{}</p>", esc(err))?;
        }
        writeln!(w, "<table><colgroup><col style=\"width:24%\"><col style=\"width:16%\"><col></colgroup><tr><th>Measure</th><th>Status</th><th>Evidence</th></tr>")?;
        for (m, c) in e.cells_of(&h.host) {
            write!(
                w,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}",
                esc(&m.tom),
                badge(c.status),
                esc(&c.reason)
            )?;
            if !c.findings.is_empty() {
                write!(w, "<ul>")?;
                for f in &c.findings {
                    write!(
                        w,
                        "<li><b>{}</b> <span class=\"mono\">{}/{} {}</span>",
                        esc(&f.status),
                        esc(&f.control),
                        esc(&f.check),
                        esc(&f.item)
                    )?;
                    if f.expected != f.actual {
                        write!(
                            w,
                            ": expected <code>{}</code>, found <code>{}</code>",
                            esc(&f.expected),
                            esc(&f.actual)
                        )?;
                    } else if !f.actual.is_empty() {
                        write!(w, ": <code>{}</code>", esc(&f.actual))?;
                    }
                    if let Some(msg) = &f.message {
                        write!(w, " — {}", esc(msg))?;
                    }
                    write!(w, "</li>")?;
                }
                write!(w, "</ul>")?;
            }
            for p in &c.probes {
                write!(
                    w,
                    "<div class=\"small\">read by <b>{}</b>: <span class=\"mono\">{}</span></div>",
                    esc(&p.control),
                    esc(&p.probes.join(", "))
                )?;
            }
            for a in &c.api_reads {
                write!(
                    w,
                    "<div class=\"small\">read by <b>{}</b> at the provider: <span class=\"mono\">{}</span></div>",
                    esc(&a.control),
                    esc(&super::api_read_line(a))
                )?;
            }
            writeln!(w, "</td></tr>")?;
        }
        writeln!(w, "</table>")?;
    }
    writeln!(w, "</section>")?;
    // Reachability.
    writeln!(w, "<section class=\"page reach\"><h2>Reachability</h2><p class=\"small\">Which sources may reach which port on which host, drawn from the rendered firewalls.</p>")?;
    match safe_svg(svg) {
        Some(s) => writeln!(w, "{s}")?,
        None if svg.trim().is_empty() => {
            writeln!(w, "<p>No picture: the estate has no hosts to draw.</p>")?
        }
        None => writeln!(
            w,
            "<p class=\"alert\">The picture is left out: it was not plain inline SVG.</p>"
        )?,
    }
    writeln!(w, "</section>")?;
    // Outside.
    writeln!(w, "<section class=\"page\"><h2>Outside harden's reach</h2><p class=\"small\">Organisational (O) and provider (P) measures: made true by people, paperwork or the provider; evidence for them is kept elsewhere.</p>")?;
    writeln!(w, "<table><colgroup><col style=\"width:30%\"><col style=\"width:7%\"><col></colgroup><tr><th>Measure</th><th>Kind</th><th>What it promises</th></tr>")?;
    for o in &e.outside {
        writeln!(w, "<tr><td><code>{}</code><br><span class=\"small\">{}</span></td><td>{}</td><td>{}<br><span class=\"small\">{}</span></td></tr>",
            esc(&o.tom), esc(&o.section), esc(&o.kind), esc(&o.title), esc(&o.note))?;
    }
    writeln!(w, "</table></section>")?;
    writeln!(w, "<footer>harden {} · drift run {} by harden {} · inventory {} SHA-256 <code>{}</code> · report format {}</footer>",
        esc(&e.harden_version), esc(&r.started), esc(&r.harden_version), esc(&r.inventory), esc(or_unknown(&r.inventory_sha256)), e.report_format_version)?;
    writeln!(w, "</body></html>")
}

fn or_unknown(s: &str) -> &str {
    if s.is_empty() {
        "not recorded"
    } else {
        s
    }
}
