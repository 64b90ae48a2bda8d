//! The evidence report (`harden report`): per TOM measure, its status on
//! every host of a drift run, with what was read, by which probe and
//! when, and the measures outside harden's reach.
//!
//! [`saved::Run`] is the one input: a fresh drift's report goes through
//! the same JSON form a saved `harden drift --format json` file has, so
//! both give the same evidence. [`build::build`] applies the status rules
//! (documented in docs/report.md); `json`, `md` and `html` write it. The
//! JSON field names are a contract (`report_format_version`).

pub mod build;
mod cell;
pub mod html;
pub mod md;
pub mod saved;

#[cfg(test)]
mod reads_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod warning_tests;
#[cfg(test)]
mod writers_tests;

use serde::Serialize;

pub use build::build;

/// Version of the evidence JSON (bumped when a field changes meaning).
pub const REPORT_FORMAT_VERSION: u32 = 1;

/// A measure's status on one host, or over all hosts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum CellStatus {
    /// Every check of the measure on the host is in sync.
    Holds,
    /// Some check of the measure drifts.
    Drifts,
    /// harden could not tell (host unreachable, check failed, no check).
    NotChecked,
    /// Nothing serving the measure applies to the host.
    NotApplicable,
}

impl CellStatus {
    /// The word printed in badges and tables.
    pub fn label(self) -> &'static str {
        match self {
            CellStatus::Holds => "holds",
            CellStatus::Drifts => "drifts",
            CellStatus::NotChecked => "not checked",
            CellStatus::NotApplicable => "not applicable",
        }
    }
}

/// The whole evidence report.
#[derive(Clone, Debug, Serialize)]
pub struct Evidence {
    /// [`REPORT_FORMAT_VERSION`].
    pub report_format_version: u32,
    /// The harden that wrote this report.
    pub harden_version: String,
    /// The drift run the evidence is drawn from.
    pub run: RunInfo,
    /// What an auditor reads first.
    pub summary: Summary,
    /// Every measure harden checks or could check, in TOM order.
    pub measures: Vec<Measure>,
    /// Organisational and provider measures: outside harden's reach.
    pub outside: Vec<Outside>,
    /// The hosts of the run.
    pub hosts: Vec<HostInfo>,
}

/// Where and when the evidence was read.
#[derive(Clone, Debug, Serialize)]
pub struct RunInfo {
    /// `fresh` (this command ran the drift) or `saved` (`--from`).
    pub source: String,
    /// The harden that ran the drift.
    pub harden_version: String,
    /// Start of the drift run (RFC 3339, UTC).
    pub started: String,
    /// Wall time of the drift run.
    pub duration_ms: u64,
    /// Inventory path as the run named it.
    pub inventory: String,
    /// SHA-256 of the inventory file (hex).
    pub inventory_sha256: String,
}

/// The one-minute view.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// Measures in [`Evidence::measures`].
    pub measures: usize,
    /// Of those: holding on every host they apply to.
    pub holding: usize,
    /// Drifting on at least one host.
    pub drifting: usize,
    /// Not drifting, but not checked on at least one host.
    pub not_checked: usize,
    /// Applying to no host of the run.
    pub not_applicable: usize,
    /// Measures in [`Evidence::outside`].
    pub outside: usize,
    /// The drifting measures with their drifting hosts.
    pub drifting_measures: Vec<Drifting>,
    /// Hosts that could not be checked, with why.
    pub unreachable_hosts: Vec<HostInfo>,
}

/// A drifting measure and where.
#[derive(Clone, Debug, Serialize)]
pub struct Drifting {
    /// Measure id.
    pub tom: String,
    /// Its title.
    pub title: String,
    /// Hosts where it drifts.
    pub hosts: Vec<String>,
}

/// One measure's row.
#[derive(Clone, Debug, Serialize)]
pub struct Measure {
    /// Measure id (`TOM-1.2-ports`).
    pub tom: String,
    /// `1.2 System access control`.
    pub section: String,
    /// What it promises.
    pub title: String,
    /// `T`, `O`, `P` or `T/O`.
    pub kind: String,
    /// Over all hosts: drifts > not-checked > holds > not-applicable.
    pub status: CellStatus,
    /// Controls and policy rules that serve it (docs/tom.md).
    pub checked_by: Vec<String>,
    /// A remark (no check yet, policy warnings, organisational part).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// One cell per host of the run.
    pub hosts: Vec<Cell>,
}

/// A measure on one host.
#[derive(Clone, Debug, Serialize)]
pub struct Cell {
    /// Host name.
    pub host: String,
    /// Status by the rules of docs/report.md.
    pub status: CellStatus,
    /// Why, in one line.
    pub reason: String,
    /// The findings of the measure on the host.
    pub findings: Vec<Item>,
    /// What the serving controls read on the host, by probe.
    pub probes: Vec<ProbeUse>,
    /// What the serving provider-scoped controls read at the provider's
    /// API for the host.
    pub api_reads: Vec<ApiReadUse>,
}

/// One provider API read a serving control made for the host.
#[derive(Clone, Debug, Serialize)]
pub struct ApiReadUse {
    /// Control id.
    pub control: String,
    /// Provider API (`hcloud`, `otc-vpc`, `otc-evs`, `otc-ecs`, `otc-kms`).
    pub service: String,
    /// `GET`.
    pub method: String,
    /// Path template (query values as `*`, `{project_id}` unfilled).
    pub path: String,
    /// Pages read.
    pub pages: u32,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Answered from the same host's earlier read of the path in the run.
    pub cached: bool,
}

/// One finding as evidence.
#[derive(Clone, Debug, Serialize)]
pub struct Item {
    /// Control id.
    pub control: String,
    /// Check kind.
    pub check: String,
    /// What was checked.
    pub item: String,
    /// `in-sync`, `drift`, `failed`, `info`, `changed`.
    pub status: String,
    /// Desired value.
    pub expected: String,
    /// Observed value.
    pub actual: String,
    /// Explanation, when the finding had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The probes one control ran on the host.
#[derive(Clone, Debug, Serialize)]
pub struct ProbeUse {
    /// Control id.
    pub control: String,
    /// Probe labels (`file:/etc/…`, `cmd:<id>`, …).
    pub probes: Vec<String>,
}

/// A measure outside harden's reach.
#[derive(Clone, Debug, Serialize)]
pub struct Outside {
    /// Measure id.
    pub tom: String,
    /// Its section.
    pub section: String,
    /// What it promises.
    pub title: String,
    /// `O` or `P`.
    pub kind: String,
    /// Who makes it true, and what harden contributes if anything.
    pub note: String,
}

/// One host of the run.
#[derive(Clone, Debug, Serialize)]
pub struct HostInfo {
    /// Host name.
    pub host: String,
    /// Address connected to.
    pub address: String,
    /// The drift run's host status (`in-sync`, `drift`, `failed`, …).
    pub status: String,
    /// Why it failed, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Wall time the host took.
    pub duration_ms: u64,
    /// When harden began reading the host (RFC 3339, UTC), when the
    /// drift run recorded it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    /// When its last read ended, likewise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished: Option<String>,
}

impl HostInfo {
    /// When the host was read, in words: `from … to …`, or for a run that
    /// did not record it, within `duration_ms` of the run's start.
    pub fn when(&self, run_started: &str) -> String {
        match (&self.started, &self.finished) {
            (Some(a), Some(b)) if a == b => format!("read at {a}"),
            (Some(a), Some(b)) => format!("read from {a} to {b}"),
            _ => format!(
                "read within {} ms of the run's start {run_started}",
                self.duration_ms
            ),
        }
    }
}

impl Evidence {
    /// 1 when a host could not be checked, else 2 when a measure drifts,
    /// else 0 (the order `drift` uses).
    pub fn exit_code(&self) -> u8 {
        if !self.summary.unreachable_hosts.is_empty() {
            1
        } else if self.summary.drifting > 0 {
            2
        } else {
            0
        }
    }

    /// The measures that apply on `host`, each with its cell there, in
    /// measure order: what the writers list under "Evidence per host".
    pub fn cells_of<'a>(&'a self, host: &'a str) -> impl Iterator<Item = (&'a Measure, &'a Cell)> {
        self.measures.iter().filter_map(move |m| {
            m.hosts
                .iter()
                .find(|c| c.host == host)
                .filter(|c| c.status != CellStatus::NotApplicable)
                .map(|c| (m, c))
        })
    }
}

/// One API read in words: `otc-evs GET /v2/{project_id}/cloudvolumes/detail,
/// 1 page, at 2026-12-02T03:00:04Z` (`, answered by the earlier read` when
/// cached).
pub fn api_read_line(a: &ApiReadUse) -> String {
    format!(
        "{} {} {}, {} page{}, at {}{}",
        a.service,
        a.method,
        a.path,
        a.pages,
        if a.pages == 1 { "" } else { "s" },
        a.at,
        if a.cached {
            ", answered by the run's earlier read"
        } else {
            ""
        }
    )
}

/// Writes the evidence as pretty JSON and a newline.
pub fn write_json(e: &Evidence, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, e).map_err(std::io::Error::other)?;
    writeln!(w)
}
