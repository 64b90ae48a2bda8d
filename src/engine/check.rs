//! Desired versus observed, for one host: the pure half of CheckApply.
//!
//! Given facts, every applicable control renders its desired state and
//! the engine compares the managed files (content, mode, owner) itself;
//! the control adds its typed checks of effective state. The result is the
//! same for `plan`, `drift` and `apply`: apply only acts on it.

use std::collections::BTreeSet;

use crate::controls::{Control, Desired, HostCtx, ManagedFile, ALL};
use crate::engine::facts::{Facts, FileFact, Probe};
use crate::report::diff;
use crate::report::model::{Finding, Fix, Status};

/// One control's view of one host.
pub struct ControlState {
    /// The control.
    pub control: &'static dyn Control,
    /// What it wants.
    pub desired: Desired,
    /// What it found.
    pub findings: Vec<Finding>,
}

impl ControlState {
    /// True when apply has something to do.
    pub fn needs_apply(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.status == Status::Drift && f.fix != Fix::None)
    }

    /// Managed files whose content, mode or owner differ.
    pub fn changed_files(&self) -> Vec<&ManagedFile> {
        self.desired
            .files
            .iter()
            .filter(|m| {
                self.findings
                    .iter()
                    .any(|f| f.check == "file" && f.item == m.path && f.status == Status::Drift)
            })
            .collect()
    }
}

/// Controls that manage this host.
pub fn controls_for(ctx: &HostCtx<'_>) -> Vec<&'static dyn Control> {
    ALL.iter().copied().filter(|c| c.applies(ctx)).collect()
}

/// Every probe the host's controls need, managed files included.
pub fn probes(ctx: &HostCtx<'_>) -> Result<BTreeSet<Probe>, String> {
    let mut set = BTreeSet::new();
    for c in controls_for(ctx) {
        set.extend(c.probes(ctx).map_err(|e| format!("{}: {e}", c.id()))?);
        // File paths do not depend on facts: learn them from an offline render.
        let offline = c
            .desired(ctx, &Facts::assumed())
            .map_err(|e| format!("{}: {e}", c.id()))?;
        set.extend(offline.files.iter().map(|f| Probe::File(f.path.clone())));
    }
    Ok(set)
}

fn mode_str(m: u32) -> String {
    format!("{m:04o}")
}

/// Content a text diff would mangle (a NUL byte, or not UTF-8).
fn is_binary(b: &[u8]) -> bool {
    b.contains(&0) || std::str::from_utf8(b).is_err()
}

/// Compares one managed file with what the host has.
pub fn file_finding(control: &'static str, want: &ManagedFile, have: &FileFact) -> Finding {
    let f = Finding::new(control, "file", want.path.clone(), want.tom);
    let expected = format!("{} {}:{}", mode_str(want.mode), want.owner, want.group);
    let binary = is_binary(&want.content);
    if !have.present {
        let what = if have.not_regular {
            "not a regular file"
        } else {
            "absent"
        };
        let d = (!binary).then(|| diff::unified("", &want.text(), "absent", "desired"));
        return f.drift(expected, what, Fix::File).with_diff(d);
    }
    let have_text = have.text();
    let mut problems = Vec::new();
    let mut d = None;
    if have.content != want.content && (binary || is_binary(&have.content)) {
        problems.push(format!(
            "binary content differs ({} bytes, want {})",
            have.content.len(),
            want.content.len()
        ));
    } else if have.content != want.content {
        let dd = diff::unified(
            &have_text,
            &want.text(),
            &format!("{} (host)", want.path),
            "desired",
        );
        let (plus, minus) = dd.lines().skip(2).fold((0, 0), |(p, m), l| {
            (
                p + usize::from(l.starts_with('+')),
                m + usize::from(l.starts_with('-')),
            )
        });
        problems.push(format!("content differs (+{plus} -{minus} lines)"));
        d = Some(dd);
    }
    if have.mode != want.mode {
        problems.push(format!("mode {}", mode_str(have.mode)));
    }
    if have.owner != want.owner || have.group != want.group {
        problems.push(format!("owner {}:{}", have.owner, have.group));
    }
    if problems.is_empty() {
        f.ok(format!("as rendered, {expected}"))
    } else {
        f.drift(
            format!("as rendered, {expected}"),
            problems.join(", "),
            Fix::File,
        )
        .with_diff(d)
    }
}

/// Renders and checks every control for one host.
pub fn evaluate(ctx: &HostCtx<'_>, facts: &Facts) -> Result<Vec<ControlState>, String> {
    let mut out = Vec::new();
    for c in controls_for(ctx) {
        let desired = c
            .desired(ctx, facts)
            .map_err(|e| format!("{}: {e}", c.id()))?;
        let mut findings: Vec<Finding> = desired
            .files
            .iter()
            .map(|m| file_finding(c.id(), m, &facts.file(&m.path)))
            .collect();
        findings.extend(c.check(ctx, &desired, facts));
        // Files to move aside are drift even when the control says nothing
        // more specific about them.
        for q in &desired.quarantine {
            if !findings.iter().any(|f| f.item == q.path) {
                findings.push(
                    Finding::new(c.id(), "unmanaged-file", q.path.clone(), q.tom)
                        .drift("absent", "present", Fix::Quarantine)
                        .with_message("not managed by harden here; apply moves it to /var/lib/harden/quarantine"),
                );
            }
        }
        for f in &mut findings {
            f.host = ctx.host.name.clone();
        }
        out.push(ControlState {
            control: c,
            desired,
            findings,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(content: &str, mode: u32) -> FileFact {
        let mut f = Facts::default();
        f.set_file("/etc/x", content, mode);
        f.file("/etc/x")
    }

    #[test]
    fn file_checks_content_mode_and_owner() {
        let want = ManagedFile::root("/etc/x", "a\nb\n", 0o600, "TOM");
        assert_eq!(
            file_finding("c", &want, &fact("a\nb\n", 0o600)).status,
            Status::InSync
        );
        let f = file_finding("c", &want, &fact("a\nc\n", 0o644));
        assert_eq!(f.status, Status::Drift);
        assert_eq!(f.fix, Fix::File);
        assert_eq!(f.actual, "content differs (+1 -1 lines), mode 0644");
        assert!(f.diff.as_deref().unwrap_or("").contains("+b"));
        let absent = file_finding("c", &want, &Facts::default().file("/etc/x"));
        assert_eq!(absent.actual, "absent");
    }
}
