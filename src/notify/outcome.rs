//! What a notifier says back: why it could not be set up
//! ([`NotifyError`]), what became of one event ([`Delivery`]) and of an
//! outbox flush ([`FlushReport`]).

use std::fmt;
use std::path::PathBuf;

use super::ConfigError;

/// Why a notifier could not be set up.
#[derive(Debug)]
pub enum NotifyError {
    /// A `[report]` setting is invalid.
    Config(ConfigError),
    /// The `ca_file` cannot be used.
    CaFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The token in the environment cannot be sent in a header (its value
    /// is never shown).
    BadToken {
        /// The variable's name.
        env: String,
    },
    /// The HTTP client could not be built.
    Client(String),
}

impl fmt::Display for NotifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotifyError::Config(e) => e.fmt(f),
            NotifyError::CaFile { path, reason } => {
                write!(f, "[report] ca_file {}: {reason}", path.display())
            }
            NotifyError::BadToken { env } => write!(
                f,
                "the token in ${env} contains characters that cannot be sent in an HTTP header"
            ),
            NotifyError::Client(e) => write!(f, "cannot set up the HTTPS client: {e}"),
        }
    }
}

impl std::error::Error for NotifyError {}

impl From<ConfigError> for NotifyError {
    fn from(e: ConfigError) -> Self {
        NotifyError::Config(e)
    }
}

/// What became of one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The receiver answered 2xx.
    Delivered {
        /// The HTTP status.
        status: u16,
        /// Attempts made (1 = first try).
        attempts: u32,
    },
    /// Not delivered; written to the outbox for a later run.
    Queued {
        /// Why delivery failed.
        reason: String,
        /// The outbox file holding the event.
        file: PathBuf,
    },
    /// Not delivered and not queued either (the outbox could not be
    /// written): the event exists only in the audit log now.
    Lost {
        /// Why.
        reason: String,
    },
}

impl fmt::Display for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Delivery::Delivered { status, attempts } => {
                write!(f, "reported to management (HTTP {status}")?;
                if *attempts > 1 {
                    write!(f, " after {attempts} attempts")?;
                }
                f.write_str(")")
            }
            Delivery::Queued { reason, file } => write!(
                f,
                "NOT REPORTED to management: {reason}; queued in {} for the next run",
                file.display()
            ),
            Delivery::Lost { reason } => write!(
                f,
                "NOT REPORTED to management and NOT QUEUED: {reason}; report it by hand"
            ),
        }
    }
}

/// The result of [`Notifier::flush_outbox`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FlushReport {
    /// Events delivered and removed from the outbox.
    pub delivered: usize,
    /// Events still in the outbox.
    pub still_queued: usize,
    /// What went wrong (delivery failure that stopped the flush, files set
    /// aside, …).
    pub errors: Vec<String>,
}

impl FlushReport {
    /// True when the outbox is empty and nothing went wrong.
    pub fn is_clean(&self) -> bool {
        self.still_queued == 0 && self.errors.is_empty()
    }
}
