//! A control's plan for one host: its findings and the changes that fix
//! them, linked by [`ChangeId`].
//!
//! The plan is the one result of checking: `plan` prints it, `drift`
//! reports its findings, `apply` carries out [`Plan::selected`] — exactly
//! the changes some drifting finding names, nothing found by matching
//! strings. Helpers add a change and its finding together ([`Plan::file`],
//! [`Plan::move_aside`]), so a change without a finding cannot be selected
//! and a finding cannot point at a change of another plan.

use crate::contract::filecheck::file_finding;
use crate::contract::{Change, ChangeId, FileFact, Fix, ManagedFile, Quarantine};
use crate::report::model::{Finding, Status};

/// Everything a control found and would do on one host.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// The control's id.
    pub control: &'static str,
    /// Every check's result.
    pub findings: Vec<Finding>,
    /// Changes; a [`ChangeId`] is an index into this list.
    pub changes: Vec<Change>,
    /// Shell lines that make the files effective (reload, load rules).
    /// They run after the swap whenever any change of the plan is carried
    /// out, and again after a rollback restored files.
    pub activate: Vec<String>,
    /// Activation can cut harden off: arm an automatic rollback first and
    /// confirm with a fresh connection.
    pub guard: bool,
    /// Problems that make applying unsafe (e.g. harden's own address would
    /// be blocked); apply refuses the control while any is present.
    pub preflight: Vec<String>,
    /// Remarks for the operator (e.g. which crypto table was used).
    pub notes: Vec<String>,
    activation: Option<ChangeId>,
    /// Writes of files the host does not have yet.
    creates: Vec<ChangeId>,
}

impl Plan {
    /// An empty plan for `control`.
    pub fn new(control: &'static str) -> Self {
        Plan {
            control,
            ..Default::default()
        }
    }

    /// Adds a change; returns its id.
    pub fn change(&mut self, c: Change) -> ChangeId {
        self.changes.push(c);
        ChangeId(u16::try_from(self.changes.len() - 1).unwrap_or(u16::MAX))
    }

    /// The change "run the activation lines" (one per plan).
    pub fn activation(&mut self) -> ChangeId {
        if let Some(id) = self.activation {
            return id;
        }
        let id = self.change(Change::Activate);
        self.activation = Some(id);
        id
    }

    /// A command run inside the guarded activation.
    pub fn run(&mut self, cmd: impl Into<String>) -> ChangeId {
        self.change(Change::Run(cmd.into()))
    }

    /// Adds a finding; `Fix::Activate` is resolved to the plan's
    /// activation change.
    pub fn push(&mut self, mut f: Finding) {
        if f.fix == Fix::Activate {
            f.fix = Fix::Change(self.activation());
        }
        f.control = self.control;
        self.findings.push(f);
    }

    /// Adds findings (see [`Plan::push`]).
    pub fn extend(&mut self, fs: impl IntoIterator<Item = Finding>) {
        for f in fs {
            self.push(f);
        }
    }

    /// A file the control owns: the write change and the finding that
    /// compares it with what the host has.
    pub fn file(&mut self, want: ManagedFile, have: &FileFact) -> ChangeId {
        let mut f = file_finding(self.control, &want, have);
        let id = self.change(Change::Write(want));
        if !have.present {
            self.creates.push(id);
        }
        if f.status == Status::Drift {
            f.fix = Fix::Change(id);
        }
        self.findings.push(f);
        id
    }

    /// An unmanaged file to move aside, with the control's own finding
    /// about it (or a generic one).
    pub fn move_aside(&mut self, q: Quarantine, finding: Option<Finding>) -> ChangeId {
        let mut f = finding.unwrap_or_else(|| {
            Finding::new(self.control, "unmanaged-file", q.path.clone(), q.tom)
                .drift("absent", "present", Fix::None)
                .with_message(
                    "not managed by harden here; apply moves it to /var/lib/harden/quarantine",
                )
        });
        let id = self.change(Change::MoveAside(q));
        f.status = Status::Drift;
        f.fix = Fix::Change(id);
        self.push(f);
        id
    }

    /// True when change `id` writes a file the host does not have yet.
    pub fn creates(&self, id: ChangeId) -> bool {
        self.creates.contains(&id)
    }

    /// Marks write `id` as creating its file (key-level writes of an absent
    /// file).
    pub(crate) fn mark_created(&mut self, id: ChangeId) {
        self.creates.push(id);
    }

    /// The change a finding names, if any.
    pub fn change_of(&self, f: &Finding) -> Option<&Change> {
        match f.fix {
            Fix::Change(ChangeId(i)) => self.changes.get(usize::from(i)),
            _ => None,
        }
    }

    /// Ids of the changes some drifting finding names, in plan order.
    pub fn selected(&self) -> Vec<ChangeId> {
        let mut ids: Vec<ChangeId> = self
            .findings
            .iter()
            .filter(|f| f.status == Status::Drift)
            .filter_map(|f| match f.fix {
                Fix::Change(id) if usize::from(id.0) < self.changes.len() => Some(id),
                _ => None,
            })
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// The selected changes themselves.
    pub fn selected_changes(&self) -> Vec<&Change> {
        self.selected()
            .into_iter()
            .filter_map(|ChangeId(i)| self.changes.get(usize::from(i)))
            .collect()
    }

    /// True when apply has something to do.
    pub fn needs_apply(&self) -> bool {
        !self.selected().is_empty()
    }

    /// Every file the plan writes (selected or not).
    pub fn files(&self) -> impl Iterator<Item = &ManagedFile> {
        self.changes.iter().filter_map(|c| match c {
            Change::Write(f) => Some(f),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::Facts;

    #[test]
    fn only_changes_named_by_drifting_findings_are_selected() {
        let mut p = Plan::new("c");
        let mut facts = Facts::default();
        facts.set_file("/etc/a", "same\n", 0o600);
        let a = p.file(
            ManagedFile::root("/etc/a", "same\n", 0o600, "T"),
            &facts.file("/etc/a"),
        );
        let b = p.file(
            ManagedFile::root("/etc/b", "new\n", 0o600, "T"),
            &facts.file("/etc/b"),
        );
        let unused = p.run("true");
        p.push(Finding::new("c", "live", "x", "T").compare("on", "off", Fix::Activate));
        let act = p.activation();
        assert_eq!(p.selected(), vec![b, act]);
        assert!(!p.selected().contains(&a) && !p.selected().contains(&unused));
        assert!(p.needs_apply());
        let mut clean = Plan::new("c");
        clean.push(Finding::new("c", "live", "x", "T").compare("on", "on", Fix::Activate));
        assert!(!clean.needs_apply(), "an in-sync finding selects nothing");
    }

    #[test]
    fn moved_aside_files_are_drift_linked_to_their_change() {
        let mut p = Plan::new("c");
        let id = p.move_aside(
            Quarantine {
                path: "/etc/x.d/y".into(),
                tom: "T",
            },
            None,
        );
        assert_eq!(p.findings[0].fix, Fix::Change(id));
        assert_eq!(p.findings[0].check, "unmanaged-file");
        assert!(matches!(
            p.change_of(&p.findings[0]),
            Some(Change::MoveAside(_))
        ));
    }
}
