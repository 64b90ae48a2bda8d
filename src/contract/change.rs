//! The typed changes a plan can hold, and the files they write.
//!
//! Each kind is carried out by a backend: the SSH backend stages, backs
//! up, validates and swaps files, moves files aside (kept under
//! /var/lib/harden/quarantine, never deleted) and runs commands inside
//! the guarded activation; the HTTP backend makes API calls. A plan's
//! findings name the change that fixes them by [`ChangeId`](crate::contract::ChangeId).

/// A file a control owns on the host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManagedFile {
    /// Absolute path on the host.
    pub path: String,
    /// Full desired content (bytes: a revocation list is binary).
    pub content: Vec<u8>,
    /// Octal mode.
    pub mode: u32,
    /// Owner.
    pub owner: String,
    /// Group.
    pub group: String,
    /// Command that validates a staged copy; `{}` is replaced by the staged
    /// path. Files without a validator are swapped in before validators
    /// run, so validators can refer to them at their final paths.
    pub validate: Option<String>,
    /// TOM measure the file protects.
    pub tom: &'static str,
    /// For files harden edits key by key rather than owning whole: the
    /// SHA-256 (hex) of the content the plan was computed from. The
    /// backend refuses to write when the host's file changed since it was
    /// read, so a concurrent edit is never overwritten.
    pub unchanged_since: Option<String>,
}

impl ManagedFile {
    /// A root-owned file.
    pub fn root(path: &str, content: impl Into<Vec<u8>>, mode: u32, tom: &'static str) -> Self {
        ManagedFile {
            path: path.to_string(),
            content: content.into(),
            mode,
            owner: "root".into(),
            group: "root".into(),
            validate: None,
            tom,
            unchanged_since: None,
        }
    }

    /// The content as text (lossy), for diffs.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.content).into_owned()
    }

    /// Sets the validator.
    pub fn validated_by(mut self, cmd: &str) -> Self {
        self.validate = Some(cmd.to_string());
        self
    }
}

/// An unmanaged file that weakens a control; apply moves it aside (kept).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quarantine {
    /// Path on the host.
    pub path: String,
    /// TOM measure the file endangers.
    pub tom: &'static str,
}

/// One thing apply may do.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// Write a file harden owns whole (or, with
    /// [`ManagedFile::unchanged_since`], the result of setting keys inside
    /// a file it does not own: every other byte as it was).
    Write(ManagedFile),
    /// Move an unmanaged file aside (kept, never deleted).
    MoveAside(Quarantine),
    /// Run a shell command inside the guarded activation, after the
    /// control's activation lines.
    Run(String),
    /// Only run the control's activation lines (the files are right, the
    /// running state is not).
    Activate,
    /// Call the provider's API (provider-scoped controls only).
    Api(crate::contract::api::ApiCall),
}

impl Change {
    /// Short kind name for plan summaries.
    pub fn kind(&self) -> &'static str {
        match self {
            Change::Write(f) if f.unchanged_since.is_some() => "set-keys",
            Change::Write(_) => "write",
            Change::MoveAside(_) => "move-aside",
            Change::Run(_) => "run",
            Change::Activate => "activate",
            Change::Api(_) => "api-call",
        }
    }
}
