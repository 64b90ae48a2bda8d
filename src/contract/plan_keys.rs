//! Key-level edits in a plan: a file harden does not own whole (login.defs,
//! pwquality.conf, a sysctl drop-in) gets only its managed keys set, every
//! other byte as it was ([`crate::contract::keyed`]).
//!
//! The change is a [`Change::Write`] of the edited content, made from the
//! bytes the probe read, with [`ManagedFile::unchanged_since`] set to their
//! SHA-256: the backend refuses to write if the host's file changed in
//! between, so a concurrent edit is never overwritten. The file keeps its
//! mode and owner when it exists.

use sha2::{Digest, Sha256};

use crate::contract::keyed::{self, KeyedError, KeyedSpec};
use crate::contract::{Change, ChangeId, FileFact, Fix, ManagedFile, Plan};
use crate::report::model::Finding;

/// [`ManagedFile::unchanged_since`] of a file that was absent when read.
pub const ABSENT: &str = "absent";

/// The `unchanged_since` value for what the probe read.
pub fn fingerprint(have: &FileFact) -> String {
    if have.present {
        format!("{:x}", Sha256::digest(&have.content))
    } else {
        ABSENT.to_string()
    }
}

/// What a key-level edit found, for its one finding.
pub(crate) struct InPlace {
    /// The finding's check (`file-keys`, `file-rows`).
    pub check: &'static str,
    /// Every managed key or row is already as wanted.
    pub settled: bool,
    /// The wanted keys or rows, as shown.
    pub expected: String,
    /// What the file has, as shown.
    pub actual: String,
    /// Why only part of the file changes.
    pub message: &'static str,
}

impl Plan {
    /// Sets `spec`'s keys in the file at `path`: one finding (check
    /// `file-keys`) comparing the keys, linked to the write that fixes
    /// them. A new file gets `mode` and root ownership.
    pub fn keys(
        &mut self,
        path: &str,
        spec: &KeyedSpec,
        have: &FileFact,
        mode: u32,
        tom: &'static str,
    ) -> Result<ChangeId, KeyedError> {
        let states = keyed::read(&have.content, spec)?;
        let content = keyed::apply(&have.content, spec)?;
        Ok(self.edit_in_place(
            path,
            content,
            have,
            mode,
            tom,
            InPlace {
                check: "file-keys",
                settled: states.iter().all(|s| s.in_place()),
                expected: keyed::expected_text(&states),
                actual: keyed::actual_text(&states),
                message: "only these keys are set; every other line stays as it is",
            },
        ))
    }

    /// The guarded write of an edited file and its finding: the write
    /// keeps an existing file's mode and owner (a new one gets `mode` and
    /// root), carries the [`fingerprint`] of what was read, and is the fix
    /// of the finding when it is not settled.
    pub(crate) fn edit_in_place(
        &mut self,
        path: &str,
        content: Vec<u8>,
        have: &FileFact,
        mode: u32,
        tom: &'static str,
        found: InPlace,
    ) -> ChangeId {
        let mut want = ManagedFile::root(path, content, mode, tom);
        if have.present {
            want.mode = have.mode;
            want.owner = have.owner.clone();
            want.group = have.group.clone();
        }
        want.unchanged_since = Some(fingerprint(have));
        let id = self.change(Change::Write(want));
        if !have.present {
            self.mark_created(id);
        }
        let f = Finding::new(self.control, found.check, path, tom);
        let f = if found.settled {
            f.ok(found.expected)
        } else {
            f.drift(found.expected, found.actual, Fix::Change(id))
                .with_message(found.message)
        };
        self.push(f);
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::keyed::Syntax;
    use crate::contract::Facts;
    use crate::report::model::Status;

    fn spec() -> KeyedSpec {
        KeyedSpec {
            syntax: Syntax::Spaced,
            keys: vec![("PASS_MAX_DAYS".into(), "90".into())],
            case_insensitive_keys: false,
        }
    }

    #[test]
    fn a_drifting_key_is_one_finding_linked_to_a_guarded_write() {
        let mut facts = Facts::default();
        facts.set_file(
            "/etc/login.defs",
            "# x\nPASS_MAX_DAYS 99999\nUMASK 022\n",
            0o644,
        );
        let have = facts.file("/etc/login.defs");
        let mut p = Plan::new("passwords");
        let id = p
            .keys("/etc/login.defs", &spec(), &have, 0o644, "T")
            .expect("keys");
        assert_eq!(p.findings[0].status, Status::Drift);
        assert_eq!(p.findings[0].fix, Fix::Change(id));
        let Some(Change::Write(w)) = p.change_of(&p.findings[0]) else {
            panic!("not a write");
        };
        assert_eq!(w.text(), "# x\nPASS_MAX_DAYS 90\nUMASK 022\n");
        assert_eq!(
            w.unchanged_since.as_deref(),
            Some(fingerprint(&have).as_str())
        );
        assert_ne!(fingerprint(&have), ABSENT);
        // Once in place: in sync, nothing selected.
        facts.set_file("/etc/login.defs", &w.text(), 0o644);
        let mut again = Plan::new("passwords");
        again
            .keys(
                "/etc/login.defs",
                &spec(),
                &facts.file("/etc/login.defs"),
                0o644,
                "T",
            )
            .expect("keys");
        assert!(!again.needs_apply(), "{:?}", again.findings);
    }

    #[test]
    fn an_absent_file_is_created_only_if_still_absent() {
        let have = Facts::default().file("/etc/security/pwquality.conf");
        let mut p = Plan::new("passwords");
        p.keys("/etc/security/pwquality.conf", &spec(), &have, 0o644, "T")
            .expect("keys");
        assert_eq!(fingerprint(&have), ABSENT);
        assert!(p.needs_apply());
    }
}
