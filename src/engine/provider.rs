//! The provider-scoped check-apply path: one function, [`check_apply`],
//! for `plan`, `drift` and `apply` of the controls whose state lives at a
//! cloud provider's HTTP API ([`Scope::Provider`]), never over SSH.
//!
//! A provider control manages the provider's objects that belong to a
//! host (its firewall, its security group), so it is planned for one host
//! ([`HostCtx`]) and its findings carry the host's name. For each such
//! control: its [`Probe::Api`](crate::contract::Probe::Api) facts are
//! read through the [`ApiClient`](crate::backend::http::ApiClient) (the
//! first phase, then [`Control::probes_after`]: two at most; each read is
//! recorded in [`ProviderOutcome::reads`], see `provider_reads.rs`), the
//! control plans, and with `apply` the plan's selected
//! [`Change::Api`] calls are made in order, stopping at the first failure
//! (the outcome lists what was done and what not; a POST is never
//! retried by the client when it may have been acted on). After any call
//! succeeded the facts are read again and the control plans again: the
//! outcome shows the provider as it is now, and drift left after apply is
//! an error, as on hosts.
//!
//! Bounded: at most [`MAX_PROBES`] probes and [`MAX_CALLS`] calls per
//! control, each call bounded by the client's attempts and time budget.
//! A provider plan holding anything but API calls (a file, a shell line,
//! activation lines) is a contract error, and nothing of it is carried
//! out. Errors are typed ([`ProviderError`]) with stable codes.

use std::collections::BTreeSet;

use super::provider_reads::{read, Cache, Reader};
use crate::backend::http::cloud::{Cloud, CloudError};
use crate::backend::http::ApiError;
use crate::contract::api::ApiCall;
use crate::contract::{Change, ChangeId, Control, Facts, Fix, HostCtx, Plan, Scope};
use crate::report::model::{Finding, HostReport, HostStatus, Status};
use crate::report::reads::ApiRead;

/// The most probes one control may ask for (both phases together).
pub const MAX_PROBES: usize = 32;

/// The most rounds of calls one apply makes per control (read, plan,
/// call, read again…): enough for a call that creates what the next ones
/// need.
pub const MAX_ROUNDS: usize = 3;

/// The most API calls one control's plan may select. OTC security-group
/// rules have no batch call: one create per atom (each prefix in each
/// family), so a fresh host's group with a few controller prefixes, ICMP
/// for both families and half a dozen open ports needs 20-30 creates plus
/// a port update per NIC.
pub const MAX_CALLS: usize = 64;

/// Why a provider control could not be checked or applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderError {
    /// A probe or a call failed at the API (its own code: `api-answer`, …).
    Api(Box<ApiError>),
    /// A provider token, listing or service failed (`otc-token`, …).
    Cloud(Box<CloudError>),
    /// The control asked for a probe other than [`Probe::Api`](crate::contract::Probe::Api).
    ProbeKind(String),
    /// The control's plan holds a change other than [`Change::Api`], or
    /// activation lines.
    ChangeKind(&'static str),
    /// More probes than [`MAX_PROBES`].
    TooManyProbes(usize),
    /// More selected calls than [`MAX_CALLS`].
    TooManyCalls(usize),
    /// The control could not plan.
    Plan(String),
    /// Checks still drifting after every call succeeded.
    StillDrifting(usize),
    /// The run was asked to stop before this call.
    Interrupted,
    /// Reading the provider again after apply failed.
    Verify(Box<ProviderError>),
}

impl ProviderError {
    /// The stable diagnostic code.
    pub fn code(&self) -> &'static str {
        match self {
            ProviderError::Api(e) => e.code(),
            ProviderError::Cloud(e) => e.code(),
            ProviderError::ProbeKind(_) => "provider-probe-kind",
            ProviderError::ChangeKind(_) => "provider-change-kind",
            ProviderError::TooManyProbes(_) | ProviderError::TooManyCalls(_) => "provider-limit",
            ProviderError::Plan(_) => "provider-plan",
            ProviderError::StillDrifting(_) => "provider-drift-after-apply",
            ProviderError::Interrupted => "provider-interrupted",
            ProviderError::Verify(e) => e.code(),
        }
    }
}

impl std::fmt::Display for ProviderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let ProviderError::Api(e) = self {
            return e.fmt(f); // starts with its own code
        }
        if let ProviderError::Cloud(e) = self {
            return e.fmt(f);
        }
        if let ProviderError::Verify(e) = self {
            return write!(f, "{e} (while verifying after apply)");
        }
        write!(f, "{}: ", self.code())?;
        match self {
            ProviderError::ProbeKind(p) => write!(
                f,
                "a provider-scoped control may only read its API (Probe::Api), not {p}"
            ),
            ProviderError::ChangeKind(k) => write!(
                f,
                "a provider-scoped plan may only hold API calls, not a {k} change; nothing applied"
            ),
            ProviderError::TooManyProbes(n) => {
                write!(f, "{n} probes, more than the {MAX_PROBES} allowed per control")
            }
            ProviderError::TooManyCalls(n) => write!(
                f,
                "{n} API calls selected, more than the {MAX_CALLS} allowed per control; nothing applied"
            ),
            ProviderError::Plan(e) => write!(f, "cannot plan: {e}"),
            ProviderError::StillDrifting(n) => {
                write!(f, "{n} check(s) still drifting after apply")
            }
            ProviderError::Interrupted => f.write_str(super::run::INTERRUPTED),
            ProviderError::Api(_) | ProviderError::Cloud(_) | ProviderError::Verify(_) => Ok(()),
        }
    }
}

impl std::error::Error for ProviderError {}

impl From<ApiError> for ProviderError {
    fn from(e: ApiError) -> Self {
        ProviderError::Api(Box::new(e))
    }
}

impl From<CloudError> for ProviderError {
    fn from(e: CloudError) -> Self {
        match e {
            CloudError::Api(e) => ProviderError::Api(e),
            e => ProviderError::Cloud(Box::new(e)),
        }
    }
}

/// One provider control's result for one host.
#[derive(Debug, Clone)]
pub struct ProviderOutcome {
    /// The control's id.
    pub control: &'static str,
    /// The plan as computed before any change (what `plan` prints);
    /// `None` when the facts could not be read or the control not plan.
    pub plan: Option<Plan>,
    /// The findings to report: the plan's, or after a call succeeded the
    /// provider's state read again (fixed checks are [`Status::Changed`],
    /// those of a failed call [`Status::Failed`]).
    pub findings: Vec<Finding>,
    /// Calls made successfully, in order.
    pub done: Vec<ApiCall>,
    /// Selected calls not made (the failed one first) after an error.
    pub not_done: Vec<ApiCall>,
    /// Why the control failed, if it did.
    pub error: Option<ProviderError>,
    /// Every API read it made (or was answered from this host's earlier
    /// read), in order: the evidence of what was read, where and when.
    pub reads: Vec<ApiRead>,
}

impl ProviderOutcome {
    /// A control that could not start (its provider's clients failed).
    pub fn failed(control: &'static str, e: ProviderError) -> Self {
        let mut o = ProviderOutcome::new(control);
        o.error = Some(e);
        o
    }

    fn new(control: &'static str) -> Self {
        ProviderOutcome {
            control,
            plan: None,
            findings: Vec::new(),
            done: Vec::new(),
            not_done: Vec::new(),
            error: None,
            reads: Vec::new(),
        }
    }

    /// True when this run changed something at the provider.
    pub fn changed(&self) -> bool {
        !self.done.is_empty()
    }
}

/// Plan (and with `apply`, apply and verify) every provider-scoped control
/// of [`crate::controls::ALL`] that manages `ctx`'s host, through `api`.
pub async fn check_apply(ctx: &HostCtx<'_>, api: &Cloud, apply: bool) -> Vec<ProviderOutcome> {
    let controls = super::check::controls_in(ctx, Scope::Provider);
    check_apply_with(&controls, ctx, api, apply).await
}

/// [`check_apply`] over `controls` (those provider-scoped and applying to
/// the host; others are skipped), in order.
pub async fn check_apply_with(
    controls: &[&'static dyn Control],
    ctx: &HostCtx<'_>,
    api: &Cloud,
    apply: bool,
) -> Vec<ProviderOutcome> {
    let mut out = Vec::new();
    let cache = Cache::default();
    for c in controls
        .iter()
        .filter(|c| c.scope() == Scope::Provider && c.applies(ctx))
    {
        let o = one(*c, ctx, api, apply, &cache).await;
        if o.changed() {
            cache.clear(); // what the next control reads may have changed
        }
        out.push(o);
    }
    out
}

async fn one(
    c: &'static dyn Control,
    ctx: &HostCtx<'_>,
    api: &Cloud,
    apply: bool,
    cache: &Cache,
) -> ProviderOutcome {
    let mut out = ProviderOutcome::new(c.id());
    let plan = match read_and_plan(c, ctx, api, Some(cache), &mut out.reads).await {
        Ok(p) => p,
        Err(e) => {
            out.error = Some(e);
            return out;
        }
    };
    out.findings = plan.findings.clone();
    let calls = match selected_calls(&plan) {
        Ok(calls) => calls,
        Err(e) => {
            out.error = Some(e);
            out.plan = Some(plan);
            return out;
        }
    };
    out.plan = Some(plan);
    if !apply || calls.is_empty() {
        return out;
    }
    // Several rounds: a call may create what the next calls need (an OTC
    // group before its rules, a new controller rule before the old one
    // may go), so read, plan and call again while calls are selected.
    let before = out.findings.clone();
    let mut calls = calls;
    for round in 1..=MAX_ROUNDS {
        let made = out.done.len();
        for (i, (id, call)) in calls.iter().enumerate() {
            let result = if super::run::stopping() {
                Err(ProviderError::Interrupted)
            } else {
                api.call(call).await.map_err(ProviderError::from)
            };
            match result {
                Ok(_) => out.done.push(call.clone()),
                Err(e) => {
                    out.not_done = calls[i..].iter().map(|(_, c)| c.clone()).collect();
                    mark_failed(&mut out.findings, *id, &e);
                    out.error = Some(e);
                    break;
                }
            }
        }
        if out.done.len() == made {
            return out;
        }
        let now = match read_and_plan(c, ctx, api, None, &mut out.reads).await {
            Ok(now) => now,
            Err(e) => {
                out.error.get_or_insert(ProviderError::Verify(Box::new(e)));
                return out;
            }
        };
        out.findings = carried(now.findings.clone(), &before, &out.findings);
        let next = match selected_calls(&now) {
            Ok(next) => next,
            Err(e) => {
                out.error.get_or_insert(e);
                return out;
            }
        };
        // No progress (the same calls again) is drift left, not a loop.
        let same =
            next.len() == calls.len() && next.iter().zip(&calls).all(|((_, a), (_, b))| a == b);
        if out.error.is_some() || next.is_empty() || same || round == MAX_ROUNDS {
            break;
        }
        calls = next;
    }
    let still = out
        .findings
        .iter()
        .filter(|f| f.status == Status::Drift && f.fix != Fix::None)
        .count();
    if out.error.is_none() && still > 0 {
        out.error = Some(ProviderError::StillDrifting(still));
    }
    out
}

/// The findings read after calls, with what this run did: drift before
/// and in sync now is changed; a check whose call failed stays failed.
fn carried(mut now: Vec<Finding>, before: &[Finding], last: &[Finding]) -> Vec<Finding> {
    for f in &mut now {
        let find = |list: &[Finding]| {
            list.iter()
                .find(|b| b.check == f.check && b.item == f.item)
                .map(|b| (b.status, b.message.clone()))
        };
        if let (Some((Status::Drift, _)), Status::InSync) = (find(before), f.status) {
            f.status = Status::Changed;
        }
        if let (Some((Status::Failed, msg)), Status::Drift) = (find(last), f.status) {
            f.status = Status::Failed;
            f.message = msg;
        }
    }
    now
}

/// Reads the control's facts (two phases at most) and plans.
async fn read_and_plan(
    c: &'static dyn Control,
    ctx: &HostCtx<'_>,
    api: &Cloud,
    cache: Option<&Cache>,
    reads: &mut Vec<ApiRead>,
) -> Result<Plan, ProviderError> {
    let who = Reader {
        host: &ctx.host.name,
        control: c.id(),
    };
    let plan_err = |e: crate::contract::RenderError| ProviderError::Plan(e.to_string());
    let mut facts = Facts::default();
    let first = c.probes(ctx).map_err(plan_err)?;
    let mut asked = first.len();
    if asked > MAX_PROBES {
        return Err(ProviderError::TooManyProbes(asked));
    }
    let mut seen = BTreeSet::new();
    read(api, first, &mut facts, &mut seen, cache, (&who, reads)).await?;
    let second = c.probes_after(ctx, &facts).map_err(plan_err)?;
    asked += second.len();
    if asked > MAX_PROBES {
        return Err(ProviderError::TooManyProbes(asked));
    }
    read(api, second, &mut facts, &mut seen, cache, (&who, reads)).await?;
    let mut plan = c.plan(ctx, &facts).map_err(plan_err)?;
    plan.control = c.id();
    for f in &mut plan.findings {
        f.host = ctx.host.name.clone();
        f.control = c.id();
    }
    Ok(plan)
}

/// The plan's selected calls, in plan order, after checking that the plan
/// holds nothing but API calls and selects at most [`MAX_CALLS`].
fn selected_calls(plan: &Plan) -> Result<Vec<(ChangeId, ApiCall)>, ProviderError> {
    if let Some(c) = plan.changes.iter().find(|c| !matches!(c, Change::Api(_))) {
        return Err(ProviderError::ChangeKind(c.kind()));
    }
    if !plan.activate.is_empty() || plan.guard {
        return Err(ProviderError::ChangeKind("activation"));
    }
    let calls: Vec<(ChangeId, ApiCall)> = plan
        .selected()
        .into_iter()
        .filter_map(|id| match plan.changes.get(usize::from(id.0)) {
            Some(Change::Api(call)) => Some((id, call.clone())),
            _ => None,
        })
        .collect();
    if calls.len() > MAX_CALLS {
        return Err(ProviderError::TooManyCalls(calls.len()));
    }
    Ok(calls)
}

/// Marks the drifting findings fixed by `id` as failed with `e`.
fn mark_failed(findings: &mut [Finding], id: ChangeId, e: &ProviderError) {
    for f in findings
        .iter_mut()
        .filter(|f| f.status == Status::Drift && f.fix == Fix::Change(id))
    {
        f.status = Status::Failed;
        f.message = Some(e.to_string());
    }
}

/// Adds a host's provider outcomes to its report: the findings, the calls
/// made, each error as `<control>: <error>`; the host fails on any error,
/// drifts on any drifting finding, is changed when a call was made.
pub fn merge_into(report: &mut HostReport, outcomes: Vec<ProviderOutcome>) {
    let rank = |s: HostStatus| match s {
        HostStatus::InSync => 0,
        HostStatus::Changed => 1,
        HostStatus::Drift => 2,
        HostStatus::Failed => 3,
        HostStatus::RolledBack => 4,
    };
    let mut status = report.status;
    let mut raise = |s: HostStatus| {
        if rank(s) > rank(status) {
            status = s;
        }
    };
    for o in outcomes {
        if o.changed() {
            report.changed = true;
            report.changes_applied += o.done.len();
            raise(HostStatus::Changed);
        }
        if o.findings.iter().any(|f| f.status == Status::Drift) {
            raise(HostStatus::Drift);
        }
        if let Some(e) = &o.error {
            raise(HostStatus::Failed);
            let msg = format!("{}: {e}", o.control);
            report.error = Some(match report.error.take() {
                Some(prev) => format!("{prev}; {msg}"),
                None => msg,
            });
        }
        report.findings.extend(o.findings);
    }
    report.status = status;
}
