//! The [`Control`] trait and what a control sees of the inventory.
//!
//! A control is pure: it names the facts it needs and turns facts into a
//! [`Plan`]. It never opens a connection and never writes anything; the
//! engine gathers the facts through a backend and, in `apply`, has the
//! backend carry out the plan's selected changes.

use crate::contract::{Facts, Plan, PortNeed, Probe};
use crate::inventory::{Host, Inventory};

/// What a control sees of the inventory.
#[derive(Clone, Copy)]
pub struct HostCtx<'a> {
    /// The whole inventory (for cross-host facts such as `from` names).
    pub inv: &'a Inventory,
    /// The host being planned.
    pub host: &'a Host,
    /// The CA, when the inventory configures one (unlocked in runs that
    /// connect, public parts only offline).
    pub ca: Option<&'a crate::ca::CaRuntime>,
    /// Ports the host's controls declared they need opened
    /// ([`Control::ports`]); the firewall opens them beside `allow`.
    pub ports: &'a [PortNeed],
}

impl<'a> HostCtx<'a> {
    /// A context with no declared ports yet (the engine adds them).
    pub fn new(inv: &'a Inventory, host: &'a Host, ca: Option<&'a crate::ca::CaRuntime>) -> Self {
        HostCtx {
            inv,
            host,
            ca,
            ports: &[],
        }
    }

    /// The same context with the declared ports of all its controls.
    pub fn with_ports(self, ports: &'a [PortNeed]) -> Self {
        HostCtx { ports, ..self }
    }
}

/// Where a control's state lives, and so which backend reaches it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// On the host, over SSH (files, services, kernel state).
    Host,
    /// At the cloud provider, over its HTTP API (firewalls, volumes).
    Provider,
}

/// Why a control could not plan.
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

    /// Which backend reaches the control's state (default: the host).
    fn scope(&self) -> Scope {
        Scope::Host
    }

    /// The control's own inventory section (`[defaults.<name>]` merged
    /// with `hosts[].<name>`), if it has settings.
    fn section(&self) -> Option<&'static dyn crate::contract::section::Section> {
        None
    }

    /// The TOM measures its findings and files serve (the coverage report
    /// and docs/tom.md are drawn from this; a test keeps it equal to the
    /// `tom::` handles the control's folder uses).
    fn measures(&self) -> &'static [&'static crate::tom::Tom] {
        &[]
    }

    /// The control's tera templates as `(name, source)`, the source
    /// compiled in with `include_str!` from `templates/<id>/`; names are
    /// `<id>/<file>` (what [`crate::controls::templates::render`] takes).
    fn templates(&self) -> &'static [(&'static str, &'static str)] {
        &[]
    }

    /// Whether the control manages this host at all.
    fn applies(&self, _ctx: &HostCtx<'_>) -> bool {
        true
    }

    /// Ports this control needs reachable on the host (a proxy's
    /// listeners); the firewall derives rules from them. Computed from the
    /// inventory alone, never from facts. Asked of every control for every
    /// host, also where [`Control::applies`] is false: a gatekeeper's
    /// backends get rules that admit only the gatekeepers fronting them.
    fn ports(&self, _ctx: &HostCtx<'_>) -> Vec<PortNeed> {
        Vec::new()
    }

    /// Facts needed for [`Control::plan`], first phase. The engine also
    /// probes every file an offline plan writes.
    fn probes(&self, ctx: &HostCtx<'_>) -> Result<Vec<Probe>, RenderError>;

    /// Facts that depend on the first phase (say, `luksDump` of each
    /// device the block-device listing showed). They are gathered in one
    /// more round trip, only when some control asks for any.
    fn probes_after(&self, _ctx: &HostCtx<'_>, _facts: &Facts) -> Result<Vec<Probe>, RenderError> {
        Ok(Vec::new())
    }

    /// The plan: every finding, and the changes that fix the drifting
    /// ones (facts are [`Facts::assumed`] for offline rendering).
    fn plan(&self, ctx: &HostCtx<'_>, facts: &Facts) -> Result<Plan, RenderError>;
}
