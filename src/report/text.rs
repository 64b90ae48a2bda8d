//! Human text output, modelled on Terraform's plan output.
//!
//! Grouped by host, then control; in-sync checks collapse into a count
//! unless `--verbose`; a legend lists only the symbols that appear; one
//! summary line ends the report.

use std::collections::BTreeSet;
use std::io::Write;

use super::model::{Finding, HostStatus, Report, Status};

fn legend(r: &Report) -> String {
    let used: BTreeSet<Status> = r.findings().map(|f| f.status).collect();
    let mut parts = Vec::new();
    if used.contains(&Status::Drift) {
        parts.push("~ drift (host -> desired)");
    }
    if used.contains(&Status::Changed) {
        parts.push("+ changed by this run");
    }
    if used.contains(&Status::Failed) {
        parts.push("! could not check");
    }
    if used.contains(&Status::Info) {
        parts.push("i information");
    }
    parts.join(", ")
}

fn line(f: &Finding) -> String {
    let mut s = format!("{} {}", f.status.symbol(), f.item);
    match f.status {
        Status::Drift => s.push_str(&format!(": {} -> {}", f.actual, f.expected)),
        Status::Changed => s.push_str(&format!(": now {}", f.actual)),
        Status::InSync => s.push_str(&format!(": {}", f.actual)),
        _ => {}
    }
    if let Some(m) = &f.message {
        s.push_str(&format!("  # {m}"));
    }
    s.push_str(&format!("  [{}]", f.tom));
    s
}

/// Writes the text report.
pub fn write(r: &Report, verbose: bool, w: &mut dyn Write) -> std::io::Result<()> {
    let l = legend(r);
    if !l.is_empty() {
        writeln!(w, "Legend: {l}\n")?;
    }
    for h in &r.hosts {
        let shown: Vec<&Finding> = h
            .findings
            .iter()
            .filter(|f| verbose || f.status != Status::InSync)
            .collect();
        let in_sync = h.count(Status::InSync);
        let state = match h.status {
            HostStatus::InSync => "in sync",
            HostStatus::Drift => "drift",
            HostStatus::Changed => "changed",
            HostStatus::RolledBack => "ROLLED BACK",
            HostStatus::Failed => "FAILED",
        };
        writeln!(w, "{} ({}): {state}", h.host, h.address)?;
        if let Some(e) = &h.error {
            writeln!(w, "  ! {e}")?;
        }
        let mut controls: Vec<&str> = shown.iter().map(|f| f.control).collect();
        controls.dedup();
        for c in controls {
            writeln!(w, "  {c}")?;
            for f in shown.iter().filter(|f| f.control == c) {
                writeln!(w, "    {}", line(f))?;
                if let (Some(d), Status::Drift | Status::Changed) = (&f.diff, f.status) {
                    for dl in d.lines().take(60) {
                        writeln!(w, "        {dl}")?;
                    }
                }
            }
        }
        if in_sync > 0 && !verbose {
            writeln!(w, "  # {in_sync} checks in sync")?;
        }
    }
    writeln!(w)?;
    writeln!(w, "{}", summary(r))
}

/// The one-line summary. In `apply`, "changed" counts every host this run
/// changed ([`HostReport::was_changed`](super::model::HostReport::was_changed)),
/// also one where a later control then failed or rolled back; those are
/// named again as "changed, then failed" / "changed, then rolled back".
pub fn summary(r: &Report) -> String {
    let n = r.hosts.len();
    let count = |s: HostStatus| r.hosts.iter().filter(|h| h.status == s).count();
    let checks = |s: Status| r.findings().filter(|f| f.status == s).count();
    let failed = count(HostStatus::Failed);
    match r.command {
        "apply" => {
            let changed = r.hosts.iter().filter(|h| h.was_changed()).count();
            let partly = |s: HostStatus| {
                r.hosts
                    .iter()
                    .filter(|h| h.status == s && h.was_changed())
                    .count()
            };
            let mut extra = Vec::new();
            if partly(HostStatus::Failed) > 0 {
                extra.push(format!("{} changed, then failed", partly(HostStatus::Failed)));
            }
            if partly(HostStatus::RolledBack) > 0 {
                extra.push(format!(
                    "{} changed, then rolled back",
                    partly(HostStatus::RolledBack)
                ));
            }
            let extra = if extra.is_empty() {
                String::new()
            } else {
                format!(" [{}]", extra.join(", "))
            };
            format!(
                "Apply complete: {changed} of {n} hosts changed, {} in sync, {} rolled back, {failed} failed{extra} ({} checks changed).",
                count(HostStatus::InSync),
                count(HostStatus::RolledBack),
                checks(Status::Changed)
            )
        }
        _ if count(HostStatus::Drift) == 0 && failed == 0 => {
            format!("No drift: {n} hosts match the inventory ({} checks).", checks(Status::InSync))
        }
        _ => format!(
            "Drift on {} of {n} hosts: {} checks drifting, {failed} hosts failed, {} checks in sync.",
            count(HostStatus::Drift),
            checks(Status::Drift),
            checks(Status::InSync)
        ),
    }
}
