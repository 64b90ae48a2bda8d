//! Open Telekom Cloud on the HTTP-API backend: an IAM (Keystone v3) token
//! scoped to one project ([`OtcAuth`]), sent as `X-Auth-Token` by any
//! [`ApiClient`](super::ApiClient) of that cloud ([`OtcAuth::call`]: renewed before it
//! expires, and once after a 401), and the EVS volume list with the KMS
//! encryption metadata ([`evs`]), and the state of the KMS key a volume
//! is encrypted with ([`kms`]). The provider-firewall client reuses
//! [`OtcAuth::call`] with its own VPC `ApiClient`. See
//! docs/http-backend.md, "Open Telekom Cloud".

mod auth;
mod error;
pub mod evs;
mod ids;
pub mod kms;
pub mod pages;
pub mod volume;

pub use auth::{AuthSettings, OtcAuth, Project, Token, DEFAULT_RENEW_BEFORE};
pub use error::OtcError;
pub use evs::{
    list_volumes, not_kms_encrypted, parse_volumes, server_volumes_not_kms_encrypted, EvsLimits,
};
pub use kms::{describe_key, parse_key, KeyInfo, KeyState};
pub use pages::{list_all, list_pages, ListLimits};
pub use volume::{Attachment, Volume};
