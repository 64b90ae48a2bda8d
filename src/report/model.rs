//! The report model every output format is drawn from.
//!
//! A [`Finding`] is one typed check on one host: what was expected, what was
//! found, and the TOM measure it protects. Findings are data, never errors:
//! a host that could not be checked gets a [`HostReport::error`] instead.
//! JSON output serialises these types directly, so field names here are the
//! documented contract (`format_version` bumps when one changes meaning).

use serde::{Deserialize, Serialize};

/// Version of the JSON report format.
pub const FORMAT_VERSION: u32 = 1;

/// The state of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Observed equals desired.
    InSync,
    /// Observed differs from desired (nothing was changed).
    Drift,
    /// It differed and harden changed it.
    Changed,
    /// It could not be checked or changed.
    Failed,
    /// Worth knowing, not a violation (e.g. an open maintenance window).
    Info,
}

impl Status {
    /// The symbol used in text output.
    pub fn symbol(&self) -> &'static str {
        match self {
            Status::InSync => " ",
            Status::Drift => "~",
            Status::Changed => "+",
            Status::Failed => "!",
            Status::Info => "i",
        }
    }
}

/// Names one change of a control's plan (an index into
/// `Plan::changes`): a drifting finding points at the change that fixes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChangeId(pub u16);

/// What `apply` can do about a drifting finding.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Fix {
    /// Nothing (report only).
    #[default]
    None,
    /// Run the control's activation (reload, re-load rules): the plan
    /// resolves it to its activation change when the finding is added.
    Activate,
    /// This change of the control's plan.
    Change(ChangeId),
}

/// One typed check on one host.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// Host name.
    pub host: String,
    /// Control id (`firewall`, `sshd`, …).
    pub control: &'static str,
    /// Check kind (`file`, `sshd-effective`, `nft-table`, …).
    pub check: &'static str,
    /// The item checked (a path, a setting, a port).
    pub item: String,
    /// Outcome.
    pub status: Status,
    /// Desired value (short form).
    pub expected: String,
    /// Observed value (short form).
    pub actual: String,
    /// TOM measure protected.
    pub tom: &'static str,
    /// Unified diff for content checks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    /// Human explanation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// How apply repairs it.
    #[serde(skip)]
    pub fix: Fix,
}

impl Finding {
    /// A new finding; `host` is filled in by the engine.
    pub fn new(
        control: &'static str,
        check: &'static str,
        item: impl Into<String>,
        tom: &'static str,
    ) -> Self {
        // The unit tests use made-up kinds; the binary (and so every lab
        // test) refuses one the contract does not list.
        debug_assert!(
            cfg!(test) || super::checks::known(check),
            "check kind {check:?} is not in report::checks::KINDS: add it there and a row to docs/reports.md"
        );
        Finding {
            host: String::new(),
            control,
            check,
            item: item.into(),
            status: Status::InSync,
            expected: String::new(),
            actual: String::new(),
            tom,
            diff: None,
            message: None,
            fix: Fix::None,
        }
    }

    /// Sets expected and actual and derives the status from their equality.
    pub fn compare(
        mut self,
        expected: impl Into<String>,
        actual: impl Into<String>,
        fix: Fix,
    ) -> Self {
        self.expected = expected.into();
        self.actual = actual.into();
        if self.expected == self.actual {
            self.status = Status::InSync;
        } else {
            self.status = Status::Drift;
            self.fix = fix;
        }
        self
    }

    /// Marks the finding as drift with a fix.
    pub fn drift(
        mut self,
        expected: impl Into<String>,
        actual: impl Into<String>,
        fix: Fix,
    ) -> Self {
        self.expected = expected.into();
        self.actual = actual.into();
        self.status = Status::Drift;
        self.fix = fix;
        self
    }

    /// Marks the finding as in sync.
    pub fn ok(mut self, value: impl Into<String>) -> Self {
        let v = value.into();
        self.expected = v.clone();
        self.actual = v;
        self.status = Status::InSync;
        self
    }

    /// Marks the finding as information.
    pub fn info(mut self, message: impl Into<String>) -> Self {
        self.status = Status::Info;
        self.message = Some(message.into());
        self
    }

    /// Marks the finding as failed.
    pub fn failed(mut self, message: impl Into<String>) -> Self {
        self.status = Status::Failed;
        self.message = Some(message.into());
        self
    }

    /// Adds an explanation.
    pub fn with_message(mut self, m: impl Into<String>) -> Self {
        self.message = Some(m.into());
        self
    }

    /// Adds a diff.
    pub fn with_diff(mut self, d: Option<String>) -> Self {
        self.diff = d;
        self
    }
}

/// Overall state of one host after a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HostStatus {
    /// Nothing to do.
    InSync,
    /// Drift found (plan/drift).
    Drift,
    /// Changes applied and verified.
    Changed,
    /// A change cut harden off and was rolled back on the host.
    RolledBack,
    /// The host could not be checked or changed.
    Failed,
}

/// One host's part of a report.
#[derive(Clone, Debug, Serialize)]
pub struct HostReport {
    /// Host name.
    pub host: String,
    /// Address connected to.
    pub address: String,
    /// Outcome.
    pub status: HostStatus,
    /// Why the host failed, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Every check, in-sync ones included.
    pub findings: Vec<Finding>,
    /// Number of changes applied.
    pub changes_applied: usize,
    /// True when this run changed something on the host, also when a later
    /// step then failed or rolled back (`status` says how it ended).
    pub changed: bool,
    /// Wall time for this host.
    pub duration_ms: u64,
}

impl HostReport {
    /// A host that failed before any check could run.
    pub fn failed(host: &str, address: String, error: String, duration_ms: u64) -> Self {
        HostReport {
            host: host.to_string(),
            address,
            status: HostStatus::Failed,
            error: Some(error),
            findings: Vec::new(),
            changes_applied: 0,
            changed: false,
            duration_ms,
        }
    }

    /// True when this run changed the host: every host that counts as
    /// changed in a summary (text, JSON `changed`, JUnit `changed`).
    pub fn was_changed(&self) -> bool {
        self.status == HostStatus::Changed || self.changed
    }

    /// Makes `error` carry no host-name prefix of its own (the host is
    /// named once, by whoever prints it): removes leading `host: ` and any
    /// doubled `host: host: ` inside.
    pub fn normalise_error(&mut self) {
        if let Some(e) = self.error.take() {
            self.error = Some(without_host_prefix(&self.host, &e));
        }
    }
}

/// `msg` without leading `host: ` prefixes and with any doubled
/// `host: host: ` inside reduced to one.
pub fn without_host_prefix(host: &str, msg: &str) -> String {
    if host.is_empty() {
        return msg.to_string();
    }
    let p = format!("{host}: ");
    let twice = format!("{p}{p}");
    let mut s = msg.to_string();
    // Bounded: each pass shortens the string.
    while s.contains(&twice) {
        s = s.replace(&twice, &p);
    }
    let mut rest = s.as_str();
    while let Some(r) = rest.strip_prefix(&p) {
        rest = r;
    }
    rest.to_string()
}

/// `msg` with exactly one leading `host: `.
pub fn with_host_prefix(host: &str, msg: &str) -> String {
    format!("{host}: {}", without_host_prefix(host, msg))
}

impl HostReport {
    /// Findings with a given status.
    pub fn count(&self, s: Status) -> usize {
        self.findings.iter().filter(|f| f.status == s).count()
    }
}

/// The result of one `plan`, `drift` or `apply` run.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// JSON format version.
    pub format_version: u32,
    /// harden version.
    pub harden_version: &'static str,
    /// `plan`, `drift` or `apply`.
    pub command: &'static str,
    /// Inventory path.
    pub inventory: String,
    /// SHA-256 of the inventory file's text (hex); empty when unknown.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub inventory_sha256: String,
    /// Start time (RFC 3339, UTC).
    pub started: String,
    /// Wall time of the run.
    pub duration_ms: u64,
    /// Per-host results, in inventory order.
    pub hosts: Vec<HostReport>,
    /// `plan` only: what apply would do (see `plan_counts`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<super::plan_counts::PlanSummary>,
    /// What each host-scoped control asked its host for (`drift`, `plan`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub probes: Vec<ProbeRecord>,
    /// What each provider-scoped control read at its provider's API, per
    /// host (`drift`, `plan`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub api_reads: Vec<super::reads::ApiRead>,
    /// When each host was read (`drift`, `plan`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub host_times: Vec<super::reads::HostTime>,
}

/// The probes one control had the engine run on one host, each as a
/// label (`file:/etc/ssh/sshd_config`, `dir:…`, `cmd:<id>`, `tls:…`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeRecord {
    /// Host name.
    pub host: String,
    /// Control id.
    pub control: String,
    /// Probe labels, sorted.
    pub probes: Vec<String>,
}

/// The SHA-256 of `text` as lowercase hex.
pub fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Report {
    /// Exit code: 0 clean or applied, 2 drift found, 1 any error.
    pub fn exit_code(&self) -> u8 {
        if self
            .hosts
            .iter()
            .any(|h| matches!(h.status, HostStatus::Failed | HostStatus::RolledBack))
        {
            1
        } else if self.hosts.iter().any(|h| h.status == HostStatus::Drift) {
            2
        } else {
            0
        }
    }

    /// All findings of all hosts.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.hosts.iter().flat_map(|h| h.findings.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(status: HostStatus) -> HostReport {
        HostReport {
            status,
            ..HostReport::failed("h", "10.0.0.1".into(), String::new(), 0)
        }
    }

    #[test]
    fn exit_codes_follow_the_worst_host() {
        let mut r = Report {
            format_version: FORMAT_VERSION,
            harden_version: "t",
            command: "drift",
            inventory: "i".into(),
            inventory_sha256: String::new(),
            started: "now".into(),
            duration_ms: 0,
            hosts: vec![host(HostStatus::InSync)],
            plan: None,
            probes: Vec::new(),
            api_reads: Vec::new(),
            host_times: Vec::new(),
        };
        assert_eq!(r.exit_code(), 0);
        r.hosts.push(host(HostStatus::Drift));
        assert_eq!(r.exit_code(), 2);
        r.hosts.push(host(HostStatus::Failed));
        assert_eq!(r.exit_code(), 1);
        r.hosts = vec![host(HostStatus::Changed)];
        assert_eq!(r.exit_code(), 0);
        r.hosts = vec![host(HostStatus::RolledBack)];
        assert_eq!(r.exit_code(), 1);
    }

    #[test]
    fn compare_sets_status_and_fix() {
        let f = Finding::new("sshd", "x", "k", "TOM").compare("no", "yes", Fix::Activate);
        assert_eq!((f.status, f.fix), (Status::Drift, Fix::Activate));
        let f = Finding::new("sshd", "x", "k", "TOM").compare("no", "no", Fix::Activate);
        assert_eq!((f.status, f.fix), (Status::InSync, Fix::None));
    }
}
