//! Reporting events to management over a webhook, with nothing lost.
//!
//! TOM-1.3-access-reporting and TOM-6-mgmt-access-report require that
//! access to systems and management ports is reported to management at
//! once. [`Notifier::send`] POSTs an [`Event`] as JSON to the configured
//! HTTPS webhook, retrying transient failures ([`retry`]); if it still
//! cannot deliver, the event goes to a persistent [`Outbox`] and the caller
//! is told loudly ([`Delivery::Queued`]). [`Notifier::flush_outbox`], run at
//! the start of every harden run, delivers what is queued, oldest first.
//! Receivers get an `Idempotency-Key` (the event id), so a retried or
//! re-flushed event can be recognised as a duplicate.

mod config;
mod outbox;
mod outcome;
mod retry;
mod scrub;
mod tls;

#[cfg(test)]
mod testkit;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod testserver;

pub use config::{ConfigError, ReportConfig, DEFAULT_TOKEN_ENV};
pub use outbox::Outbox;
pub use outcome::{Delivery, FlushReport, NotifyError};
pub use retry::RetryPolicy;
pub use scrub::scrub_body;
pub use tls::install_crypto_provider;
// The HTTP-API backend uses the same client and error descriptions.
pub(crate) use retry::{describe as describe_error, tls_error};
pub(crate) use tls::client as https_client;

use std::fmt;
use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Client, Url};
use rustix::fs::{flock, FlockOperation};

use crate::audit::Event;
use retry::Outcome;

/// The bearer token; never printed.
#[derive(Clone)]
struct Token(HeaderValue);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Delivers events to the webhook of a [`ReportConfig`].
#[derive(Debug, Clone)]
pub struct Notifier {
    client: Client,
    url: Url,
    token: Option<Token>,
    outbox: Outbox,
    retries: u32,
    timeout: Duration,
    policy: RetryPolicy,
}

impl Notifier {
    /// A notifier for `cfg`, whose relative paths are resolved against
    /// `base` (the inventory's directory). The token is read from the
    /// environment variable named by `token_env`; unset or empty means no
    /// `Authorization` header.
    pub fn new(cfg: &ReportConfig, base: &Path) -> Result<Notifier, NotifyError> {
        let token = std::env::var(&cfg.token_env).ok();
        Notifier::with_token(cfg, base, token)
    }

    /// Like [`Notifier::new`] with the token given directly (from a secret
    /// store, or in tests).
    pub fn with_token(
        cfg: &ReportConfig,
        base: &Path,
        token: Option<String>,
    ) -> Result<Notifier, NotifyError> {
        let url = cfg.validate()?;
        let timeout = Duration::from_secs(cfg.timeout_secs);
        let token = match token.filter(|t| !t.is_empty()) {
            None => None,
            Some(t) => {
                let mut v = HeaderValue::from_str(&format!("Bearer {t}")).map_err(|_| {
                    NotifyError::BadToken {
                        env: cfg.token_env.clone(),
                    }
                })?;
                v.set_sensitive(true);
                Some(Token(v))
            }
        };
        Ok(Notifier {
            client: tls::client(timeout, cfg.ca_path(base).as_deref())?,
            url,
            token,
            outbox: Outbox::new(cfg.outbox_dir(base)),
            retries: cfg.retries,
            timeout,
            policy: RetryPolicy::default(),
        })
    }

    /// Replaces the retry timing (tests use short waits).
    pub fn with_policy(mut self, policy: RetryPolicy) -> Notifier {
        self.policy = policy;
        self
    }

    /// True when a bearer token will be sent.
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// The outbox.
    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// Delivers `event`, retrying transient failures; queues it in the
    /// outbox if that fails.
    pub async fn send(&self, event: &Event) -> Delivery {
        let body = match serde_json::to_vec(event) {
            Ok(b) => b,
            Err(e) => {
                return Delivery::Lost {
                    reason: format!("cannot encode the event: {e}"),
                }
            }
        };
        match self.deliver(&event.id, &body).await {
            Ok((status, attempts)) => Delivery::Delivered { status, attempts },
            Err(reason) => match self.outbox.put(event, &body) {
                Ok(file) => Delivery::Queued { reason, file },
                Err(e) => Delivery::Lost {
                    reason: format!(
                        "{reason}; writing it to the outbox {} failed: {e}",
                        self.outbox.dir().display()
                    ),
                },
            },
        }
    }

    /// Delivers queued events oldest first, removing each file only after
    /// the receiver answered 2xx; stops at the first failure so order is
    /// kept. A file that is not an event is set aside (`.bad`) and reported.
    /// Only one run flushes at a time; another finds the lock taken and
    /// leaves the queue to it.
    pub async fn flush_outbox(&self) -> FlushReport {
        let mut report = FlushReport::default();
        let dir = self.outbox.dir().display().to_string();
        let queued = |report: &mut FlushReport| match self.outbox.list() {
            Ok(files) => report.still_queued = files.len(),
            Err(e) => report
                .errors
                .push(format!("outbox {dir}: cannot list: {e}")),
        };
        match self.outbox.list() {
            Ok(files) if files.is_empty() => return report,
            Ok(_) => {}
            Err(e) => {
                report
                    .errors
                    .push(format!("outbox {dir}: cannot list: {e}"));
                return report;
            }
        }
        let lock = match self.outbox.lock_file() {
            Ok(f) => f,
            Err(e) => {
                report
                    .errors
                    .push(format!("outbox {dir}: cannot lock: {e}"));
                queued(&mut report);
                return report;
            }
        };
        if flock(&lock, FlockOperation::NonBlockingLockExclusive).is_err() {
            report.errors.push(format!(
                "outbox {dir}: another harden run is delivering it; left to that run"
            ));
            queued(&mut report);
            return report;
        }
        let files = self.outbox.list().unwrap_or_default();
        for path in &files {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let bytes = match std::fs::read(path) {
                Ok(b) => b,
                Err(e) => {
                    report.errors.push(format!("{name}: cannot read: {e}"));
                    break;
                }
            };
            let event: Event = match serde_json::from_slice(&bytes) {
                Ok(ev) => ev,
                Err(e) => {
                    let moved = match self.outbox.quarantine(path) {
                        Ok(bad) => format!("moved to {}", bad.display()),
                        Err(me) => format!("could not be moved aside: {me}"),
                    };
                    report
                        .errors
                        .push(format!("{name}: not an event ({e}); {moved}"));
                    continue;
                }
            };
            let body = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
            match self.deliver(&event.id, body).await {
                Ok(_) => {
                    if let Err(e) = self.outbox.remove(path) {
                        report.errors.push(format!(
                            "{name}: delivered, but cannot remove it ({e}); it will be sent \
                             again with the same idempotency key"
                        ));
                        break;
                    }
                    report.delivered += 1;
                }
                Err(reason) => {
                    report.errors.push(format!("{name}: {reason}"));
                    break;
                }
            }
        }
        queued(&mut report);
        drop(lock);
        report
    }

    /// Attempts until delivered, a permanent failure, the retries or the
    /// time budget run out. Ok is (status, attempts).
    async fn deliver(&self, id: &str, body: &[u8]) -> Result<(u16, u32), String> {
        let started = Instant::now();
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let (reason, retry_after) = match self.attempt(id, body).await {
                Outcome::Delivered(status) => return Ok((status.as_u16(), attempts)),
                Outcome::Permanent(reason) => {
                    return Err(format!("{reason} (not retried: only a fix can help)"))
                }
                Outcome::Transient {
                    reason,
                    retry_after,
                } => (reason, retry_after),
            };
            let gave_up = |why: String| Err(format!("{reason} (gave up after {attempts} {why})"));
            if attempts > self.retries {
                return gave_up("attempts".into());
            }
            let mut wait = self.policy.backoff(attempts - 1, crate::random::u64());
            if let Some(ra) = retry_after {
                if ra > self.policy.retry_after_cap {
                    return gave_up(format!(
                        "attempts: the receiver asked to retry after {}s, longer than harden \
                         waits ({}s)",
                        ra.as_secs(),
                        self.policy.retry_after_cap.as_secs()
                    ));
                }
                wait = wait.max(ra);
            }
            if started.elapsed() + wait >= self.policy.budget {
                return gave_up(format!(
                    "attempts: the {}s time budget is spent",
                    self.policy.budget.as_secs()
                ));
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// One POST.
    async fn attempt(&self, id: &str, body: &[u8]) -> Outcome {
        let Ok(key) = HeaderValue::from_str(id) else {
            return Outcome::Permanent("the event id cannot be sent as Idempotency-Key".into());
        };
        let mut req = self
            .client
            .post(self.url.clone())
            .header(CONTENT_TYPE, "application/json")
            .header("Idempotency-Key", key)
            .body(body.to_vec());
        if let Some(Token(t)) = &self.token {
            req = req.header(AUTHORIZATION, t.clone());
        }
        match req.send().await {
            Ok(mut resp) => {
                let status = resp.status();
                let headers = resp.headers().clone();
                // The start of the body explains a rejection: bounded, and
                // never verbatim (a receiver may echo the token back).
                let mut body: Vec<u8> = Vec::new();
                while body.len() < scrub::READ_LIMIT {
                    match resp.chunk().await {
                        Ok(Some(b)) => body.extend_from_slice(&b),
                        _ => break,
                    }
                }
                let snippet = scrub::scrub_body(
                    &body,
                    &scrub::secrets(self.token.as_ref().map(|t| &t.0), &self.url),
                );
                retry::classify_status(status, &headers, &snippet)
            }
            Err(e) => retry::classify_error(&e, self.timeout),
        }
    }
}
