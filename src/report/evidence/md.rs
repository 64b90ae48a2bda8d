//! The evidence report as Markdown (for a CI job summary or a wiki page):
//! the summary, the per-measure table, the per-host evidence and the
//! outside list. Every value is escaped so that no inventory or host
//! string can open markup; the reachability picture is only in the HTML
//! (Markdown renderers strip inline SVG).

use std::io::Write;

use super::{CellStatus, Evidence};

/// `s` as inert Markdown table text: markup characters escaped, line
/// breaks and control characters turned into spaces.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn mark(s: CellStatus) -> String {
    let sign = match s {
        CellStatus::Holds => "✅",
        CellStatus::Drifts => "❌",
        CellStatus::NotChecked => "⚠️",
        CellStatus::NotApplicable => "➖",
    };
    format!("{sign} {}", s.label())
}

/// Writes the Markdown report.
pub fn write(e: &Evidence, w: &mut dyn Write) -> std::io::Result<()> {
    let r = &e.run;
    let s = &e.summary;
    writeln!(w, "# Evidence of the technical measures (TOM)\n")?;
    writeln!(
        w,
        "Drift run of {} · inventory {} · SHA-256 {}\n",
        esc(&r.started),
        esc(&r.inventory),
        esc(if r.inventory_sha256.is_empty() {
            "not recorded"
        } else {
            &r.inventory_sha256
        })
    )?;
    writeln!(w, "## Summary\n")?;
    if s.drifting_measures.is_empty() && s.unreachable_hosts.is_empty() {
        writeln!(
            w,
            "**No measure drifts** on the {} host(s) checked.\n",
            e.hosts.len()
        )?;
    }
    for d in &s.drifting_measures {
        writeln!(
            w,
            "- ❌ **{}** {} — drifts on **{}**",
            esc(&d.tom),
            esc(&d.title),
            esc(&d.hosts.join(", "))
        )?;
    }
    for h in &s.unreachable_hosts {
        writeln!(
            w,
            "- ⚠️ host **{}** not checked: {}",
            esc(&h.host),
            esc(h.error.as_deref().unwrap_or("failed"))
        )?;
    }
    writeln!(
        w,
        "\n| holding | drifting | not checked | not applicable | outside harden |\n|---|---|---|---|---|\n| {} | {} | {} | {} | {} |\n",
        s.holding, s.drifting, s.not_checked, s.not_applicable, s.outside
    )?;
    writeln!(
        w,
        "{} measures, {} host(s); drift run by harden {}, report by harden {} ({} run).\n",
        s.measures,
        e.hosts.len(),
        esc(&r.harden_version),
        esc(&e.harden_version),
        esc(&r.source)
    )?;
    writeln!(
        w,
        "## Measures\n\n| Measure | Kind | Status | Hosts |\n|---|---|---|---|"
    )?;
    for m in &e.measures {
        let hosts: Vec<String> = m
            .hosts
            .iter()
            .map(|c| format!("{}: {}", esc(&c.host), mark(c.status)))
            .collect();
        let note = m
            .note
            .as_deref()
            .map(|n| format!(" ({})", esc(n)))
            .unwrap_or_default();
        writeln!(
            w,
            "| {} {}{} | {} | {} | {} |",
            esc(&m.tom),
            esc(&m.title),
            note,
            esc(&m.kind),
            mark(m.status),
            hosts.join("<br>")
        )?;
    }
    writeln!(w, "\n## Evidence per host")?;
    for h in &e.hosts {
        writeln!(
            w,
            "\n### {}\n\n{} · drift status {} · {}\n",
            esc(&h.host),
            esc(&h.address),
            esc(&h.status),
            esc(&h.when(&r.started))
        )?;
        if let Some(err) = &h.error {
            writeln!(w, "Error: {}\n", esc(err))?;
        }
        writeln!(w, "| Measure | Status | Evidence |\n|---|---|---|")?;
        for (m, c) in e.cells_of(&h.host) {
            let mut ev = esc(&c.reason);
            for f in &c.findings {
                ev.push_str(&format!(
                    "<br>{} {}/{} {}",
                    esc(&f.status),
                    esc(&f.control),
                    esc(&f.check),
                    esc(&f.item)
                ));
                if f.expected != f.actual {
                    ev.push_str(&format!(
                        ": expected {}, found {}",
                        esc(&f.expected),
                        esc(&f.actual)
                    ));
                }
            }
            for p in &c.probes {
                ev.push_str(&format!(
                    "<br>read by {}: {}",
                    esc(&p.control),
                    esc(&p.probes.join(", "))
                ));
            }
            for a in &c.api_reads {
                ev.push_str(&format!(
                    "<br>read by {} at the provider: {}",
                    esc(&a.control),
                    esc(&super::api_read_line(a))
                ));
            }
            writeln!(w, "| {} | {} | {} |", esc(&m.tom), mark(c.status), ev)?;
        }
    }
    writeln!(w, "\n## Reachability\n\nThe picture of which sources may reach which port is in the HTML report (`--format html`).")?;
    writeln!(
        w,
        "\n## Outside harden's reach\n\n| Measure | Kind | What it promises |\n|---|---|---|"
    )?;
    for o in &e.outside {
        writeln!(
            w,
            "| {} | {} | {} ({}) |",
            esc(&o.tom),
            esc(&o.kind),
            esc(&o.title),
            esc(&o.note)
        )?;
    }
    writeln!(
        w,
        "\n---\nharden {} · drift run {} · inventory SHA-256 {} · report format {}",
        esc(&e.harden_version),
        esc(&r.started),
        esc(if r.inventory_sha256.is_empty() {
            "not recorded"
        } else {
            &r.inventory_sha256
        }),
        e.report_format_version
    )
}
