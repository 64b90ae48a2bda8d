//! Plans every control for one host: the pure half of CheckApply.
//!
//! Given facts, every applicable control turns them into its [`Plan`]
//! (findings plus the changes that fix them). The result is the same for
//! `plan`, `drift` and `apply`: apply only carries out its selected
//! changes. Controls never appear by name here.

use std::collections::BTreeSet;

use crate::contract::{Control, Facts, HostCtx, Plan, PortNeed, Probe, Scope};
use crate::controls::ALL;

/// One control's plan for one host.
pub struct ControlState {
    /// The control.
    pub control: &'static dyn Control,
    /// What it found and would change.
    pub plan: Plan,
    /// What it asked the host for, as labels ([`probe_label`]), sorted.
    pub probes: Vec<String>,
}

impl ControlState {
    /// True when apply has something to do.
    pub fn needs_apply(&self) -> bool {
        self.plan.needs_apply()
    }
}

/// Controls that manage this host through `scope`.
pub fn controls_in(ctx: &HostCtx<'_>, scope: Scope) -> Vec<&'static dyn Control> {
    ALL.iter()
        .copied()
        .filter(|c| c.scope() == scope && c.applies(ctx))
        .collect()
}

/// Host-scoped controls that manage this host.
pub fn controls_for(ctx: &HostCtx<'_>) -> Vec<&'static dyn Control> {
    controls_in(ctx, Scope::Host)
}

/// Ports every control declared for this host (a control may declare
/// ports on hosts it does not manage: a backend of a gatekeeper).
pub fn declared_ports(ctx: &HostCtx<'_>) -> Vec<PortNeed> {
    ALL.iter().flat_map(|c| c.ports(ctx)).collect()
}

/// Runs `f` with the host's full context: the declared ports of all its
/// controls included (the firewall renders them).
pub fn with_host_ctx<R>(
    inv: &crate::inventory::Inventory,
    host: &crate::inventory::Host,
    ca: Option<&crate::ca::CaRuntime>,
    f: impl FnOnce(&HostCtx<'_>) -> R,
) -> R {
    let base = HostCtx::new(inv, host, ca);
    let ports = declared_ports(&base);
    f(&base.with_ports(&ports))
}

/// First-phase probes of the host's controls, managed files included.
pub fn probes(ctx: &HostCtx<'_>) -> Result<BTreeSet<Probe>, String> {
    let mut set = BTreeSet::new();
    for c in controls_for(ctx) {
        set.extend(c.probes(ctx).map_err(|e| format!("{}: {e}", c.id()))?);
        // File paths do not depend on facts: learn them from an offline plan.
        let offline = c
            .plan(ctx, &Facts::assumed())
            .map_err(|e| format!("{}: {e}", c.id()))?;
        set.extend(offline.files().map(|f| Probe::File(f.path.clone())));
    }
    Ok(set)
}

/// Second-phase probes (those that depend on first-phase facts), not yet
/// answered.
pub fn probes_after(ctx: &HostCtx<'_>, facts: &Facts) -> Result<BTreeSet<Probe>, String> {
    let mut set = BTreeSet::new();
    for c in controls_for(ctx) {
        set.extend(
            c.probes_after(ctx, facts)
                .map_err(|e| format!("{}: {e}", c.id()))?,
        );
    }
    Ok(set)
}

/// A probe as the report names it: `file:<path>`, `dir:<path>`,
/// `cmd:<id>`, `api:<path>`, `tls:<addr>:<port>` (never a script's text).
pub fn probe_label(p: &Probe) -> String {
    match p {
        Probe::File(path) => format!("file:{path}"),
        Probe::Dir(path) => format!("dir:{path}"),
        Probe::Cmd { id, .. } => format!("cmd:{id}"),
        Probe::Api { path, .. } => format!("api:{path}"),
        Probe::Tls(t) => format!("tls:{}", std::net::SocketAddr::new(t.addr, t.port)),
    }
}

/// The labels of what `c` asked the host for, both phases (the same set
/// [`probes`] and [`probes_after`] gave the engine for it).
fn probes_of(c: &'static dyn Control, ctx: &HostCtx<'_>, facts: &Facts) -> Vec<String> {
    let mut set = BTreeSet::new();
    set.extend(c.probes(ctx).unwrap_or_default());
    if let Ok(offline) = c.plan(ctx, &Facts::assumed()) {
        set.extend(offline.files().map(|f| Probe::File(f.path.clone())));
    }
    set.extend(c.probes_after(ctx, facts).unwrap_or_default());
    let labels: BTreeSet<String> = set.iter().map(probe_label).collect();
    labels.into_iter().collect()
}

/// Plans every host-scoped control for one host.
pub fn evaluate(ctx: &HostCtx<'_>, facts: &Facts) -> Result<Vec<ControlState>, String> {
    let mut out = Vec::new();
    for c in controls_for(ctx) {
        let mut plan = c.plan(ctx, facts).map_err(|e| format!("{}: {e}", c.id()))?;
        plan.control = c.id();
        for f in &mut plan.findings {
            f.host = ctx.host.name.clone();
        }
        out.push(ControlState {
            control: c,
            plan,
            probes: probes_of(c, ctx, facts),
        });
    }
    Ok(out)
}

/// Every host-scoped control of `host` planned offline (facts assumed):
/// what `render` writes and `check` proves renderable.
pub fn offline(
    inv: &crate::inventory::Inventory,
    host: &crate::inventory::Host,
    ca: Option<&crate::ca::CaRuntime>,
) -> Vec<(
    &'static dyn Control,
    Result<Plan, crate::contract::RenderError>,
)> {
    with_host_ctx(inv, host, ca, |ctx| {
        controls_for(ctx)
            .into_iter()
            .map(|c| (c, c.plan(ctx, &Facts::assumed())))
            .collect()
    })
}
