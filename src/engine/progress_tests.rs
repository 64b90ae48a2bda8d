//! The per-host progress lines: they count what the run's summary counts,
//! and a host apply had nothing to do for is announced once.

use super::summary;
use crate::engine::apply::announce;
use crate::report::model::{Finding, HostReport, HostStatus, Report, Status, FORMAT_VERSION};

fn host(name: &str, status: HostStatus, changed_checks: usize, changes: usize) -> HostReport {
    let mut findings = Vec::new();
    for i in 0..changed_checks + 2 {
        let mut f = Finding::new("firewall", "file", format!("/f{i}"), crate::tom::PORTS.id);
        f.host = name.into();
        if i < changed_checks {
            f.status = Status::Changed;
        }
        findings.push(f);
    }
    HostReport {
        status,
        findings,
        changes_applied: changes,
        changed: changed_checks > 0,
        ..HostReport::failed(name, "10.0.0.1".into(), String::new(), 1)
    }
}

#[test]
fn the_progress_counts_checks_as_the_summary_does() {
    // 8 changes (files written, reloads) made 45 checks change.
    let a = host("a", HostStatus::Changed, 45, 8);
    let b = host("b", HostStatus::Changed, 3, 1);
    assert_eq!(summary(&a), "45 checks changed");
    assert_eq!(summary(&b), "3 checks changed");
    let r = Report {
        format_version: FORMAT_VERSION,
        harden_version: "t",
        command: "apply",
        inventory: "i.toml".into(),
        inventory_sha256: String::new(),
        started: "now".into(),
        duration_ms: 1,
        hosts: vec![a, b],
        plan: None,
        probes: Vec::new(),
        api_reads: Vec::new(),
        host_times: Vec::new(),
    };
    let line = crate::report::text::summary(&r);
    assert!(line.ends_with("(48 checks changed)."), "{line}");
}

#[test]
fn a_host_that_needed_nothing_is_announced_once() {
    let quiet = host("a", HostStatus::InSync, 0, 0);
    assert_eq!(summary(&quiet), "in sync", "phase one's line");
    assert_eq!(announce(false, &quiet), None, "phase two says nothing more");
    let changed = host("b", HostStatus::Changed, 2, 1);
    assert_eq!(
        announce(true, &changed).as_deref(),
        Some("2 checks changed")
    );
    let mut failed = host("c", HostStatus::Failed, 0, 0);
    failed.error = Some("lock lost".into());
    assert_eq!(announce(false, &failed).as_deref(), Some("lock lost"));
}
