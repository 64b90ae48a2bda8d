//! The evidence report's one input: a drift run in its JSON form
//! (docs/reports.md), read from a saved `harden drift --format json`
//! file or converted from a fresh run's report through the same JSON.
//!
//! A saved file is hostile: its size is bounded, every string is checked
//! (length, control characters), every host and finding is checked
//! against the format, and an error names the file and the field.

use std::io::Read;
use std::path::Path;

use serde::Deserialize;

use crate::report::model::{self, HostStatus, ProbeRecord, Status};
use crate::report::reads::{ApiRead, HostTime};

/// The largest drift JSON read.
pub const MAX_BYTES: u64 = 32 << 20;
const MAX_STRING: usize = 64 << 10;
const MAX_HOSTS: usize = 10_000;
const MAX_FINDINGS: usize = 200_000;

/// A drift run.
#[derive(Clone, Debug, Deserialize)]
pub struct Run {
    /// Must be [`model::FORMAT_VERSION`].
    pub format_version: u32,
    /// The harden that ran it.
    pub harden_version: String,
    /// Must be `drift`.
    pub command: String,
    /// Inventory path.
    pub inventory: String,
    /// Inventory hash (empty in files of older harden versions).
    #[serde(default)]
    pub inventory_sha256: String,
    /// Start (RFC 3339).
    pub started: String,
    /// Wall time.
    pub duration_ms: u64,
    /// Hosts.
    pub hosts: Vec<RunHost>,
    /// Probes per host and control (empty in older files).
    #[serde(default)]
    pub probes: Vec<ProbeRecord>,
    /// Provider API reads per host and control (empty in older files).
    #[serde(default)]
    pub api_reads: Vec<ApiRead>,
    /// When each host was read (empty in older files).
    #[serde(default)]
    pub host_times: Vec<HostTime>,
}

/// One host of a run.
#[derive(Clone, Debug, Deserialize)]
pub struct RunHost {
    /// Name.
    pub host: String,
    /// Address.
    pub address: String,
    /// Outcome.
    pub status: HostStatus,
    /// Why it failed.
    #[serde(default)]
    pub error: Option<String>,
    /// Checks.
    pub findings: Vec<RunFinding>,
    /// Wall time.
    pub duration_ms: u64,
}

/// One finding of a run.
#[derive(Clone, Debug, Deserialize)]
pub struct RunFinding {
    /// Host.
    pub host: String,
    /// Control id.
    pub control: String,
    /// Check kind.
    pub check: String,
    /// Item.
    pub item: String,
    /// Outcome.
    pub status: Status,
    /// Desired.
    #[serde(default)]
    pub expected: String,
    /// Observed.
    #[serde(default)]
    pub actual: String,
    /// Measure id.
    pub tom: String,
    /// Explanation.
    #[serde(default)]
    pub message: Option<String>,
}

impl Run {
    /// A fresh run's report, through its JSON form.
    pub fn from_report(r: &model::Report) -> Result<Run, String> {
        let v = serde_json::to_value(r).map_err(|e| e.to_string())?;
        let run: Run = serde_json::from_value(v).map_err(|e| e.to_string())?;
        run.validate()?;
        Ok(run)
    }

    /// Parses and validates drift JSON text.
    pub fn parse(text: &str) -> Result<Run, String> {
        let run: Run = serde_json::from_str(text).map_err(|e| e.to_string())?;
        run.validate()?;
        Ok(run)
    }

    /// Reads a saved drift JSON file (at most [`MAX_BYTES`]).
    pub fn read(path: &Path) -> anyhow::Result<Run> {
        let name = path.display();
        let f = std::fs::File::open(path).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        let mut buf = Vec::new();
        f.take(MAX_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        if buf.len() as u64 > MAX_BYTES {
            anyhow::bail!("{name}: larger than {MAX_BYTES} bytes: not a drift report");
        }
        let text = String::from_utf8(buf).map_err(|_| anyhow::anyhow!("{name}: not UTF-8"))?;
        Run::parse(&text).map_err(|e| anyhow::anyhow!("{name}: {e}"))
    }

    /// Checks everything the evidence relies on; the error names the field.
    pub fn validate(&self) -> Result<(), String> {
        if self.format_version != model::FORMAT_VERSION {
            return Err(format!(
                "format_version: {} is not a version this harden knows ({})",
                self.format_version,
                model::FORMAT_VERSION
            ));
        }
        if self.command != "drift" {
            return Err(format!(
                "command: {:?}: the evidence is drawn from a `drift` run only",
                short(&self.command)
            ));
        }
        word("harden_version", &self.harden_version)?;
        text("inventory", &self.inventory)?;
        if !(self.inventory_sha256.is_empty()
            || (self.inventory_sha256.len() == 64
                && self.inventory_sha256.bytes().all(|b| b.is_ascii_hexdigit())))
        {
            return Err("inventory_sha256: not 64 hex digits".into());
        }
        time("started", &self.started)?;
        if self.hosts.len() > MAX_HOSTS {
            return Err(format!("hosts: more than {MAX_HOSTS}"));
        }
        let total: usize = self.hosts.iter().map(|h| h.findings.len()).sum();
        if total > MAX_FINDINGS
            || self.probes.len() > MAX_FINDINGS
            || self.api_reads.len() > MAX_FINDINGS
            || self.host_times.len() > MAX_HOSTS
        {
            return Err(format!("findings or probes: more than {MAX_FINDINGS}"));
        }
        for (i, h) in self.hosts.iter().enumerate() {
            let at = |f: &str| format!("hosts[{i}].{f}");
            word(&at("host"), &h.host)?;
            word(&at("address"), &h.address)?;
            if let Some(e) = &h.error {
                text(&at("error"), e)?;
            }
            if self.hosts[..i].iter().any(|o| o.host == h.host) {
                return Err(format!("{}: {:?} twice", at("host"), short(&h.host)));
            }
            for (j, f) in h.findings.iter().enumerate() {
                let at = |k: &str| format!("hosts[{i}].findings[{j}].{k}");
                if f.host != h.host {
                    return Err(format!("{}: not the host it is listed under", at("host")));
                }
                word(&at("control"), &f.control)?;
                word(&at("check"), &f.check)?;
                line(&at("item"), &f.item)?;
                text(&at("expected"), &f.expected)?;
                text(&at("actual"), &f.actual)?;
                if let Some(m) = &f.message {
                    text(&at("message"), m)?;
                }
                if crate::tom::find(&f.tom).is_none() {
                    return Err(format!(
                        "{}: {:?} is no TOM measure",
                        at("tom"),
                        short(&f.tom)
                    ));
                }
            }
        }
        for (i, p) in self.probes.iter().enumerate() {
            let at = |k: &str| format!("probes[{i}].{k}");
            word(&at("host"), &p.host)?;
            word(&at("control"), &p.control)?;
            for (j, l) in p.probes.iter().enumerate() {
                line(&at(&format!("probes[{j}]")), l)?;
            }
        }
        self.validate_reads()
    }

    /// The API reads and host times: each names a host of the run.
    fn validate_reads(&self) -> Result<(), String> {
        let known = |field: String, host: &str| {
            word(&field, host)?;
            if self.hosts.iter().any(|h| h.host == host) {
                Ok(())
            } else {
                Err(format!("{field}: {:?} is no host of the run", short(host)))
            }
        };
        for (i, r) in self.api_reads.iter().enumerate() {
            let at = |k: &str| format!("api_reads[{i}].{k}");
            known(at("host"), &r.host)?;
            word(&at("control"), &r.control)?;
            if !service_known(&r.service) {
                return Err(format!(
                    "{}: {:?} is no provider API",
                    at("service"),
                    short(&r.service)
                ));
            }
            let post_read = r.method == "POST"
                && crate::contract::api::is_post_read(service_named(&r.service), &r.path);
            if r.method != "GET" && !post_read {
                return Err(format!(
                    "{}: a provider read is a GET, or a POST the API documents as a read",
                    at("method")
                ));
            }
            line(&at("path"), &r.path)?;
            if !r.path.starts_with('/') || r.path.len() > crate::contract::api::MAX_PATH {
                return Err(format!("{}: not an API path", at("path")));
            }
            if r.pages == 0 || r.pages > MAX_PAGES {
                return Err(format!("{}: not 1 to {MAX_PAGES}", at("pages")));
            }
            time(&at("at"), &r.at)?;
        }
        for (i, t) in self.host_times.iter().enumerate() {
            let at = |k: &str| format!("host_times[{i}].{k}");
            known(at("host"), &t.host)?;
            time(&at("started"), &t.started)?;
            time(&at("finished"), &t.finished)?;
            if self.host_times[..i].iter().any(|o| o.host == t.host) {
                return Err(format!("{}: {:?} twice", at("host"), short(&t.host)));
            }
        }
        Ok(())
    }
}

/// True when `name` is a provider API ([`crate::contract::api::Service`]).
fn service_known(name: &str) -> bool {
    service_named(name).is_some()
}

/// The provider API named `name`.
fn service_named(name: &str) -> Option<crate::contract::api::Service> {
    use crate::contract::api::Service::*;
    [Hcloud, OtcVpc, OtcEvs, OtcEcs, OtcKms]
        .into_iter()
        .find(|s| s.as_str() == name)
}

/// The most pages one read may have followed (the clients' own caps are
/// lower).
const MAX_PAGES: u32 = 10_000;

/// An RFC 3339 time as harden writes it (digits, `-:TZ.+`, at most 40).
fn time(field: &str, s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > 40 || !s.bytes().all(|b| b"0123456789-:TZ.+".contains(&b)) {
        return Err(format!("{field}: not an RFC 3339 time"));
    }
    Ok(())
}

fn short(s: &str) -> String {
    s.chars().take(60).collect()
}

/// Free text: bounded; tab and newline are the only control characters.
fn text(field: &str, s: &str) -> Result<(), String> {
    if s.len() > MAX_STRING {
        return Err(format!("{field}: longer than {MAX_STRING} bytes"));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(format!("{field}: contains a control character"));
    }
    Ok(())
}

/// One line: no control character at all.
fn line(field: &str, s: &str) -> Result<(), String> {
    text(field, s)?;
    if s.contains(['\n', '\t']) {
        return Err(format!("{field}: contains a control character"));
    }
    Ok(())
}

/// A name: one non-empty line.
fn word(field: &str, s: &str) -> Result<(), String> {
    line(field, s)?;
    if s.trim().is_empty() {
        return Err(format!("{field}: empty"));
    }
    Ok(())
}
