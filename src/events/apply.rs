//! The events an `apply` produces: `firewall-change` and `apply`.
//!
//! What apply is about to change is taken from phase one (the drifting
//! findings it will fix, per host); what it did is taken from the host
//! reports after phase two, which probe every host again. A planned item
//! that no longer drifts was changed, whatever else failed on that host;
//! a host that rolled back had its change active until the rollback fired,
//! so it is reported too. This is computed at the CLI edge from the
//! engine's results, so the engine knows nothing of reporting.

use serde_json::{json, Value};

use crate::engine::run::PhaseOne;
use crate::inventory::Inventory;
use crate::report::model::{Finding, Fix, HostReport, HostStatus, Status};

/// One finding apply set out to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Control id.
    pub control: &'static str,
    /// Check kind.
    pub check: &'static str,
    /// Item checked.
    pub item: String,
    /// `check item: actual -> expected`, for people.
    pub summary: String,
}

/// What apply set out to change on one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// Host name.
    pub host: String,
    /// Drifting findings with a fix.
    pub items: Vec<Item>,
}

/// An event to record: action, hosts, details.
pub type Draft = (&'static str, Vec<String>, Value);

/// Changes listed per host in an event; the rest are counted. The report
/// of the run has them all; the event is a notice, not the evidence.
pub const MAX_CHANGES: usize = 20;

fn capped<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
    let all: Vec<&str> = items.collect();
    let mut out: Vec<String> = all
        .iter()
        .take(MAX_CHANGES)
        .map(|s| s.to_string())
        .collect();
    if all.len() > MAX_CHANGES {
        out.push(format!("… and {} more", all.len() - MAX_CHANGES));
    }
    out
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut c: String = s.chars().take(n).collect();
        c.push('…');
        c
    }
}

fn summary(f: &Finding) -> String {
    let mut s = format!("{} {}", f.check, f.item);
    if !f.actual.is_empty() || !f.expected.is_empty() {
        s.push_str(&format!(
            ": {} -> {}",
            clip(&f.actual, 60),
            clip(&f.expected, 60)
        ));
    }
    s
}

/// Phase one's work list: every host that apply will change.
pub fn planned(inv: &Inventory, phase_one: &[PhaseOne]) -> Vec<Planned> {
    phase_one
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .filter(|c| c.needs_apply())
        .map(|c| Planned {
            host: inv.hosts[c.index].name.clone(),
            items: c
                .controls
                .iter()
                .filter(|s| s.needs_apply())
                .flat_map(|s| s.plan.findings.iter())
                .filter(|f| f.status == Status::Drift && f.fix != Fix::None)
                .map(|f| Item {
                    control: f.control,
                    check: f.check,
                    item: f.item.clone(),
                    summary: summary(f),
                })
                .collect(),
        })
        .collect()
}

fn outcome(r: &HostReport) -> &'static str {
    match r.status {
        HostStatus::Changed => "changed",
        HostStatus::RolledBack => "rolled-back",
        HostStatus::Failed => "failed",
        HostStatus::InSync | HostStatus::Drift => "unchanged",
    }
}

/// The planned items that no longer drift after phase two.
fn applied<'a>(p: &'a Planned, r: &HostReport) -> Vec<&'a Item> {
    p.items
        .iter()
        .filter(|i| {
            !r.findings.iter().any(|f| {
                f.control == i.control
                    && f.check == i.check
                    && f.item == i.item
                    && f.status == Status::Drift
            })
        })
        .filter(|_| r.status != HostStatus::Failed || !r.findings.is_empty())
        .collect()
}

/// The details of the `apply-intent` recorded before phase two: the run,
/// and per host the controls and changes it will make.
pub fn intent_details(planned: &[Planned], run_id: &str) -> Value {
    let hosts: Vec<Value> = planned
        .iter()
        .map(|p| {
            let mut controls: Vec<&str> = p.items.iter().map(|i| i.control).collect();
            controls.dedup();
            json!({
                "host": p.host,
                "controls": controls,
                "changes": capped(p.items.iter().map(|i| i.summary.as_str())),
            })
        })
        .collect();
    json!({
        "summary": format!("apply will change {} host(s)", planned.len()),
        "run": super::intent::run_details(run_id),
        "hosts": hosts,
    })
}

/// The `firewall-change` and `apply` events for a finished apply.
pub fn drafts(planned: &[Planned], reports: &[HostReport]) -> Vec<Draft> {
    let mut fw_hosts = Vec::new();
    let mut fw_details = Vec::new();
    let mut all_hosts = Vec::new();
    let mut all_details = Vec::new();
    for p in planned {
        let Some(r) = reports.iter().find(|r| r.host == p.host) else {
            continue;
        };
        let done = applied(p, r);
        let fw_planned: Vec<&Item> = p.items.iter().filter(|i| i.control == "firewall").collect();
        let fw_done: Vec<&&Item> = done.iter().filter(|i| i.control == "firewall").collect();
        let rolled_back = r.status == HostStatus::RolledBack;
        if !fw_done.is_empty() || (rolled_back && !fw_planned.is_empty()) {
            fw_hosts.push(p.host.clone());
            let shown = if fw_done.is_empty() {
                capped(fw_planned.iter().map(|i| i.summary.as_str()))
            } else {
                capped(fw_done.iter().map(|i| i.summary.as_str()))
            };
            fw_details.push(json!({
                "host": p.host,
                "outcome": if rolled_back { "rolled-back" } else { "changed" },
                "changes": shown,
                "error": r.error,
            }));
        }
        all_hosts.push(p.host.clone());
        let mut controls: Vec<&str> = done.iter().map(|i| i.control).collect();
        controls.dedup();
        all_details.push(json!({
            "host": p.host,
            "outcome": outcome(r),
            "changes_applied": r.changes_applied,
            "controls": controls,
            "changes": capped(done.iter().map(|i| i.summary.as_str())),
            "error": r.error,
        }));
    }
    let mut out = Vec::new();
    if !fw_hosts.is_empty() {
        let n = fw_hosts.len();
        out.push((
            "firewall-change",
            fw_hosts,
            json!({
                "summary": format!("firewall changed on {n} host(s)"),
                "hosts": fw_details,
                "tom": [crate::tom::PORTS.id, crate::tom::ACCESS_REPORTING.id],
            }),
        ));
    }
    if !all_hosts.is_empty() {
        let changed = all_details
            .iter()
            .filter(|d| d["outcome"] == "changed")
            .count();
        let n = all_hosts.len();
        out.push((
            "apply",
            all_hosts,
            json!({
                "summary": format!("apply changed {changed} of {n} host(s) it had work on"),
                "hosts": all_details,
            }),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(control: &'static str, item: &str, status: Status) -> Finding {
        let mut f = Finding::new(control, "file", item, crate::tom::PORTS.id);
        f.status = status;
        f.fix = Fix::Activate;
        f
    }

    fn report(host: &str, status: HostStatus, findings: Vec<Finding>) -> HostReport {
        HostReport {
            host: host.into(),
            address: String::new(),
            status,
            error: (status != HostStatus::Changed).then(|| "boom".to_string()),
            findings,
            changes_applied: 1,
            changed: status != HostStatus::Failed,
            duration_ms: 0,
        }
    }

    fn plan(host: &str, items: &[(&'static str, &str)]) -> Planned {
        Planned {
            host: host.into(),
            items: items
                .iter()
                .map(|(c, i)| Item {
                    control: c,
                    check: "file",
                    item: i.to_string(),
                    summary: format!("file {i}"),
                })
                .collect(),
        }
    }

    #[test]
    fn firewall_change_only_where_the_firewall_changed() {
        let planned = vec![
            plan("a", &[("firewall", "/etc/harden/firewall.nft")]),
            plan("b", &[("sshd", "/etc/ssh/sshd_config")]),
            plan(
                "c",
                &[("firewall", "/etc/harden/firewall.nft"), ("sshd", "/x")],
            ),
        ];
        let reports = vec![
            report(
                "a",
                HostStatus::Changed,
                vec![finding(
                    "firewall",
                    "/etc/harden/firewall.nft",
                    Status::Changed,
                )],
            ),
            report(
                "b",
                HostStatus::Changed,
                vec![finding("sshd", "/etc/ssh/sshd_config", Status::Changed)],
            ),
            // Firewall applied, then sshd failed: the firewall did change.
            report(
                "c",
                HostStatus::Failed,
                vec![
                    finding("firewall", "/etc/harden/firewall.nft", Status::InSync),
                    finding("sshd", "/x", Status::Drift),
                ],
            ),
        ];
        let d = drafts(&planned, &reports);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].0, "firewall-change");
        assert_eq!(d[0].1, vec!["a".to_string(), "c".to_string()]);
        assert_eq!(
            d[0].2["hosts"][0]["changes"][0],
            "file /etc/harden/firewall.nft"
        );
        assert_eq!(d[1].0, "apply");
        assert_eq!(d[1].1.len(), 3);
        assert_eq!(d[1].2["hosts"][2]["outcome"], "failed");
        assert_eq!(d[1].2["hosts"][2]["controls"], json!(["firewall"]));
    }

    #[test]
    fn rolled_back_firewall_is_reported_and_unreachable_host_changed_nothing() {
        let planned = vec![
            plan("a", &[("firewall", "/f")]),
            plan("b", &[("firewall", "/f")]),
        ];
        let reports = vec![
            report(
                "a",
                HostStatus::RolledBack,
                vec![finding("firewall", "/f", Status::Drift)],
            ),
            report("b", HostStatus::Failed, vec![]),
        ];
        let d = drafts(&planned, &reports);
        assert_eq!(d[0].0, "firewall-change");
        assert_eq!(d[0].1, vec!["a".to_string()]);
        assert_eq!(d[0].2["hosts"][0]["outcome"], "rolled-back");
        assert_eq!(d[1].2["hosts"][1]["changes"], json!([]));
    }

    #[test]
    fn long_change_lists_are_capped() {
        let items: Vec<String> = (0..25).map(|i| format!("/f{i}")).collect();
        let refs: Vec<(&'static str, &str)> = items.iter().map(|i| ("sshd", i.as_str())).collect();
        let d = drafts(
            &[plan("a", &refs)],
            &[report(
                "a",
                HostStatus::Changed,
                vec![finding("sshd", "/x", Status::InSync)],
            )],
        );
        let changes = d[0].2["hosts"][0]["changes"].as_array().unwrap().clone();
        assert_eq!(changes.len(), MAX_CHANGES + 1);
        assert_eq!(changes[MAX_CHANGES], "… and 5 more");
    }

    #[test]
    fn nothing_planned_nothing_recorded() {
        assert!(drafts(&[], &[]).is_empty());
    }
}
