//! Why an API call failed. Every text in here that came from the server is
//! scrubbed (one line, control characters escaped, at most 200 characters,
//! the credential replaced by `<redacted>`) before it is stored.

use std::fmt;
use std::time::Duration;

use crate::contract::api::ApiCallError;

/// A failed call: which API and call, how many attempts were made, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The API's name.
    pub api: String,
    /// The call's description.
    pub call: String,
    /// Attempts made (0 when the call was refused before sending).
    pub attempts: u32,
    /// Why the last attempt failed.
    pub kind: ErrorKind,
    /// Why no further attempt was made, when the failure was retryable.
    pub gave_up: Option<GaveUp>,
}

/// Why the last attempt failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The call is invalid (its path or body).
    BadCall(ApiCallError),
    /// The server answered with an error.
    Answer {
        /// The HTTP status.
        status: u16,
        /// The error code from the body, if any (scrubbed).
        code: Option<String>,
        /// The server's message, or the start of the body (scrubbed).
        message: String,
        /// `X-Correlation-Id`, for the provider's support (scrubbed).
        correlation_id: Option<String>,
    },
    /// No answer within the timeout.
    Timeout(Duration),
    /// The connection failed, or broke while the answer was read.
    Transport(String),
    /// The answer's body is larger than the limit.
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// A success answer whose body is not the JSON expected.
    BadAnswer(String),
}

/// Why a retryable failure was not retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GaveUp {
    /// `max_attempts` were made.
    Attempts,
    /// The next attempt would end after the call's time budget.
    Budget(Duration),
    /// The method is not idempotent and the server may have acted.
    NotIdempotent,
}

impl ApiError {
    /// The stable diagnostic code.
    pub fn code(&self) -> &'static str {
        match &self.kind {
            ErrorKind::BadCall(e) => e.code(),
            ErrorKind::Answer { .. } => "api-answer",
            ErrorKind::Timeout(_) => "api-timeout",
            ErrorKind::Transport(_) => "api-transport",
            ErrorKind::BodyTooLarge { .. } => "api-body-too-large",
            ErrorKind::BadAnswer(_) => "api-bad-answer",
        }
    }

    /// The server's error code, when it sent one.
    pub fn server_code(&self) -> Option<&str> {
        match &self.kind {
            ErrorKind::Answer { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match &self.kind {
            ErrorKind::Answer { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::BadCall(e) => e.fmt(f),
            ErrorKind::Answer {
                status,
                code,
                message,
                correlation_id,
            } => {
                write!(f, "HTTP {status}")?;
                if let Some(c) = code {
                    write!(f, " {c}")?;
                }
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
                if let Some(id) = correlation_id {
                    write!(f, " (correlation id {id})")?;
                }
                Ok(())
            }
            ErrorKind::Timeout(t) => write!(f, "no answer within {:.1}s", t.as_secs_f64()),
            ErrorKind::Transport(e) => e.fmt(f),
            ErrorKind::BodyTooLarge { limit } => {
                write!(f, "the answer is larger than {limit} bytes; refused")
            }
            ErrorKind::BadAnswer(e) => write!(f, "unexpected answer: {e}"),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: API {}: {}: {}",
            self.code(),
            self.api,
            self.call,
            self.kind
        )?;
        let n = self.attempts;
        let s = if n == 1 { "" } else { "s" };
        match self.gave_up {
            None if n > 1 => write!(f, " (after {n} attempts; not retryable)"),
            None => Ok(()),
            Some(GaveUp::Attempts) => write!(f, " (gave up after {n} attempt{s})"),
            Some(GaveUp::Budget(b)) => write!(
                f,
                " (gave up after {n} attempt{s}: the {}s time budget is spent)",
                b.as_secs()
            ),
            Some(GaveUp::NotIdempotent) => write!(
                f,
                " (not retried after {n} attempt{s}: a POST may have been acted on; check the \
                 provider's state before running again)"
            ),
        }
    }
}

impl std::error::Error for ApiError {}
