//! Events: every command that changes a firewall reports it the same way.
//!
//! One [`Reporter`] per run does, for each event, in this order:
//!
//! 1. append it to the local audit log next to the inventory
//!    (`[audit] log`; opened when the reporter is made, so a log harden
//!    cannot write stops a command before it changes anything);
//! 2. append it to the copy on each affected host
//!    (`/var/log/harden/audit.jsonl`, compare-and-append under the host
//!    lock: see [`hostcopy`]);
//! 3. send it to management's webhook (`[report]`), with the local log's
//!    `seq` and `hash` for this entry added as `details.audit`, so
//!    management holds an anchor for the local chain. If delivery fails the
//!    event waits in the outbox and the command says so on stderr in a
//!    line that starts `harden: !!!` — it does not fail: the change it
//!    reports has been made, and the next run delivers the event.
//!
//! A change to hosts is bracketed by an intent recorded before it and a
//! completion after it ([`intent`]). [`Reporter::flush`] runs at the start
//! of every run that talks to hosts (`plan`, `drift`, `apply`,
//! `maintenance …`): it delivers what earlier runs queued, then completes
//! the intents of runs that died ([`reconcile`]). While older events are still queued a new event goes into
//! the outbox behind them and the queue is delivered in order, so
//! management never sees a close before its open.
//!
//! The exit code changes only when an event could be neither delivered
//! nor queued, or the local log could not be written ([`Reporter::trouble`]).

pub mod apply;
pub mod hostcopy;
pub mod intent;
pub mod join;
pub mod pause;
mod pipeline;
pub mod reconcile;

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::audit::{Actor, AuditError, AuditLog, Entry, Event};
use crate::engine::context::RunContext;
use crate::inventory::{Host, Inventory};
use crate::notify::{Delivery, FlushReport, Notifier, NotifyError};
use crate::transport::{ClientConfig, Conn};

use join::{join_all, Boxed};

/// Why a reporter could not be set up.
#[derive(Debug)]
pub enum EventsError {
    /// The local audit log cannot be opened.
    Audit(AuditError),
    /// The webhook settings or token cannot be used.
    Notify(NotifyError),
}

impl fmt::Display for EventsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventsError::Audit(e) => e.fmt(f),
            EventsError::Notify(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for EventsError {}

/// Where the host copy of an event goes.
pub enum Target<'a> {
    /// Over a connection the command already has.
    Conn(&'a Host, &'a Conn),
    /// Over a new connection (apply closes its own before reporting).
    Connect(&'a Host),
}

/// What became of the webhook delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reported {
    /// No `[report]` in the inventory.
    NotConfigured,
    /// The receiver accepted it.
    Delivered(String),
    /// It waits in the outbox.
    Queued(String),
    /// Neither delivered nor queued.
    Lost(String),
}

/// What became of one event.
#[derive(Debug)]
pub struct Recorded {
    /// The local audit log entry.
    pub entry: Result<Entry, String>,
    /// Per host: the entry's seq in the host copy, or why it failed.
    pub copies: Vec<(String, Result<u64, String>)>,
    /// The webhook delivery.
    pub report: Reported,
}

fn loud(msg: &str) {
    eprintln!("harden: !!! {msg} !!!");
}

/// Prints what a flush did.
fn print_flush(r: &FlushReport, dir: &std::path::Path) {
    if r.delivered > 0 {
        eprintln!(
            "report: delivered {} queued event(s) from the outbox {}",
            r.delivered,
            dir.display()
        );
    }
    if r.still_queued > 0 {
        loud(&format!(
            "{} earlier event(s) in the outbox {} are still NOT REPORTED to management: {}",
            r.still_queued,
            dir.display(),
            r.errors.join("; ")
        ));
    } else {
        for e in &r.errors {
            crate::warn::say(crate::warn::Code::Outbox, format!("outbox: {e}"));
        }
    }
}

/// The notifier for `inv`, if `[report]` is set.
pub fn notifier(inv: &Inventory) -> Result<Option<Notifier>, NotifyError> {
    inv.report
        .as_ref()
        .map(|cfg| Notifier::new(cfg, &inv.dir))
        .transpose()
}

/// For runs that record nothing (`plan`, `drift`): deliver the outbox.
/// A notifier that cannot be set up is a warning here, not an error: a
/// drift check must not fail because of the webhook.
pub async fn flush_only(inv: &Inventory) {
    match notifier(inv) {
        Ok(Some(n)) => print_flush(&n.flush_outbox().await, n.outbox().dir()),
        Ok(None) => {}
        Err(e) => crate::warn::say(
            crate::warn::Code::Notifier,
            format!("queued events not delivered: {e}"),
        ),
    }
}

/// For read-only runs that talk to hosts (`drift`, `plan`, `maintenance
/// list`): deliver the outbox and complete the intents of runs that died.
/// A local log that cannot be opened only warns here (then only the outbox
/// is delivered).
pub async fn flush_read_only(inv: &Inventory, ctx: &RunContext) {
    match Reporter::new(inv, ctx) {
        Ok(r) => r.flush().await,
        Err(e) => {
            crate::warn::say(
                crate::warn::Code::EventsUnchecked,
                format!("events of earlier runs not checked: {e}"),
            );
            flush_only(inv).await;
        }
    }
}

/// Records and reports the events of one run.
pub struct Reporter {
    log: AuditLog,
    hosts: Vec<Host>,
    notifier: Option<Notifier>,
    actor: Actor,
    client: ClientConfig,
    backlog: AtomicBool,
    trouble: AtomicBool,
}

impl Reporter {
    /// A reporter for a run against `inv`: opens (creates) the local log
    /// and sets up the webhook client.
    pub fn new(inv: &Inventory, ctx: &RunContext) -> Result<Reporter, EventsError> {
        Ok(Reporter {
            log: AuditLog::open(&inv.audit.log).map_err(EventsError::Audit)?,
            hosts: inv.hosts.clone(),
            notifier: notifier(inv).map_err(EventsError::Notify)?,
            actor: Actor::current(ctx.key_id.clone()),
            client: ctx.client.clone(),
            backlog: AtomicBool::new(false),
            trouble: AtomicBool::new(false),
        })
    }

    /// A reporter for commands that change no host (the CA's): local log
    /// and webhook only; events recorded with it must have no targets.
    pub fn offline(inv: &Inventory) -> Result<Reporter, EventsError> {
        Ok(Reporter {
            log: AuditLog::open(&inv.audit.log).map_err(EventsError::Audit)?,
            hosts: Vec::new(),
            notifier: notifier(inv).map_err(EventsError::Notify)?,
            actor: Actor::current(None),
            client: ClientConfig {
                dir: std::env::temp_dir(),
                run_identity: Vec::new(),
                ca_known_hosts: None,
                command_timeout: Duration::from_secs(10),
            },
            backlog: AtomicBool::new(false),
            trouble: AtomicBool::new(false),
        })
    }

    /// Who this run acts as.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// A new event by this run's actor.
    pub fn event(&self, action: &str, hosts: Vec<String>) -> Event {
        let mut e = Event::new(action, hosts);
        e.actor = self.actor.clone();
        e
    }

    /// True when an event was lost or the local log could not be written.
    pub fn trouble(&self) -> bool {
        self.trouble.load(Ordering::SeqCst)
    }

    /// Delivers what earlier runs queued, then completes the intents of
    /// runs that died (only where hosts are known: not for offline
    /// reporters).
    pub async fn flush(&self) {
        if let Some(n) = &self.notifier {
            let r = n.flush_outbox().await;
            self.backlog.store(r.still_queued > 0, Ordering::SeqCst);
            print_flush(&r, n.outbox().dir());
        }
        if !self.hosts.is_empty() {
            self.reconcile().await;
        }
    }

    /// Records `event`: local log, host copies, webhook (see the module
    /// doc and [`pipeline`]), printing what happened to stderr.
    pub async fn record(&self, event: Event, targets: &[Target<'_>]) -> Recorded {
        let Ok(recorded) = self
            .pipeline::<pipeline::AfterTheFact>(event, targets)
            .await;
        recorded
    }

    async fn copy_to_hosts(&self, event: &Event, targets: &[Target<'_>]) -> pipeline::Copies {
        let futs: Vec<Boxed<'_, (String, Result<u64, String>)>> = targets
            .iter()
            .map(|t| {
                Box::pin(async move {
                    let host = match t {
                        Target::Conn(h, _) | Target::Connect(h) => *h,
                    };
                    let limit = host.conn.connect_timeout
                        + self.client.command_timeout * 2
                        + Duration::from_secs(5);
                    let work = async {
                        match t {
                            Target::Conn(h, c) => hostcopy::append(c, &h.name, event).await,
                            Target::Connect(h) => {
                                match Conn::connect(h, &self.client, "audit").await {
                                    Ok(c) => {
                                        let r = hostcopy::append(&c, &h.name, event).await;
                                        c.close().await;
                                        r
                                    }
                                    Err(e) => Err(e.to_string()),
                                }
                            }
                        }
                    };
                    let r = tokio::time::timeout(limit, work)
                        .await
                        .unwrap_or_else(|_| Err(format!("no answer within {}s", limit.as_secs())));
                    (host.name.clone(), r)
                }) as Boxed<'_, _>
            })
            .collect();
        join_all(futs).await
    }

    async fn deliver(&self, n: &Notifier, wire: &Event) -> Reported {
        if !self.backlog.load(Ordering::SeqCst) {
            let d = n.send(wire).await;
            return match d {
                Delivery::Delivered { .. } => Reported::Delivered(d.to_string()),
                Delivery::Queued { .. } => {
                    self.backlog.store(true, Ordering::SeqCst);
                    Reported::Queued(d.to_string())
                }
                Delivery::Lost { .. } => Reported::Lost(d.to_string()),
            };
        }
        // Older events wait in the outbox: queue behind them, deliver in order.
        let body = match serde_json::to_vec(wire) {
            Ok(b) => b,
            Err(e) => {
                return Reported::Lost(format!("NOT REPORTED and NOT QUEUED: cannot encode: {e}"))
            }
        };
        let file = match n.outbox().put(wire, &body) {
            Ok(f) => f,
            Err(e) => {
                return Reported::Lost(format!(
                    "NOT REPORTED to management and NOT QUEUED: writing the outbox {} failed: {e}; report it by hand",
                    n.outbox().dir().display()
                ))
            }
        };
        let r = n.flush_outbox().await;
        self.backlog.store(r.still_queued > 0, Ordering::SeqCst);
        if file.exists() {
            Reported::Queued(format!(
                "NOT REPORTED to management: {}; queued in {} behind {} earlier event(s) for the next run",
                r.errors.join("; "),
                file.display(),
                r.still_queued.saturating_sub(1)
            ))
        } else {
            Reported::Delivered(format!(
                "reported to management (after {} earlier queued event(s), in order)",
                r.delivered.saturating_sub(1)
            ))
        }
    }
}
