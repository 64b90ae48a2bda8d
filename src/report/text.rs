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
        // Grouped by control in order of first appearance: apply appends
        // findings (moved-aside files) after other controls' findings.
        let mut controls: Vec<&str> = Vec::new();
        for f in &shown {
            if !controls.contains(&f.control) {
                controls.push(f.control);
            }
        }
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

/// The one-line summary; `plan`'s is its counts
/// ([`PlanSummary::line`](super::plan_counts::PlanSummary::line)). In `apply`, "changed" counts every host this run
/// changed ([`HostReport::was_changed`](super::model::HostReport::was_changed)),
/// also one where a later control then failed or rolled back; those are
/// named again as "changed, then failed" / "changed, then rolled back".
pub fn summary(r: &Report) -> String {
    let n = r.hosts.len();
    let count = |s: HostStatus| r.hosts.iter().filter(|h| h.status == s).count();
    let checks = |s: Status| r.findings().filter(|f| f.status == s).count();
    let failed = count(HostStatus::Failed);
    if let ("plan", Some(p)) = (r.command, &r.plan) {
        return p.line(r);
    }
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

#[cfg(test)]
mod tests {
    use super::super::model::{Finding, Fix, HostReport, HostStatus, Report, FORMAT_VERSION};
    use super::*;

    fn finding(control: &'static str, item: &str, status: Status) -> Finding {
        let mut f = Finding::new(control, "file", item, crate::tom::PORTS.id);
        f.host = "web1".into();
        f.status = status;
        f.fix = Fix::None;
        f
    }

    /// Apply appends a moved-aside file after the other controls' findings:
    /// the control it belongs to is still printed once, with all of its
    /// findings under it.
    #[test]
    fn a_control_that_reappears_later_is_printed_once() {
        let host = HostReport {
            status: HostStatus::Changed,
            findings: vec![
                finding("firewall", "/etc/harden/firewall.nft", Status::Changed),
                finding("sshd", "/etc/ssh/sshd_config", Status::Changed),
                finding("firewall", "/etc/nftables.d/old.nft", Status::Changed),
            ],
            changed: true,
            ..HostReport::failed("web1", "10.0.0.1".into(), String::new(), 1)
        };
        let r = Report {
            format_version: FORMAT_VERSION,
            harden_version: "t",
            command: "apply",
            inventory: "i.toml".into(),
            inventory_sha256: String::new(),
            started: "now".into(),
            duration_ms: 1,
            hosts: vec![HostReport {
                error: None,
                ..host
            }],
            plan: None,
            probes: Vec::new(),
            api_reads: Vec::new(),
            host_times: Vec::new(),
        };
        let mut out = Vec::new();
        write(&r, false, &mut out).expect("write");
        let text = String::from_utf8(out).expect("utf-8");
        assert_eq!(text.matches("\n  firewall\n").count(), 1, "{text}");
        assert_eq!(text.matches("\n  sshd\n").count(), 1, "{text}");
        let fw = text.find("\n  firewall\n").expect("firewall");
        let sshd = text.find("\n  sshd\n").expect("sshd");
        let old = text.find("/etc/nftables.d/old.nft").expect("moved aside");
        assert!(
            fw < old && old < sshd,
            "the moved-aside file is under firewall:\n{text}"
        );
        assert_eq!(text.matches("/etc/nftables.d/old.nft").count(), 1, "{text}");
    }
}
