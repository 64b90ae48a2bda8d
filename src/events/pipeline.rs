//! The one ordered pipeline every event goes through, in two modes.
//!
//! Both [`Reporter::record`] (after the fact) and
//! [`Reporter::record_intent`] (write-ahead) run, in this order:
//!
//! 1. append the event to the local audit log;
//! 2. anchor it: the wire copy gets the entry's `seq` and `hash` as
//!    `details.audit`;
//! 3. write-ahead only: queue the wire copy in the outbox;
//! 4. append the event to each target host's audit copy;
//! 5. report to management: after the fact, deliver the wire copy (or
//!    queue it behind older events); write-ahead, deliver the outbox the
//!    intent already waits in.
//!
//! After the fact nothing stops the pipeline: a failure is said loudly and
//! the next step runs (the change has been made). Write-ahead, a local log
//! or outbox that cannot be written stops it before any host is touched
//! (then nothing may change); a host copy that fails is handed back so that
//! host is left unchanged.

use std::convert::Infallible;
use std::sync::atomic::Ordering;

use serde_json::json;

use super::{loud, Recorded, Reported, Reporter, Target};
use crate::audit::{Entry, Event};
use crate::notify::Notifier;

/// Per host: the entry's seq in the host copy, or why it failed.
pub(super) type Copies = Vec<(String, Result<u64, String>)>;

/// What differs between the two modes; the order of the steps does not.
pub(super) trait Mode {
    /// What stops the pipeline: nothing after the fact, a message
    /// write-ahead.
    type Stop;
    /// True for write-ahead (queue before the host copies, flush after).
    const WRITE_AHEAD: bool;
    /// The local log could not be written (`trouble` is already set).
    fn unlogged(action: &str, e: &str) -> Result<(), Self::Stop>;
    /// Queues the anchored event before the host copies are written.
    fn queue(r: &Reporter, wire: &Event) -> Result<(), Self::Stop>;
    /// Prints what became of the host copies.
    fn print_copies(action: &str, copies: &Copies);
}

/// A change that has been made: every failure is said, none stops.
pub(super) struct AfterTheFact;

/// A change about to be made: the event must be in the local log and the
/// outbox before any host is touched.
pub(super) struct WriteAhead;

impl Mode for AfterTheFact {
    type Stop = Infallible;
    const WRITE_AHEAD: bool = false;

    fn unlogged(action: &str, e: &str) -> Result<(), Infallible> {
        loud(&format!(
            "{action} NOT RECORDED in the local audit log: {e}"
        ));
        Ok(())
    }

    fn queue(_: &Reporter, _: &Event) -> Result<(), Infallible> {
        Ok(())
    }

    fn print_copies(action: &str, copies: &Copies) {
        let ok: Vec<String> = copies
            .iter()
            .filter_map(|(h, r)| r.as_ref().ok().map(|seq| format!("{h} (entry {seq})")))
            .collect();
        if !ok.is_empty() {
            eprintln!("audit: {action} copied to {}", ok.join(", "));
        }
        for (h, r) in copies {
            if let Err(e) = r {
                loud(&format!("{action} audit copy on {h} FAILED: {e}"));
            }
        }
    }
}

impl Mode for WriteAhead {
    type Stop = String;
    const WRITE_AHEAD: bool = true;

    fn unlogged(action: &str, e: &str) -> Result<(), String> {
        Err(format!(
            "{action} could not be written to the local audit log: {e}"
        ))
    }

    fn queue(r: &Reporter, wire: &Event) -> Result<(), String> {
        let Some(n) = &r.notifier else {
            return Ok(());
        };
        let action = &wire.action;
        let body = serde_json::to_vec(wire).map_err(|e| format!("{action}: {e}"))?;
        n.outbox().put(wire, &body).map_err(|e| {
            r.trouble.store(true, Ordering::SeqCst);
            format!(
                "{action} could not be queued in the outbox {}: {e}",
                n.outbox().dir().display()
            )
        })?;
        Ok(())
    }

    fn print_copies(action: &str, copies: &Copies) {
        for (h, r) in copies {
            match r {
                Ok(seq) => eprintln!("audit: {action} copied to {h} (entry {seq})"),
                Err(e) => loud(&format!(
                    "{action} audit copy on {h} FAILED: {e}; {h} is left unchanged"
                )),
            }
        }
    }
}

/// Said once per run when events are recorded but no webhook is set.
pub const NO_WEBHOOK: &str =
    "no [report] webhook in the inventory: this run's events are in the audit log only";

/// The event as management gets it: with the local entry's anchor.
fn anchored(event: &Event, entry: Option<&Entry>) -> Event {
    let mut wire = event.clone();
    if let (Some(e), Some(d)) = (entry, wire.details.as_object_mut()) {
        d.insert("audit".into(), json!({"seq": e.seq, "hash": e.hash}));
    }
    wire
}

impl Reporter {
    /// Runs `event` through the steps in the module doc, in mode `M`,
    /// printing what happened to stderr.
    pub(super) async fn pipeline<M: Mode>(
        &self,
        event: Event,
        targets: &[Target<'_>],
    ) -> Result<Recorded, M::Stop> {
        let action = event.action.clone();
        let entry = self.log.append(&event).map_err(|e| e.to_string());
        match &entry {
            Ok(e) => eprintln!(
                "audit: {action} {} recorded as entry {} of {}",
                event.id,
                e.seq,
                self.log.path().display()
            ),
            Err(e) => {
                self.trouble.store(true, Ordering::SeqCst);
                M::unlogged(&action, e)?;
            }
        }
        let wire = anchored(&event, entry.as_ref().ok());
        M::queue(self, &wire)?;
        let copies = self.copy_to_hosts(&event, targets).await;
        M::print_copies(&action, &copies);
        let report = match &self.notifier {
            Some(n) if M::WRITE_AHEAD => self.flush_queued(n).await,
            Some(n) => self.deliver(n, &wire).await,
            None if M::WRITE_AHEAD => Reported::NotConfigured,
            None => {
                crate::warn::say(crate::warn::Code::NoWebhook, NO_WEBHOOK);
                Reported::NotConfigured
            }
        };
        match &report {
            Reported::Delivered(m) => eprintln!("report: {action} {m}"),
            Reported::Queued(m) => loud(&format!("{action} {m}")),
            Reported::Lost(m) => {
                self.trouble.store(true, Ordering::SeqCst);
                loud(&format!("{action} {m}"));
            }
            Reported::NotConfigured => {}
        }
        Ok(Recorded {
            entry,
            copies,
            report,
        })
    }

    /// Delivers the outbox an intent was queued in (write-ahead step 5).
    async fn flush_queued(&self, n: &Notifier) -> Reported {
        let r = n.flush_outbox().await;
        self.backlog.store(r.still_queued > 0, Ordering::SeqCst);
        if r.still_queued > 0 {
            Reported::Queued(format!(
                "is queued in the outbox {} but NOT YET REPORTED to management: {}",
                n.outbox().dir().display(),
                r.errors.join("; ")
            ))
        } else {
            Reported::Delivered("reported to management".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;
    use std::time::Duration;

    use super::*;
    use crate::audit::{Actor, AuditLog};
    use crate::transport::ClientConfig;

    /// A reporter with no hosts and no webhook, logging to `dir/audit.jsonl`.
    fn reporter(dir: &std::path::Path) -> Reporter {
        Reporter {
            log: AuditLog::open(dir.join("audit.jsonl")).unwrap(),
            hosts: Vec::new(),
            notifier: None,
            actor: Actor::current(None),
            client: ClientConfig {
                dir: dir.to_path_buf(),
                run_identity: Vec::new(),
                ca_known_hosts: None,
                command_timeout: Duration::from_secs(1),
            },
            backlog: AtomicBool::new(false),
            trouble: AtomicBool::new(false),
        }
    }

    /// Makes the local log unwritable: its path becomes a directory.
    fn break_log(dir: &std::path::Path) {
        let log = dir.join("audit.jsonl");
        std::fs::remove_file(&log).unwrap();
        std::fs::create_dir(&log).unwrap();
    }

    #[tokio::test]
    async fn both_modes_append_to_the_local_log_in_turn() {
        let d = tempfile::tempdir().unwrap();
        let r = reporter(d.path());
        let intent = r
            .record_intent(r.event("apply-intent", vec![]), &[])
            .await
            .unwrap();
        assert!(intent.refused.is_empty());
        let done = r.record(r.event("apply", vec![]), &[]).await;
        assert_eq!(done.entry.unwrap().seq, 2);
        assert!(done.copies.is_empty());
        assert_eq!(done.report, Reported::NotConfigured);
        let text = std::fs::read_to_string(d.path().join("audit.jsonl")).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(text.contains(&intent.id));
        assert!(!r.trouble());
    }

    /// Events without a webhook say "no webhook" through the run-wide
    /// registry (`crate::warn`), which prints it once per process however
    /// many events and reporters say it.
    #[tokio::test]
    async fn no_webhook_is_said_through_the_registry() {
        let d = tempfile::tempdir().unwrap();
        for a in ["firewall-change", "apply", "ca-sign"] {
            let r = reporter(d.path());
            assert_eq!(
                r.record(r.event(a, vec![]), &[]).await.report,
                Reported::NotConfigured
            );
        }
        assert!(crate::warn::said(crate::warn::Code::NoWebhook, NO_WEBHOOK));
    }

    #[tokio::test]
    async fn write_ahead_stops_when_the_local_log_cannot_be_written() {
        let d = tempfile::tempdir().unwrap();
        let r = reporter(d.path());
        break_log(d.path());
        let err = r
            .record_intent(r.event("apply-intent", vec![]), &[])
            .await
            .unwrap_err();
        assert!(
            err.starts_with("apply-intent could not be written to the local audit log: "),
            "{err}"
        );
        assert!(r.trouble());
    }

    #[tokio::test]
    async fn after_the_fact_goes_on_when_the_local_log_cannot_be_written() {
        let d = tempfile::tempdir().unwrap();
        let r = reporter(d.path());
        break_log(d.path());
        let done = r.record(r.event("apply", vec![]), &[]).await;
        assert!(done.entry.is_err());
        assert_eq!(done.report, Reported::NotConfigured);
        assert!(r.trouble());
    }

    #[test]
    fn the_anchor_is_added_only_with_an_entry() {
        let d = tempfile::tempdir().unwrap();
        let log = AuditLog::open(d.path().join("a.jsonl")).unwrap();
        let ev = Event::new("apply", vec![]);
        let entry = log.append(&ev).unwrap();
        let wire = anchored(&ev, Some(&entry));
        assert_eq!(wire.details["audit"]["seq"], 1);
        assert_eq!(wire.details["audit"]["hash"], json!(entry.hash));
        assert!(anchored(&ev, None).details.get("audit").is_none());
        assert!(ev.details.get("audit").is_none());
    }
}
