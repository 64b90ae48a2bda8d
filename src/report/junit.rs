//! JUnit XML: one test suite per host, one test case per check.
//!
//! Drift is a `<failure>`, a check that could not run is an `<error>`,
//! information goes to `<system-out>`; CI systems then show drift in
//! their test tab and keep the history per check.

use std::io::Write;

use super::model::{HostStatus, Report, Status};

fn host_status(s: HostStatus) -> &'static str {
    match s {
        HostStatus::InSync => "in-sync",
        HostStatus::Drift => "drift",
        HostStatus::Changed => "changed",
        HostStatus::RolledBack => "rolled-back",
        HostStatus::Failed => "failed",
    }
}

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
    let total: usize = r
        .hosts
        .iter()
        .map(|h| h.findings.len() + usize::from(h.findings.is_empty() || h.error.is_some()))
        .sum();
    let failures = r.findings().filter(|f| f.status == Status::Drift).count();
    let errors = r.findings().filter(|f| f.status == Status::Failed).count()
        + r.hosts.iter().filter(|h| h.error.is_some()).count();
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<testsuites name="harden {}" tests="{total}" failures="{failures}" errors="{errors}" time="{:.3}">"#,
        r.command,
        r.duration_ms as f64 / 1000.0
    )?;
    for h in &r.hosts {
        let hf = h.count(Status::Drift);
        let he = h.count(Status::Failed) + usize::from(h.error.is_some());
        let tests = h.findings.len() + usize::from(h.findings.is_empty() || h.error.is_some());
        writeln!(
            w,
            r#"  <testsuite name="{}" tests="{tests}" failures="{hf}" errors="{he}" time="{:.3}">"#,
            esc(&h.host),
            h.duration_ms as f64 / 1000.0
        )?;
        writeln!(
            w,
            r#"    <properties><property name="status" value="{}"/><property name="changed" value="{}"/></properties>"#,
            host_status(h.status),
            h.was_changed()
        )?;
        if h.findings.is_empty() || h.error.is_some() {
            // A host's own error is one test case, named after the step:
            // `connect` when no check ran, `run` when it failed later (for
            // example after earlier controls changed).
            let name = if h.findings.is_empty() {
                "connect"
            } else {
                "run"
            };
            writeln!(
                w,
                r#"    <testcase classname="{}" name="{name}"><error message="{}"/></testcase>"#,
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
