//! When to try a delivery again, and how long to wait first.
//!
//! Transient failures (connection refused or reset, timeouts, HTTP 408, 429
//! and 5xx) are retried with exponential backoff and jitter — 0.5 s, 1 s,
//! 2 s, … each ±25 %, capped — so that many harden runs hitting a receiver
//! that just came back do not retry in lock-step. A `Retry-After: <seconds>`
//! from the server is honoured up to a cap; a longer one ends the attempts
//! (the event waits in the outbox for the next run). Every other failure —
//! 4xx, a redirect, a TLS certificate the configuration does not trust — is
//! not retried: trying again cannot help, only the configuration can.
//! Retrying a POST is safe because the receiver gets an `Idempotency-Key`.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;

/// Timing of retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Wait before the first retry (doubled for each further one).
    pub base: Duration,
    /// Longest wait between attempts from backoff alone.
    pub cap: Duration,
    /// Longest `Retry-After` harden waits for.
    pub retry_after_cap: Duration,
    /// Longest total time for one delivery, attempts and waits together;
    /// no new attempt starts once it would be exceeded.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_millis(500),
            cap: Duration::from_secs(8),
            retry_after_cap: Duration::from_secs(30),
            budget: Duration::from_secs(90),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (0 for the first), with jitter
    /// from `random`.
    pub fn backoff(&self, retry: u32, random: u64) -> Duration {
        let nominal = self
            .base
            .saturating_mul(1u32.checked_shl(retry.min(20)).unwrap_or(u32::MAX))
            .min(self.cap);
        // ±25 %: nominal * (0.75 + 0.5 * r), r uniform in [0, 1).
        let r = (random >> 11) as f64 / (1u64 << 53) as f64;
        nominal.mul_f64(0.75 + 0.5 * r).min(self.cap)
    }
}

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// 2xx.
    Delivered(StatusCode),
    /// Worth another try, possibly after the server's `Retry-After`.
    Transient {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// Trying again cannot help.
    Permanent(String),
}

/// Classifies a response status.
pub(crate) fn classify_status(status: StatusCode, headers: &HeaderMap, body: &str) -> Outcome {
    if status.is_success() {
        return Outcome::Delivered(status);
    }
    let mut reason = format!("HTTP {status}");
    if !body.is_empty() {
        reason.push_str(&format!(": {body}"));
    }
    if status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
        || status.is_server_error()
    {
        Outcome::Transient {
            reason,
            retry_after: retry_after(headers),
        }
    } else {
        Outcome::Permanent(reason)
    }
}

/// `Retry-After` in seconds. The HTTP-date form is not used by webhook
/// receivers in practice and falls back to the backoff.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    v.parse::<u64>().ok().map(Duration::from_secs)
}

/// Classifies a transport error (no response).
pub(crate) fn classify_error(err: &reqwest::Error, timeout: Duration) -> Outcome {
    if let Some(tls) = tls_error(err) {
        return Outcome::Permanent(format!("TLS: {tls}"));
    }
    let reason = if err.is_timeout() {
        format!("no answer within {}s", timeout.as_secs())
    } else {
        describe(err)
    };
    Outcome::Transient {
        reason,
        retry_after: None,
    }
}

/// The error and its causes, without the URL (it may carry a secret).
pub(crate) fn describe(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        let s = match e.downcast_ref::<reqwest::Error>() {
            Some(r) if r.url().is_some() => {
                // Display of a reqwest error appends " for url (...)".
                let full = r.to_string();
                full.split(" for url (").next().unwrap_or("").to_string()
            }
            _ => e.to_string(),
        };
        if !s.is_empty() && !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = e.source();
    }
    parts.join(": ")
}

/// A rustls error somewhere in the chain (io::Error hides its inner error
/// from `source()`, so look inside those too).
pub(crate) fn tls_error(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(t) = e.downcast_ref::<rustls::Error>() {
            return Some(t.to_string());
        }
        // io::Error's source() skips the error it wraps: unwrap by hand
        // (the connector nests io::Error(Other, io::Error(InvalidData, tls))).
        let mut inner: &(dyn std::error::Error + 'static) = e;
        while let Some(wrapped) = inner
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            if let Some(t) = wrapped.downcast_ref::<rustls::Error>() {
                return Some(t.to_string());
            }
            inner = wrapped;
        }
        cur = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let p = RetryPolicy::default();
        let ms = |retry, r| p.backoff(retry, r).as_millis();
        assert_eq!(ms(0, 0), 375);
        assert!((624..=625).contains(&ms(0, u64::MAX)));
        assert_eq!(ms(1, 0), 750);
        assert_eq!(ms(2, 0), 1500);
        assert!(ms(2, u64::MAX) <= 2500);
        assert_eq!(ms(10, u64::MAX), 8000);
        assert_eq!(ms(40, 0), 6000);
    }

    #[test]
    fn which_statuses_are_retried() {
        let h = HeaderMap::new();
        let transient = |s: u16| {
            matches!(
                classify_status(StatusCode::from_u16(s).unwrap(), &h, ""),
                Outcome::Transient { .. }
            )
        };
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(transient(s), "{s}");
        }
        for s in [301, 400, 401, 403, 404, 409, 422] {
            assert!(!transient(s), "{s}");
        }
        assert!(matches!(
            classify_status(StatusCode::NO_CONTENT, &h, ""),
            Outcome::Delivered(_)
        ));
    }

    #[test]
    fn retry_after_seconds() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), None);
    }
}
