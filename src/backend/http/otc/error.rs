//! Why an OTC call failed: the client's own errors, or an answer that is
//! not what the documented shape promises (refused whole, never guessed
//! at). Every server text in here is scrubbed; no token or password.

use std::fmt;

use crate::backend::http::{ApiError, ConfigError};

/// A failed OTC operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OtcError {
    /// A setting is refused (user, domain, project, limits).
    Setting(String),
    /// An API client could not be set up.
    Config(ConfigError),
    /// A call failed (its code: `api-answer`, `api-timeout`, …).
    Api(Box<ApiError>),
    /// IAM answered with success, but without a usable token.
    Token(String),
    /// A success answer that is not the documented shape, or hostile.
    Answer {
        /// The call ("GET /v2/…/cloudvolumes/detail").
        call: String,
        /// What is wrong.
        why: String,
    },
}

impl OtcError {
    /// The stable diagnostic code.
    pub fn code(&self) -> &'static str {
        match self {
            OtcError::Setting(_) => "otc-setting",
            OtcError::Config(e) => e.code(),
            OtcError::Api(e) => e.code(),
            OtcError::Token(_) => "otc-token",
            OtcError::Answer { .. } => "otc-answer",
        }
    }

    /// The HTTP status, when the server answered with an error.
    pub fn status(&self) -> Option<u16> {
        match self {
            OtcError::Api(e) => e.status(),
            _ => None,
        }
    }
}

impl fmt::Display for OtcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OtcError::Setting(why) => write!(f, "otc-setting: OTC: {why}"),
            OtcError::Config(e) => e.fmt(f),
            OtcError::Api(e) => e.fmt(f),
            OtcError::Token(why) => write!(f, "otc-token: OTC IAM: {why}"),
            OtcError::Answer { call, why } => {
                write!(f, "otc-answer: OTC: {call}: the answer is refused: {why}")
            }
        }
    }
}

impl std::error::Error for OtcError {}

impl From<ApiError> for OtcError {
    fn from(e: ApiError) -> Self {
        OtcError::Api(Box::new(e))
    }
}
