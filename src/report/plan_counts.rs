//! `plan`'s Terraform-style counts: what apply would do, per host and in
//! total, computed from the plans' selected changes (never from report
//! strings).
//!
//! Each selected change is one [`Effect`]:
//! - a whole-file write of a file the host does not have is an **add**;
//!   a key-level edit of a file that was absent when read
//!   ([`ManagedFile::unchanged_since`] is
//!   [`ABSENT`](crate::backend::ssh::script::ABSENT)) is one too;
//! - any other write (a file rewritten, keys set inside a file) is a
//!   **change**;
//! - a file moved aside is a **move aside**;
//! - a command, or the activation lines of a control whose files are
//!   right but whose running state is not (activation-only), is a **run**:
//!   activation that merely follows written files is part of those writes
//!   and not counted again;
//! - an API call (provider-scoped controls) is an **API call**.
//!
//! Drifting findings that name no selected change are counted apart
//! ([`HostPlan::manual`]): apply does not fix them, so "No changes" is
//! never printed while such drift remains.

use serde::Serialize;

use crate::backend::ssh::script::ABSENT;
use crate::contract::{Change, ChangeId, Fix, Plan};
use crate::report::model::{HostStatus, Report, Status};

/// What one selected change does to the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Creates a file.
    Add,
    /// Rewrites a file or sets keys inside it.
    Change,
    /// Moves an unmanaged file aside.
    MoveAside,
    /// Runs a command or (activation-only) the activation lines.
    Run,
    /// Calls the provider's API.
    Api,
}

/// Counts of changes by [`Effect`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PlanCounts {
    /// Files created.
    pub add: usize,
    /// Files rewritten or edited key by key.
    pub change: usize,
    /// Files moved aside.
    pub move_aside: usize,
    /// Commands and activation-only runs.
    pub run: usize,
    /// API calls.
    pub api: usize,
}

impl PlanCounts {
    /// All changes counted.
    pub fn total(&self) -> usize {
        self.add + self.change + self.move_aside + self.run + self.api
    }

    /// Adds one effect.
    pub fn count(&mut self, e: Effect) {
        match e {
            Effect::Add => self.add += 1,
            Effect::Change => self.change += 1,
            Effect::MoveAside => self.move_aside += 1,
            Effect::Run => self.run += 1,
            Effect::Api => self.api += 1,
        }
    }

    /// Adds another set of counts.
    pub fn add_all(&mut self, o: &PlanCounts) {
        self.add += o.add;
        self.change += o.change;
        self.move_aside += o.move_aside;
        self.run += o.run;
        self.api += o.api;
    }

    /// The selected changes of one plan.
    pub fn of_plan(plan: &Plan) -> PlanCounts {
        let mut c = PlanCounts::default();
        for id in plan.selected() {
            if let Some(e) = classify(plan, id) {
                c.count(e);
            }
        }
        c
    }
}

/// What change `id` of `plan` does if apply carries it out; `None` for an
/// unknown id and for activation that follows other selected changes.
pub fn classify(plan: &Plan, id: ChangeId) -> Option<Effect> {
    Some(match plan.changes.get(usize::from(id.0))? {
        Change::Write(f) => match &f.unchanged_since {
            Some(h) if h == ABSENT => Effect::Add,
            Some(_) => Effect::Change,
            None if creates(plan, id) => Effect::Add,
            None => Effect::Change,
        },
        Change::MoveAside(_) => Effect::MoveAside,
        Change::Run(_) => Effect::Run,
        Change::Activate => {
            let alone = plan
                .selected_changes()
                .iter()
                .all(|c| matches!(c, Change::Activate));
            if !alone {
                return None;
            }
            Effect::Run
        }
        Change::Api(_) => Effect::Api,
    })
}

/// True when the file finding linked to write `id` says the host has no
/// such file (`contract::filecheck::file_finding`).
fn creates(plan: &Plan, id: ChangeId) -> bool {
    plan.findings.iter().any(|f| {
        f.fix == Fix::Change(id)
            && f.status == Status::Drift
            && f.check == "file"
            && f.actual == "absent"
    })
}

/// One checked host's counts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HostPlan {
    /// Host name.
    pub host: String,
    /// What apply would do there.
    #[serde(flatten)]
    pub counts: PlanCounts,
    /// Drifting checks that name no change: apply does not fix them.
    pub manual: usize,
}

impl HostPlan {
    /// The counts of a host's plans (one per control).
    pub fn of<'a>(host: &str, plans: impl IntoIterator<Item = &'a Plan>) -> HostPlan {
        let mut h = HostPlan {
            host: host.to_string(),
            ..HostPlan::default()
        };
        for p in plans {
            h.counts.add_all(&PlanCounts::of_plan(p));
            let selected = p.selected();
            h.manual += p
                .findings
                .iter()
                .filter(|f| f.status == Status::Drift)
                .filter(|f| !matches!(f.fix, Fix::Change(id) if selected.contains(&id)))
                .count();
        }
        h
    }
}

/// The counts of a whole `plan` run (the JSON report's `plan` field).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PlanSummary {
    /// Totals over all hosts.
    #[serde(flatten)]
    pub total: PlanCounts,
    /// Drifting checks apply does not fix, over all hosts.
    pub manual: usize,
    /// Hosts where apply would change something.
    pub hosts_changing: usize,
    /// Every host that could be checked, in report order.
    pub per_host: Vec<HostPlan>,
}

impl PlanSummary {
    /// Sums the hosts' counts.
    pub fn new(per_host: Vec<HostPlan>) -> PlanSummary {
        let mut s = PlanSummary::default();
        for h in &per_host {
            s.total.add_all(&h.counts);
            s.manual += h.manual;
            s.hosts_changing += usize::from(h.counts.total() > 0);
        }
        s.per_host = per_host;
        s
    }

    /// The summary line of `r` (a `plan` report):
    /// `Plan: 2 to add, 5 to change, 1 to move aside, 3 to run (on 4 of 6 hosts).`
    /// or `No changes. 6 hosts in sync.`; failed hosts and drift apply
    /// does not fix are named after a `;`.
    pub fn line(&self, r: &Report) -> String {
        let n = r.hosts.len();
        let failed = r
            .hosts
            .iter()
            .filter(|h| h.status == HostStatus::Failed)
            .count();
        let mut trouble = Vec::new();
        if failed > 0 {
            trouble.push(format!("{failed} of {n} hosts failed"));
        }
        if self.manual > 0 {
            trouble.push(format!(
                "{} drifting checks apply does not fix",
                self.manual
            ));
        }
        let t = &self.total;
        let head = if t.total() == 0 {
            if trouble.is_empty() {
                return format!("No changes. {n} hosts in sync.");
            }
            "No changes to apply".to_string()
        } else {
            let api = if t.api > 0 {
                format!(", {} API calls", t.api)
            } else {
                String::new()
            };
            format!(
                "Plan: {} to add, {} to change, {} to move aside, {} to run{api} (on {} of {n} hosts)",
                t.add, t.change, t.move_aside, t.run, self.hosts_changing
            )
        };
        if trouble.is_empty() {
            format!("{head}.")
        } else {
            format!("{head}; {}.", trouble.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{Facts, ManagedFile, Quarantine};
    use crate::report::model::{Finding, HostReport, FORMAT_VERSION};

    const T: &str = "TOM-test";

    /// A plan with one file of each kind: `/etc/new` absent on the host,
    /// `/etc/old` present with other content, `/etc/same` in sync.
    fn files() -> Plan {
        let mut facts = Facts::default();
        facts.set_file("/etc/old", "old\n", 0o600);
        facts.set_file("/etc/same", "same\n", 0o600);
        let mut p = Plan::new("c");
        for (path, want) in [
            ("/etc/new", "new\n"),
            ("/etc/old", "new\n"),
            ("/etc/same", "same\n"),
        ] {
            p.file(ManagedFile::root(path, want, 0o600, T), &facts.file(path));
        }
        p
    }

    fn report(hosts: Vec<HostReport>) -> Report {
        Report {
            format_version: FORMAT_VERSION,
            harden_version: "t",
            command: "plan",
            inventory: "i.toml".into(),
            started: "now".into(),
            duration_ms: 0,
            hosts,
            plan: None,
        }
    }

    fn host(name: &str, status: HostStatus) -> HostReport {
        HostReport {
            status,
            error: None,
            ..HostReport::failed(name, "10.0.0.1".into(), String::new(), 0)
        }
    }

    #[test]
    fn an_absent_file_is_an_add_a_different_one_a_change() {
        let p = files();
        let c = PlanCounts::of_plan(&p);
        assert_eq!(
            c,
            PlanCounts {
                add: 1,
                change: 1,
                ..PlanCounts::default()
            }
        );
        assert_eq!(classify(&p, ChangeId(0)), Some(Effect::Add));
        assert_eq!(classify(&p, ChangeId(1)), Some(Effect::Change));
        assert_eq!(classify(&p, ChangeId(9)), None, "unknown id");
    }

    #[test]
    fn key_level_edits_are_changes_unless_the_file_was_absent() {
        let mut p = Plan::new("c");
        let mut keyed = ManagedFile::root("/etc/login.defs", "PASS_MAX_DAYS 90\n", 0o644, T);
        keyed.unchanged_since = Some("0123abcd".into());
        let mut created = keyed.clone();
        created.path = "/etc/security/pwquality.conf".into();
        created.unchanged_since = Some(ABSENT.into());
        for k in [keyed, created] {
            let id = p.change(Change::Write(k));
            p.push(Finding::new("c", "key", "PASS_MAX_DAYS", T).drift(
                "90",
                "99999",
                Fix::Change(id),
            ));
        }
        assert_eq!(classify(&p, ChangeId(0)), Some(Effect::Change));
        assert_eq!(classify(&p, ChangeId(1)), Some(Effect::Add));
    }

    #[test]
    fn activation_counts_only_when_it_is_all_a_control_does() {
        let mut only = Plan::new("sshd");
        only.push(Finding::new("sshd", "live", "PermitRootLogin", T).compare(
            "no",
            "yes",
            Fix::Activate,
        ));
        only.push(Finding::new("sshd", "live", "X11Forwarding", T).compare(
            "no",
            "yes",
            Fix::Activate,
        ));
        assert_eq!(
            PlanCounts::of_plan(&only),
            PlanCounts {
                run: 1,
                ..PlanCounts::default()
            },
            "two findings, one activation"
        );
        let mut with_file = files();
        with_file.push(Finding::new("c", "live", "x", T).compare("on", "off", Fix::Activate));
        let act = with_file.activation();
        assert_eq!(classify(&with_file, act), None, "follows the writes");
        assert_eq!(PlanCounts::of_plan(&with_file).run, 0);
    }

    #[test]
    fn commands_moves_and_api_calls_are_counted_by_kind() {
        let mut p = Plan::new("c");
        let useradd = p.run("useradd alice");
        let unused = p.run("true");
        p.push(Finding::new("c", "account", "alice", T).drift(
            "present",
            "absent",
            Fix::Change(useradd),
        ));
        p.move_aside(
            Quarantine {
                path: "/etc/x.d/y".into(),
                tom: T,
            },
            None,
        );
        let call = crate::contract::api::ApiCall::new(
            crate::contract::api::Method::Put,
            "/v1/rules",
            None,
            "set rules",
        )
        .expect("valid call");
        let api = p.change(Change::Api(call));
        p.push(Finding::new("c", "rules", "fw", T).drift(
            "as rendered",
            "differs",
            Fix::Change(api),
        ));
        p.push(Finding::new("c", "live", "x", T).compare("on", "off", Fix::Activate));
        assert_eq!(
            classify(&p, unused),
            Some(Effect::Run),
            "a run, though not selected"
        );
        assert_eq!(
            PlanCounts::of_plan(&p),
            PlanCounts {
                move_aside: 1,
                run: 1,
                api: 1,
                ..PlanCounts::default()
            },
            "the unselected command and the activation after other changes are not counted"
        );
    }

    #[test]
    fn drift_without_a_change_is_counted_apart() {
        let mut p = Plan::new("c");
        p.push(Finding::new("c", "set", "maint", T).drift("readable", "unreadable", Fix::None));
        p.push(Finding::new("c", "x", "ok", T).ok("fine"));
        let h = HostPlan::of("web1", [&p]);
        assert_eq!((h.counts.total(), h.manual), (0, 1));
        let s = PlanSummary::new(vec![h]);
        let r = report(vec![host("web1", HostStatus::Drift)]);
        assert_eq!(
            s.line(&r),
            "No changes to apply; 1 drifting checks apply does not fix."
        );
    }

    #[test]
    fn the_line_sums_hosts_and_names_failures() {
        let a = HostPlan::of("a", [&files()]);
        let b = HostPlan::of("b", [&Plan::new("c")]);
        let mut sshd = Plan::new("sshd");
        sshd.push(Finding::new("sshd", "live", "k", T).compare("no", "yes", Fix::Activate));
        let c = HostPlan::of("c", [&files(), &sshd]);
        let s = PlanSummary::new(vec![a, b, c]);
        assert_eq!(s.total.total(), 5);
        assert_eq!(s.hosts_changing, 2);
        let mut hosts = vec![
            host("a", HostStatus::Drift),
            host("b", HostStatus::InSync),
            host("c", HostStatus::Drift),
        ];
        assert_eq!(
            s.line(&report(hosts.clone())),
            "Plan: 2 to add, 2 to change, 0 to move aside, 1 to run (on 2 of 3 hosts)."
        );
        hosts.push(host("d", HostStatus::Failed));
        assert_eq!(
            s.line(&report(hosts)),
            "Plan: 2 to add, 2 to change, 0 to move aside, 1 to run (on 2 of 4 hosts); 1 of 4 hosts failed."
        );
        let clean = PlanSummary::new(vec![HostPlan::of("b", [&Plan::new("c")])]);
        assert_eq!(
            clean.line(&report(vec![host("b", HostStatus::InSync)])),
            "No changes. 1 hosts in sync."
        );
        assert_eq!(
            clean.line(&report(vec![
                host("b", HostStatus::InSync),
                host("z", HostStatus::Failed)
            ])),
            "No changes to apply; 1 of 2 hosts failed."
        );
    }

    #[test]
    fn the_text_report_of_plan_ends_with_the_counts_and_json_carries_them() {
        let mut r = report(vec![host("a", HostStatus::Drift)]);
        r.plan = Some(PlanSummary::new(vec![HostPlan::of("a", [&files()])]));
        let mut out = Vec::new();
        crate::report::text::write(&r, false, &mut out).expect("write");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(
            text.ends_with(
                "\nPlan: 1 to add, 1 to change, 0 to move aside, 0 to run (on 1 of 1 hosts).\n"
            ),
            "{text}"
        );
        let j = serde_json::to_value(&r).expect("json");
        assert_eq!(j["plan"]["add"], 1);
        assert_eq!(j["plan"]["change"], 1);
        assert_eq!(j["plan"]["hosts_changing"], 1);
        assert_eq!(j["plan"]["per_host"][0]["host"], "a");
        assert_eq!(j["plan"]["per_host"][0]["add"], 1);
        assert_eq!(j["format_version"], 1);
        r.plan = None;
        r.command = "drift";
        let j = serde_json::to_value(&r).expect("json");
        assert!(j.get("plan").is_none(), "drift has no plan field");
    }
}
