//! Controls: one module per security measure harden makes true on a host.
//!
//! A control is pure: it names the facts it needs ([`Control::probes`]),
//! renders the files and live state it wants ([`Control::desired`]) and
//! compares effective state with that ([`Control::check`]). It never opens
//! a connection. The engine runs the probes, checks the managed files,
//! and, only in `apply`, carries out exactly what the findings call for:
//! stage, validate, swap, activate, guarded against lock-out when
//! [`Desired::guard`] is set. Adding a control means a folder here, a
//! template folder and one line in [`all`]; the engine does not change.

pub mod accounts;
pub mod firewall;
pub mod sections;
pub mod ssh_ca;
pub mod sshd;
pub mod templates;

use crate::engine::facts::{Facts, Probe};
use crate::inventory::{Host, Inventory};
use crate::report::model::Finding;

/// What a control sees of the inventory.
#[derive(Clone, Copy)]
pub struct HostCtx<'a> {
    /// The whole inventory (for cross-host facts such as `from` names).
    pub inv: &'a Inventory,
    /// The host being rendered.
    pub host: &'a Host,
    /// The CA, when the inventory configures one (unlocked in runs that
    /// connect, public parts only offline).
    pub ca: Option<&'a crate::ca::CaRuntime>,
}

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

/// Everything a control wants on one host.
#[derive(Clone, Debug, Default)]
pub struct Desired {
    /// Files it owns.
    pub files: Vec<ManagedFile>,
    /// Unmanaged files to move aside.
    pub quarantine: Vec<Quarantine>,
    /// Shell lines that make the files effective (reload, load rules).
    /// They run after the swap, and again after a rollback restored files.
    pub activate: Vec<String>,
    /// Activation can cut harden off: arm an automatic rollback first and
    /// confirm with a fresh connection.
    pub guard: bool,
    /// Problems that make applying unsafe (e.g. harden's own address would
    /// be blocked); apply refuses the control while any is present.
    pub preflight: Vec<String>,
    /// Remarks for the operator (e.g. which crypto table was used).
    pub notes: Vec<String>,
}

/// Why a control could not render its desired state.
#[derive(Debug)]
pub struct RenderError(pub String);

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RenderError {}

/// One security measure.
pub trait Control: Send + Sync {
    /// Stable kebab-case id; also the template folder name.
    fn id(&self) -> &'static str;

    /// Whether the control manages this host at all.
    fn applies(&self, _ctx: &HostCtx<'_>) -> bool {
        true
    }

    /// Facts needed for `desired` and `check`. The engine probes every
    /// file an offline render lists; a file that only appears with certain
    /// facts (say, a systemd unit) must be probed here.
    fn probes(&self, ctx: &HostCtx<'_>) -> Result<Vec<Probe>, RenderError>;

    /// The desired state, rendered from the inventory and the host's facts
    /// (facts are [`Facts::assumed`] for offline rendering).
    fn desired(&self, ctx: &HostCtx<'_>, facts: &Facts) -> Result<Desired, RenderError>;

    /// Typed checks of effective state (files are checked by the engine).
    fn check(&self, ctx: &HostCtx<'_>, desired: &Desired, facts: &Facts) -> Vec<Finding>;
}

/// Every control, in the order they are applied: the firewall first, so a
/// host is never exposed while its other services change; accounts and
/// the CA's trust files before sshd, so the files sshd will refer to exist
/// when its new configuration is validated.
pub static ALL: &[&dyn Control] = &[
    &firewall::Firewall,
    &accounts::Accounts,
    &ssh_ca::SshCa,
    &sshd::Sshd,
];
