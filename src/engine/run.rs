//! Runs `plan`, `drift` and `apply` across hosts: one code path.
//!
//! Phase one (all modes) connects to each host once, gathers its facts in
//! one round trip and evaluates every control. Phase two (apply only, after
//! the caller's confirmation) carries out exactly the changes phase one
//! found, control by control, guarded against lock-out, then probes again
//! and reports what is still off. Hosts run in parallel up to `jobs`, each
//! inside its own task with a time limit, so one slow or failing host never
//! stops the others; a panic becomes that host's error.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::check::{self, ControlState};
use super::fanout;
use super::hostlock::HostLock;
use crate::backend::ssh::probe as facts;
use crate::contract::HostCtx;
use crate::inventory::Inventory;
use crate::report::model::{Finding, HostReport, HostStatus, Status};
use crate::transport::{ClientConfig, Conn};

/// What the run may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Show changes (read-only).
    Plan,
    /// Report drift (read-only).
    Drift,
    /// Make changes.
    Apply,
}

/// Run settings.
#[derive(Clone, Debug)]
pub struct Options {
    /// Parallel hosts.
    pub jobs: usize,
    /// Seconds after which an unconfirmed guarded change rolls back.
    pub rollback_after: Duration,
    /// Refuse controls whose pre-flight checks fail.
    pub preflight: bool,
    /// Transport settings.
    pub client: ClientConfig,
    /// Unique id of this run.
    pub run_id: String,
    /// The CA (unlocked), when configured.
    pub ca: Option<Arc<crate::ca::CaRuntime>>,
    /// Take the whole-host lock for this long at most (apply); None for
    /// read-only runs (see `hostlock.rs`).
    pub lock_wait: Option<Duration>,
    /// Who this run is, as the host lock records it.
    pub owner: String,
    /// Connected with the read-only drift credential: probes are asked of
    /// the host's probe runner by digest (`crate::drift_access`).
    pub read_only: bool,
}

/// Set when the run was asked to stop (SIGINT/SIGTERM): no new host is
/// started and no further control is applied; the current guarded step
/// finishes (or rolls back) first.
static STOP: AtomicBool = AtomicBool::new(false);

/// Asks the run to stop after the current step.
pub fn request_stop() {
    STOP.store(true, Ordering::SeqCst);
}

/// True once a stop was requested.
pub fn stopping() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// The error of a host the run did not start or finish because it was
/// asked to stop.
pub const INTERRUPTED: &str = "interrupted by a signal";

/// The longest a whole-host lock is held by one run.
pub fn lock_life(opts: &Options) -> Duration {
    opts.client.command_timeout * 6 + opts.rollback_after * 4 + Duration::from_secs(300)
}

/// Receives progress messages (the CLI draws them).
pub trait Progress: Send + Sync {
    /// A host reached a new step.
    fn step(&self, host: &str, msg: &str);
    /// A host finished.
    fn done(&self, host: &str, msg: &str);
}

/// A host after phase one.
pub struct Checked {
    /// Index into `inv.hosts`.
    pub index: usize,
    pub(super) conn: Option<Conn>,
    pub(super) lock: Option<HostLock>,
    /// Per-control state.
    pub controls: Vec<ControlState>,
    pub(super) started: Instant,
    /// When its facts were read over SSH: from the start of the host's
    /// turn to the end of planning (Unix seconds); `None` when nothing on
    /// it is managed over SSH.
    pub(super) read_span: Option<(u64, u64)>,
}

impl Checked {
    /// When the host's facts were read over SSH (start, end; Unix
    /// seconds), if they were.
    pub fn read_span(&self) -> Option<(u64, u64)> {
        self.read_span
    }

    /// True when apply has work on this host.
    pub fn needs_apply(&self) -> bool {
        self.controls.iter().any(ControlState::needs_apply)
    }

    /// The read-only report for this host.
    pub fn report(&self, inv: &Inventory) -> HostReport {
        let host = &inv.hosts[self.index];
        let findings: Vec<Finding> = self
            .controls
            .iter()
            .flat_map(|c| c.plan.findings.iter().cloned())
            .collect();
        let drift = findings.iter().any(|f| f.status == Status::Drift);
        let failed = findings.iter().any(|f| f.status == Status::Failed);
        HostReport {
            host: host.name.clone(),
            address: host.address.to_string(),
            status: if failed {
                HostStatus::Failed
            } else if drift {
                HostStatus::Drift
            } else {
                HostStatus::InSync
            },
            error: failed.then(|| "some checks could not be run".to_string()),
            findings,
            changes_applied: 0,
            changed: false,
            duration_ms: self.started.elapsed().as_millis() as u64,
        }
    }

    /// Releases the host locks and closes the connections of many hosts
    /// at once (each release is a round trip to its host).
    pub async fn close_all(hosts: Vec<Checked>) {
        let tasks: Vec<_> = hosts.into_iter().map(|c| tokio::spawn(c.close())).collect();
        for t in tasks {
            let _ = t.await;
        }
    }

    /// Releases the host lock and closes the connection.
    pub async fn close(mut self) {
        if let Some(l) = self.lock.take() {
            l.release().await;
        }
        if let Some(c) = self.conn.take() {
            c.close().await;
        }
    }
}

/// Either a checked host or its failure report.
pub type PhaseOne = Result<Checked, HostReport>;

/// Gathers the facts of host `index`: the first phase in one round trip,
/// and a second only when some control asks for facts that depend on the
/// first (never more than two). Outside TLS probes of each phase are
/// answered from here, beside the host's round trip (`backend/tls`).
pub(super) async fn gather(
    inv: &Inventory,
    index: usize,
    conn: &Conn,
    ca: Option<&crate::ca::CaRuntime>,
    read_only: bool,
) -> Result<crate::contract::Facts, String> {
    let host = &inv.hosts[index];
    let base = HostCtx::new(inv, host, ca);
    let ports = check::declared_ports(&base);
    let ctx = base.with_ports(&ports);
    let mut got = probe_phase(conn, &check::probes(&ctx)?, read_only).await?;
    let after = check::probes_after(&ctx, &got)?;
    if !after.is_empty() {
        let more = probe_phase(conn, &after, read_only).await?;
        got.merge(more);
    }
    Ok(got)
}

/// One phase: the host's probes over SSH and the outside TLS probes from
/// the controller, at the same time.
async fn probe_phase(
    conn: &Conn,
    probes: &std::collections::BTreeSet<crate::contract::Probe>,
    read_only: bool,
) -> Result<crate::contract::Facts, String> {
    let (host, seen) = tokio::join!(probe_once(conn, probes, read_only), answer_outside(probes));
    let mut got = host?;
    for (id, s) in seen {
        got.set_tls(&id, s);
    }
    Ok(got)
}

/// Answers the outside TLS probes among `probes` from the controller (the
/// host's probe script skips them).
pub(super) async fn answer_outside(
    probes: &std::collections::BTreeSet<crate::contract::Probe>,
) -> Vec<(String, crate::contract::TlsSeen)> {
    let outside = probes
        .iter()
        .filter_map(|p| match p {
            crate::contract::Probe::Tls(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    crate::backend::tls::answer(outside).await
}

async fn probe_once(
    conn: &Conn,
    probes: &std::collections::BTreeSet<crate::contract::Probe>,
    read_only: bool,
) -> Result<crate::contract::Facts, String> {
    let nonce = format!("{:016x}", crate::random::u64());
    let sent = if read_only {
        crate::drift_access::request(probes, &nonce)
    } else {
        facts::script(probes, &nonce)
    };
    let out = conn.exec(&sent).await.map_err(|e| e.to_string())?;
    if read_only && out.rc != 0 {
        return Err(crate::drift_access::explain(out.rc, &out.stderr));
    }
    if out.rc != 0 {
        return Err(format!(
            "probe script exited {}: {}",
            out.rc,
            out.stderr.trim()
        ));
    }
    facts::parse(&out.stdout, &nonce).map_err(|e| e.to_string())
}

/// Plans every control of host `index` from its facts.
pub(super) fn plan_host(
    inv: &Inventory,
    index: usize,
    ca: Option<&crate::ca::CaRuntime>,
    got: &crate::contract::Facts,
) -> Result<Vec<ControlState>, String> {
    check::with_host_ctx(inv, &inv.hosts[index], ca, |ctx| check::evaluate(ctx, got))
}

async fn check_one(
    inv: Arc<Inventory>,
    index: usize,
    opts: Arc<Options>,
    ui: Arc<dyn Progress>,
) -> PhaseOne {
    let started = Instant::now();
    let began = crate::timefmt::now();
    let host = &inv.hosts[index];
    let fail = |e: String| {
        HostReport::failed(
            &host.name,
            host.address.to_string(),
            e,
            started.elapsed().as_millis() as u64,
        )
    };
    if stopping() {
        return Err(fail(format!("not started: {INTERRUPTED}")));
    }
    if check::controls_for(&HostCtx::new(&inv, host, opts.ca.as_deref())).is_empty() {
        // Nothing on this host is managed over SSH: do not connect.
        return Ok(Checked {
            index,
            conn: None,
            lock: None,
            controls: Vec::new(),
            started,
            read_span: None,
        });
    }
    ui.step(&host.name, "connecting");
    let conn = Conn::connect(host, &opts.client, "main")
        .await
        .map_err(|e| {
            fail(crate::drift_access::explain_connect(
                opts.read_only,
                &opts.client,
                e.to_string(),
            ))
        })?;
    let lock = match opts.lock_wait {
        None => None,
        Some(wait) => {
            ui.step(&host.name, "taking the host lock");
            match HostLock::acquire(
                host,
                &opts.client,
                &conn,
                &opts.run_id,
                &opts.owner,
                wait,
                lock_life(&opts),
            )
            .await
            {
                Ok(l) => Some(l),
                Err(e) => {
                    conn.close().await;
                    return Err(fail(e));
                }
            }
        }
    };
    let release = |lock: Option<HostLock>| async move {
        if let Some(l) = lock {
            l.release().await;
        }
    };
    if lock.is_some() {
        let limit = opts.rollback_after + Duration::from_secs(10);
        if let Err(e) =
            super::hostlock::wait_for_pending_rollbacks(&conn, &opts.run_id, limit).await
        {
            release(lock).await;
            conn.close().await;
            return Err(fail(e));
        }
    }
    ui.step(&host.name, "reading facts");
    let facts = match gather(&inv, index, &conn, opts.ca.as_deref(), opts.read_only).await {
        Ok(f) => f,
        Err(e) => {
            release(lock).await;
            conn.close().await;
            return Err(fail(format!("{}: {e}", host.name)));
        }
    };
    if facts.base.uid != Some(0) {
        release(lock).await;
        conn.close().await;
        return Err(fail(format!(
            "{}: commands run as uid {:?}, not root; connect as root or give {} passwordless sudo",
            host.name, facts.base.uid, host.conn.user
        )));
    }
    match plan_host(&inv, index, opts.ca.as_deref(), &facts) {
        Ok(controls) => Ok(Checked {
            index,
            conn: Some(conn),
            lock,
            controls,
            started,
            read_span: Some((began, crate::timefmt::now())),
        }),
        Err(e) => {
            release(lock).await;
            conn.close().await;
            Err(fail(format!("{}: {e}", host.name)))
        }
    }
}

/// Phase one for the selected hosts, in inventory order.
pub async fn check_all(
    inv: Arc<Inventory>,
    hosts: &[usize],
    opts: Arc<Options>,
    ui: Arc<dyn Progress>,
) -> Vec<PhaseOne> {
    // Connect, take the lock (a channel on the same connection, then a
    // bounded wait), probe.
    let work: Vec<(usize, Duration)> = hosts
        .iter()
        .map(|&i| {
            let limit = inv.hosts[i].conn.connect_timeout * 2
                + opts
                    .lock_wait
                    .map(|w| w + Duration::from_secs(20))
                    .unwrap_or_default()
                + opts.client.command_timeout
                + crate::backend::tls::Limits::default().total() * 2
                + Duration::from_secs(10);
            (i, limit)
        })
        .collect();
    let results = fanout::each(work, opts.jobs, |i| {
        check_one(inv.clone(), i, opts.clone(), ui.clone())
    })
    .await;
    let mut out: Vec<PhaseOne> = results
        .into_iter()
        .zip(hosts)
        .map(|(r, &i)| {
            r.unwrap_or_else(|e| {
                let h = &inv.hosts[i];
                let ms = match &e {
                    fanout::Unfinished::Timeout(d) => d.as_millis() as u64,
                    fanout::Unfinished::Crashed(_) => 0,
                };
                Err(HostReport::failed(
                    &h.name,
                    h.address.to_string(),
                    format!("{}: {e}", h.name),
                    ms,
                ))
            })
        })
        .collect();
    for r in &mut out {
        if let Err(rep) = r {
            rep.normalise_error();
        }
    }
    for r in &out {
        match r {
            Ok(c) => {
                let rep = c.report(&inv);
                ui.done(&rep.host, &summary(&rep));
            }
            Err(rep) => ui.done(&rep.host, rep.error.as_deref().unwrap_or("failed")),
        }
    }
    out
}

/// A host's progress line when it is done. It counts checks, as the run's
/// summary does (`(133 checks changed)` is the sum of the hosts' `N checks
/// changed`), never `changes_applied` (files written, reloads).
pub(super) fn summary(r: &HostReport) -> String {
    match r.status {
        HostStatus::InSync => "in sync".into(),
        HostStatus::Drift => format!("{} checks drifting", r.count(Status::Drift)),
        HostStatus::Changed => format!("{} checks changed", r.count(Status::Changed)),
        HostStatus::RolledBack => "rolled back".into(),
        HostStatus::Failed => r.error.clone().unwrap_or_else(|| "failed".into()),
    }
}

#[cfg(test)]
#[path = "run_outside_tests.rs"]
mod outside_tests;
#[cfg(test)]
#[path = "progress_tests.rs"]
mod progress_tests;
