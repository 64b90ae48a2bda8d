//! Compares one file a control owns with what the host has: content,
//! mode and owner, with a unified diff for text.

use crate::contract::{FileFact, ManagedFile};
use crate::report::diff;
use crate::report::model::{Finding, Fix};

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
        return f.drift(expected, what, Fix::None).with_diff(d);
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
            Fix::None,
        )
        .with_diff(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::Facts;
    use crate::report::model::Status;

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
        assert_eq!(f.fix, Fix::None, "the plan links the change");
        assert_eq!(f.actual, "content differs (+1 -1 lines), mode 0644");
        assert!(f.diff.as_deref().unwrap_or("").contains("+b"));
        let absent = file_finding("c", &want, &Facts::default().file("/etc/x"));
        assert_eq!(absent.actual, "absent");
    }
}
