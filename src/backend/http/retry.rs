//! When another attempt is made, and how long harden waits first.
//!
//! An error answer is judged by the error code in its body when there is
//! one (several codes share a status: Hetzner's 409 is `conflict`, worth
//! retrying, or `uniqueness_error`, which is not); only an answer without a
//! code is judged by its status (429, 502, 503, 504). Connection failures
//! are retried; a timeout or a broken answer only for idempotent methods,
//! since a POST may have been acted on. The wait is capped exponential
//! backoff with full jitter — uniform in `[0, min(cap, base·2ⁿ)]`, random
//! from the OS — so that many clients do not retry in step; a server's
//! `Retry-After` (seconds) or, on a rate-limit answer, `RateLimit-Reset`
//! (Unix time) raises it, up to `retry_after_cap`. No attempt starts once
//! the call's time `budget` would be exceeded.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// The error codes retried by default: the server did not act and may
/// well succeed later (Hetzner Cloud's and Robot's spellings).
pub const DEFAULT_RETRY_CODES: &[&str] = &[
    "rate_limit_exceeded",
    "conflict",
    "locked",
    "timeout",
    "bad_gateway",
    "unavailable",
];

/// The statuses retried when the answer carries no error code.
pub const RETRY_STATUSES: &[u16] = &[429, 502, 503, 504];

/// Retry timing and which error codes are retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryRules {
    /// The nominal wait before the first retry, doubled for each further one.
    pub base: Duration,
    /// The longest nominal wait.
    pub cap: Duration,
    /// The longest wait a server's `Retry-After`/`RateLimit-Reset` gets.
    pub retry_after_cap: Duration,
    /// The longest time for one call, attempts and waits together.
    pub budget: Duration,
    /// Error codes worth another attempt (compared ignoring ASCII case).
    pub retry_codes: Vec<String>,
}

impl Default for RetryRules {
    fn default() -> Self {
        RetryRules {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(30),
            retry_after_cap: Duration::from_secs(60),
            budget: Duration::from_secs(180),
            retry_codes: DEFAULT_RETRY_CODES.iter().map(|c| c.to_string()).collect(),
        }
    }
}

impl RetryRules {
    /// Checks the rules are bounded.
    pub fn validate(&self) -> Result<(), String> {
        let hour = Duration::from_secs(3600);
        if self.cap > hour || self.retry_after_cap > hour || self.budget > hour {
            return Err("retry waits and the time budget must be at most 1 hour".into());
        }
        if self.budget.is_zero() {
            return Err("the retry time budget must be above 0".into());
        }
        if self.retry_codes.len() > 64 || self.retry_codes.iter().any(|c| c.len() > 64) {
            return Err("at most 64 retry codes of at most 64 characters".into());
        }
        Ok(())
    }

    /// The backoff before retry number `retry` (0 for the first): uniform
    /// in `[0, min(cap, base·2^retry)]`, drawn from `random`.
    pub fn backoff(&self, retry: u32, random: u64) -> Duration {
        let nominal = self
            .base
            .saturating_mul(1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX))
            .min(self.cap);
        // r uniform in [0, 1] from the top 53 bits.
        let r = (random >> 11) as f64 / ((1u64 << 53) - 1) as f64;
        nominal.mul_f64(r).min(nominal)
    }

    /// The wait before the next attempt: the backoff, raised to what the
    /// server asked for (capped).
    pub fn wait(&self, retry: u32, random: u64, server: Option<Duration>) -> Duration {
        let b = self.backoff(retry, random);
        match server {
            Some(s) => b.max(s.min(self.retry_after_cap)),
            None => b,
        }
    }

    /// True when an answer with error `code` is worth another attempt.
    pub fn retry_code(&self, code: &str) -> bool {
        self.retry_codes
            .iter()
            .any(|c| c.eq_ignore_ascii_case(code))
    }

    /// True when an answer with `status` and (maybe) an error `code` is
    /// worth another attempt: the code decides when there is one.
    pub fn retry_answer(&self, status: u16, code: Option<&str>) -> bool {
        match code {
            Some(c) => self.retry_code(c),
            None => RETRY_STATUSES.contains(&status),
        }
    }
}

/// How long the server asked harden to wait: `Retry-After: <seconds>`, or
/// on a rate-limit answer (`rate_limited`) `RateLimit-Reset` minus
/// `now_unix`. Malformed values are ignored.
pub fn server_wait(headers: &HeaderMap, rate_limited: bool, now_unix: u64) -> Option<Duration> {
    let num = |name: &str| -> Option<u64> { headers.get(name)?.to_str().ok()?.trim().parse().ok() };
    if headers.contains_key(RETRY_AFTER) {
        return num(RETRY_AFTER.as_str()).map(Duration::from_secs);
    }
    if rate_limited {
        let reset = num("ratelimit-reset")?;
        return Some(Duration::from_secs(reset.saturating_sub(now_unix)));
    }
    None
}

/// Seconds since the Unix epoch now.
pub fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn backoff_is_full_jitter_within_the_capped_nominal() {
        let r = RetryRules {
            base: Duration::from_millis(100),
            cap: Duration::from_millis(1000),
            ..RetryRules::default()
        };
        let nominal = |n: u32| Duration::from_millis((100u64 << n.min(10)).min(1000));
        for n in [0u32, 1, 2, 3, 4, 10, 31, 40, u32::MAX] {
            assert_eq!(r.backoff(n, 0), Duration::ZERO, "{n}");
            assert_eq!(r.backoff(n, u64::MAX), nominal(n), "{n}");
            let half = r.backoff(n, u64::MAX / 2);
            let want = nominal(n) / 2;
            assert!(
                half.abs_diff(want) < Duration::from_millis(1),
                "{n}: {half:?}"
            );
        }
        // Real randomness: every draw within [0, cap], and they differ.
        let draws: Vec<Duration> = (0..64)
            .map(|_| r.backoff(5, crate::random::u64()))
            .collect();
        assert!(draws.iter().all(|d| *d <= Duration::from_millis(1000)));
        let mut distinct = draws.clone();
        distinct.sort();
        distinct.dedup();
        assert!(distinct.len() > 32, "{draws:?}");
    }

    #[test]
    fn server_wait_raises_the_backoff_up_to_its_cap() {
        let r = RetryRules {
            retry_after_cap: Duration::from_secs(5),
            ..RetryRules::default()
        };
        let s = Duration::from_secs;
        assert_eq!(r.wait(0, 0, Some(s(3))), s(3));
        assert_eq!(r.wait(0, 0, Some(s(3600))), s(5));
        assert_eq!(r.wait(0, u64::MAX, Some(Duration::ZERO)), s(1));
        assert_eq!(r.wait(0, 0, None), Duration::ZERO);
    }

    #[test]
    fn retry_after_and_rate_limit_reset() {
        let mut h = HeaderMap::new();
        assert_eq!(server_wait(&h, true, 100), None);
        h.insert("ratelimit-reset", HeaderValue::from_static("107"));
        assert_eq!(server_wait(&h, true, 100), Some(Duration::from_secs(7)));
        assert_eq!(server_wait(&h, false, 100), None);
        assert_eq!(server_wait(&h, true, 200), Some(Duration::ZERO));
        h.insert(RETRY_AFTER, HeaderValue::from_static("2"));
        assert_eq!(server_wait(&h, true, 100), Some(Duration::from_secs(2)));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(server_wait(&h, true, 100), None);
    }

    #[test]
    fn the_code_decides_over_the_status() {
        let r = RetryRules::default();
        assert!(r.retry_answer(409, Some("conflict")));
        assert!(!r.retry_answer(409, Some("uniqueness_error")));
        assert!(r.retry_answer(403, Some("RATE_LIMIT_EXCEEDED")));
        assert!(!r.retry_answer(503, Some("maintenance")));
        assert!(!r.retry_answer(422, Some("invalid_input")));
        for s in [429, 502, 503, 504] {
            assert!(r.retry_answer(s, None), "{s}");
        }
        for s in [400, 401, 403, 404, 409, 422, 500] {
            assert!(!r.retry_answer(s, None), "{s}");
        }
    }
}
