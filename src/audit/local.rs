//! Checking the local log as a whole: its chain, and that it still reaches
//! its anchor file and, when given, the anchor management received.

use std::path::{Path, PathBuf};

use super::anchor::{anchor_path, read_anchor, Anchor};
use super::log::read_locked;
use super::tail::{check_found, AnchorIssue, Found};
use super::verify::{verify_bytes, VerifyReport};
use super::AuditError;

/// Which anchor an [`AnchorIssue`] is measured against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnchorSource {
    /// The anchor file next to the log.
    File(PathBuf),
    /// One given by the operator (`--anchor SEQ:HASH`).
    Given,
}

/// The result of [`check_local`].
#[derive(Debug, Clone)]
pub struct LocalReport {
    /// The log.
    pub path: PathBuf,
    /// Whether the log file exists.
    pub exists: bool,
    /// The chain check (empty when there is no log).
    pub chain: VerifyReport,
    /// The anchor file's content, when there is one and it can be read.
    pub anchor: Option<Anchor>,
    /// Disagreements with the anchors.
    pub issues: Vec<(AnchorSource, AnchorIssue)>,
}

impl LocalReport {
    /// True when the chain is intact and the log reaches every anchor.
    pub fn is_ok(&self) -> bool {
        self.chain.is_ok() && self.issues.is_empty()
    }

    /// The report for people, one line each, without the path.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.exists {
            out.extend(self.chain.to_string().lines().map(str::to_string));
        } else {
            out.push("no audit log".into());
        }
        for (src, issue) in &self.issues {
            out.push(match src {
                AnchorSource::File(p) => format!("anchor {}: {issue}", p.display()),
                AnchorSource::Given => format!("--anchor: {issue}"),
            });
        }
        if self.issues.is_empty() {
            if let Some(a) = &self.anchor {
                out.push(format!("reaches its anchor ({})", a.describe()));
            }
        }
        out
    }
}

/// Checks the log at `path`: its chain, its anchor file and `given`.
pub fn check_local(path: &Path, given: Option<&Anchor>) -> Result<LocalReport, AuditError> {
    let bytes = read_locked(path)?;
    let apath = anchor_path(path);
    let found = bytes.as_deref().map(Found::of).unwrap_or_default();
    let mut report = LocalReport {
        path: path.to_path_buf(),
        exists: bytes.is_some(),
        chain: bytes.as_deref().map(verify_bytes).unwrap_or_default(),
        anchor: None,
        issues: Vec::new(),
    };
    let against = |a: &Anchor| match &bytes {
        None => Some(AnchorIssue::Deleted { anchor: a.clone() }),
        Some(_) => check_found(&found, a),
    };
    match read_anchor(&apath) {
        Ok(Some(a)) => {
            if let Some(i) = against(&a) {
                report.issues.push((AnchorSource::File(apath.clone()), i));
            }
            report.anchor = Some(a);
        }
        Ok(None) if found.entries > 0 => report.issues.push((
            AnchorSource::File(apath.clone()),
            AnchorIssue::NoAnchor {
                found: found.clone(),
            },
        )),
        Ok(None) => {}
        Err(AuditError::BadAnchor { reason, .. }) => report.issues.push((
            AnchorSource::File(apath.clone()),
            AnchorIssue::Unreadable { reason },
        )),
        Err(e) => return Err(e),
    }
    if let Some(i) = given.and_then(against) {
        report.issues.push((AnchorSource::Given, i));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::{file_lines as lines, log_file};
    use crate::audit::{next_entry, Event};

    fn log_of(n: usize) -> (tempfile::TempDir, PathBuf) {
        let (dir, log) = log_file(n);
        (dir, log.path().to_path_buf())
    }

    #[test]
    fn clean_log_reaches_its_anchor() {
        let (_d, path) = log_of(3);
        let r = check_local(&path, None).unwrap();
        assert!(r.is_ok(), "{:?}", r.lines());
        assert_eq!(r.anchor.as_ref().map(|a| a.seq), Some(3));
        assert!(r
            .lines()
            .iter()
            .any(|l| l.starts_with("reaches its anchor (seq 3")));
        // No log and no anchor: nothing recorded, nothing wrong.
        let dir = tempfile::tempdir().unwrap();
        assert!(check_local(&dir.path().join("none.jsonl"), None)
            .unwrap()
            .is_ok());
    }

    #[test]
    fn cut_last_line_fails_though_the_chain_is_intact() {
        let (_d, path) = log_of(3);
        let l = lines(&path);
        std::fs::write(&path, l[..2].concat()).unwrap();
        let r = check_local(&path, None).unwrap();
        assert!(r.chain.is_ok(), "the chain alone cannot see a cut");
        assert!(!r.is_ok());
        let text = r.lines().join("\n");
        assert!(text.contains("entry seq 3 was cut off the end"), "{text}");
    }

    #[test]
    fn recomputed_chain_is_caught_by_the_anchor() {
        let (_d, path) = log_of(3);
        // Drop the last line and re-chain two forged entries in its place.
        let l = lines(&path);
        let mut forged = l[0].clone();
        let mut tail = forged.clone();
        for _ in 0..2 {
            let e = next_entry(&tail, &Event::new("apply", vec!["x".into()])).unwrap();
            tail = e.to_line();
            forged.push_str(&tail);
        }
        std::fs::write(&path, forged).unwrap();
        let r = check_local(&path, None).unwrap();
        assert!(r.chain.is_ok(), "{}", r.chain);
        let text = r.lines().join("\n");
        assert!(text.contains("entry seq 3 has hash"), "{text}");
        assert!(text.contains("was rewritten"), "{text}");
    }

    #[test]
    fn emptied_deleted_and_given_anchor() {
        let (_d, path) = log_of(2);
        let real = check_local(&path, None).unwrap().anchor.unwrap();
        std::fs::write(&path, "").unwrap();
        let r = check_local(&path, None).unwrap();
        assert!(r.lines().join("\n").contains("the log was emptied"));
        std::fs::remove_file(&path).unwrap();
        let r = check_local(&path, None).unwrap();
        assert!(!r.is_ok());
        assert!(r.lines().join("\n").contains("the log was deleted"));

        // Log and anchor file both rewritten consistently: only the anchor
        // management received shows it.
        let (_d2, path2) = log_of(2);
        let given = Anchor::parse(&format!("{}:{}", real.seq, real.hash)).unwrap();
        let r = check_local(&path2, Some(&given)).unwrap();
        assert!(r.issues.iter().all(|(s, _)| *s == AnchorSource::Given));
        assert!(r
            .lines()
            .join("\n")
            .contains("--anchor: entry seq 2 has hash"));
        let own = check_local(&path2, None).unwrap().anchor.unwrap();
        let given = Anchor::parse(&format!("{}:{}", own.seq, own.hash)).unwrap();
        assert!(check_local(&path2, Some(&given)).unwrap().is_ok());
    }
}
