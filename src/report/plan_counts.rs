//! `plan`'s Terraform-style counts: what apply would do, per host and in
//! total, computed from the plans' selected changes (never from report
//! strings).
//!
//! Each selected change is one [`Effect`]:
//! - a whole-file write of a file the host does not have is an **add**;
//!   a key-level edit of a file that was absent when read
//!   ([`ManagedFile::unchanged_since`] is
//!   [`ABSENT`](crate::contract::plan_keys::ABSENT)) is one too;
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
        Change::Write(_) if plan.creates(id) => Effect::Add,
        Change::Write(_) => Effect::Change,
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
