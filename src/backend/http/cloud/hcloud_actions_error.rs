//! Why waiting for a Hetzner Cloud write's actions failed, with a stable
//! code per cause (`hcloud-action-*`); every text from the server in here
//! is scrubbed.

use std::fmt;
use std::time::Duration;

use crate::backend::http::ApiError;

/// Why waiting for a call's actions failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionError {
    /// The API's name.
    pub api: String,
    /// The call's description.
    pub call: String,
    /// What went wrong.
    pub kind: ActionErrorKind,
}

/// What went wrong while waiting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionErrorKind {
    /// An action ended with `status: error`.
    Failed {
        /// The action.
        id: u64,
        /// Its command.
        command: String,
        /// `error.code` (scrubbed).
        code: String,
        /// `error.message` (scrubbed).
        message: String,
    },
    /// Actions still running when the polls or the time ran out.
    Timeout {
        /// Poll rounds made.
        polls: u32,
        /// Time waited.
        waited: Duration,
        /// The ids still running (the first few).
        running: Vec<u64>,
    },
    /// A poll answer lacks an action asked for.
    Missing {
        /// The id.
        id: u64,
    },
    /// An answer's actions are malformed.
    BadAnswer(String),
    /// A poll request failed.
    Poll(Box<ApiError>),
    /// The wait settings are out of range.
    Setting(String),
}

impl ActionError {
    /// The stable diagnostic code.
    pub fn code(&self) -> &'static str {
        match &self.kind {
            ActionErrorKind::Failed { .. } => "hcloud-action-failed",
            ActionErrorKind::Timeout { .. } => "hcloud-action-timeout",
            ActionErrorKind::Missing { .. } => "hcloud-action-missing",
            ActionErrorKind::BadAnswer(_) => "hcloud-action-bad-answer",
            ActionErrorKind::Poll(_) => "hcloud-action-poll",
            ActionErrorKind::Setting(_) => "hcloud-action-setting",
        }
    }
}

impl fmt::Display for ActionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: API {}: {}: ", self.code(), self.api, self.call)?;
        match &self.kind {
            ActionErrorKind::Failed {
                id,
                command,
                code,
                message,
            } => {
                write!(f, "action {id}")?;
                if !command.is_empty() {
                    write!(f, " ({command})")?;
                }
                write!(f, " failed: {code}")?;
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
            }
            ActionErrorKind::Timeout {
                polls,
                waited,
                running,
            } => {
                let ids: Vec<String> = running.iter().map(u64::to_string).collect();
                write!(
                    f,
                    "action(s) {} still running after {polls} poll(s) in {:.1}s",
                    ids.join(", "),
                    waited.as_secs_f64()
                )?;
            }
            ActionErrorKind::Missing { id } => {
                write!(f, "action {id} is missing from the provider's answer")?
            }
            ActionErrorKind::BadAnswer(why) => write!(f, "unexpected actions: {why}")?,
            ActionErrorKind::Poll(e) => write!(f, "polling its actions failed: {e}")?,
            ActionErrorKind::Setting(why) => return f.write_str(why),
        }
        f.write_str(" (the provider may have made part of the change; the next run reads it back)")
    }
}

impl std::error::Error for ActionError {}
