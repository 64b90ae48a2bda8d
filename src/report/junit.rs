//! JUnit XML: one test suite per host, one test case per check.
//!
//! Drift is a `<failure>`, a check that could not run is an `<error>`,
//! information goes to `<system-out>`; CI systems then show drift in
//! their test tab and keep the history per check.

use std::io::Write;

use super::model::{Report, Status};

/// Escapes text for XML attributes and content.
pub fn esc(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&apos;".to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// Writes the JUnit document.
pub fn write(r: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    let total: usize = r.hosts.iter().map(|h| h.findings.len().max(1)).sum();
    let failures = r.findings().filter(|f| f.status == Status::Drift).count();
    let errors = r.findings().filter(|f| f.status == Status::Failed).count()
        + r.hosts
            .iter()
            .filter(|h| h.findings.is_empty() && h.error.is_some())
            .count();
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<testsuites name="harden {}" tests="{total}" failures="{failures}" errors="{errors}" time="{:.3}">"#,
        r.command,
        r.duration_ms as f64 / 1000.0
    )?;
    for h in &r.hosts {
        let hf = h.count(Status::Drift);
        let he = h.count(Status::Failed) + usize::from(h.findings.is_empty() && h.error.is_some());
        writeln!(
            w,
            r#"  <testsuite name="{}" tests="{}" failures="{hf}" errors="{he}" time="{:.3}">"#,
            esc(&h.host),
            h.findings.len().max(1),
            h.duration_ms as f64 / 1000.0
        )?;
        if h.findings.is_empty() {
            writeln!(
                w,
                r#"    <testcase classname="{}" name="connect"><error message="{}"/></testcase>"#,
                esc(&h.host),
                esc(h.error.as_deref().unwrap_or("no checks ran"))
            )?;
        }
        for f in &h.findings {
            write!(
                w,
                r#"    <testcase classname="{}.{}" name="{} {} [{}]">"#,
                esc(&h.host),
                f.control,
                f.check,
                esc(&f.item),
                f.tom
            )?;
            let msg = format!(
                "expected {}, found {}{}",
                f.expected,
                f.actual,
                f.message
                    .as_deref()
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default()
            );
            match f.status {
                Status::Drift => write!(
                    w,
                    r#"<failure message="{}">{}</failure>"#,
                    esc(&msg),
                    esc(f.diff.as_deref().unwrap_or(""))
                )?,
                Status::Failed => write!(
                    w,
                    r#"<error message="{}"/>"#,
                    esc(f.message.as_deref().unwrap_or("failed"))
                )?,
                Status::Info => write!(
                    w,
                    "<system-out>{}</system-out>",
                    esc(f.message.as_deref().unwrap_or(""))
                )?,
                Status::InSync | Status::Changed => {}
            }
            writeln!(w, "</testcase>")?;
        }
        writeln!(w, "  </testsuite>")?;
    }
    writeln!(w, "</testsuites>")
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup() {
        assert_eq!(super::esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
