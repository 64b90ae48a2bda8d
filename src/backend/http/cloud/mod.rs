//! A provider as the provider-scoped engine sees it ([`Cloud`]): the API
//! clients of one provider account, behind one credential, answering the
//! contract's [`Probe::Api`](crate::contract::Probe::Api) reads and
//! [`ApiCall`]s by [`Service`].
//!
//! - [`Cloud::Single`]: one bearer-token API (Hetzner Cloud, or a test's
//!   client); it serves calls without a service and those for `hcloud`.
//! - [`Cloud::Otc`]: Open Telekom Cloud, one project-scoped IAM token for
//!   its VPC, EVS, ECS and KMS clients; [`PROJECT_ID`] in a path is
//!   replaced by the token's project id before the call is made. The
//!   reads KMS documents as POSTs (`describe-key`) go through
//!   [`Cloud::read_post`], answered once per account and run
//!   ([`PostReads`]).
//!
//! Lists are read with the provider's own paging (Hetzner's `page=`,
//! OpenStack's `marker=`), within the clients' page and item limits. A
//! write on [`Cloud::Single`] whose answer carries running Hetzner actions
//! returns only once they all succeeded ([`hcloud_actions`]); a write
//! refused as `token_readonly` is [`CloudError::ReadOnlyToken`].

pub mod hcloud_actions;
mod post_read;
mod settings;
pub use hcloud_actions::{ActionError, ActionWait};
pub use post_read::PostReads;
pub use settings::{
    build, credential_file_problem, otc_endpoint, CloudKey, CloudSettings, HetznerSettings,
    OtcSettings, ProjectRef, ServerRef,
};

use std::fmt;

use serde_json::Value;

use super::otc::{list_pages, ListLimits, OtcAuth, OtcError};
use super::{ApiCall, ApiClient, ApiError, ApiResponse};
use crate::contract::api::{Method, Service, PROJECT_ID};

/// The clients of one provider account.
#[allow(clippy::large_enum_variant)] // one per provider account, never in bulk
pub enum Cloud {
    /// One bearer-token API.
    Single(ApiClient),
    /// Open Telekom Cloud.
    Otc(OtcCloud),
}

/// Open Telekom Cloud's clients, sharing one token.
pub struct OtcCloud {
    /// The project token.
    pub auth: OtcAuth,
    /// VPC (Neutron `/v2.0/…`).
    pub vpc: ApiClient,
    /// EVS (`/v2/{project_id}/…`).
    pub evs: ApiClient,
    /// ECS (Nova `/v2.1/{project_id}/…`).
    pub ecs: ApiClient,
    /// KMS (`/v1.0/{project_id}/kms/…`).
    pub kms: ApiClient,
    /// The POST reads answered so far (shared by the account's hosts).
    pub post_reads: PostReads,
}

impl fmt::Debug for Cloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cloud::Single(c) => write!(f, "Cloud::Single({})", c.name()),
            Cloud::Otc(o) => write!(f, "Cloud::Otc({:?})", o.auth),
        }
    }
}

/// Why a provider read or call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloudError {
    /// A call failed at the API.
    Api(Box<ApiError>),
    /// An Open Telekom Cloud token, listing or call failed.
    Otc(Box<OtcError>),
    /// A write's Hetzner actions failed, or did not finish in time.
    Action(Box<ActionError>),
    /// A write was refused because the API token is read-only.
    ReadOnlyToken(Box<ApiError>),
    /// The call names a service this provider does not have.
    Service {
        /// The provider's kind ("hcloud", "otc").
        cloud: &'static str,
        /// The service asked for.
        service: String,
    },
}

impl CloudError {
    /// The stable diagnostic code.
    pub fn code(&self) -> &'static str {
        match self {
            CloudError::Api(e) => e.code(),
            CloudError::Otc(e) => e.code(),
            CloudError::Action(e) => e.code(),
            CloudError::ReadOnlyToken(_) => "hcloud-token-readonly",
            CloudError::Service { .. } => "provider-service",
        }
    }

    /// The HTTP status, when the API answered with an error.
    pub fn status(&self) -> Option<u16> {
        match self {
            CloudError::Api(e) | CloudError::ReadOnlyToken(e) => e.status(),
            CloudError::Otc(e) => e.status(),
            CloudError::Action(_) | CloudError::Service { .. } => None,
        }
    }
}

impl fmt::Display for CloudError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CloudError::Api(e) => e.fmt(f),
            CloudError::Otc(e) => e.fmt(f),
            CloudError::Action(e) => e.fmt(f),
            CloudError::ReadOnlyToken(e) => write!(
                f,
                "hcloud-token-readonly: API {}: {}: the API token is read-only and this call \
                 writes; give harden a Read & Write token of the project (Hetzner Console → \
                 Security → API tokens) ({})",
                e.api, e.call, e.kind
            ),
            CloudError::Service { cloud, service } => write!(
                f,
                "provider-service: a {cloud} provider has no {service} API (a control asked the wrong provider)"
            ),
        }
    }
}

impl std::error::Error for CloudError {}

impl From<ApiError> for CloudError {
    fn from(e: ApiError) -> Self {
        CloudError::Api(Box::new(e))
    }
}

impl From<ActionError> for CloudError {
    fn from(e: ActionError) -> Self {
        CloudError::Action(Box::new(e))
    }
}

impl From<OtcError> for CloudError {
    fn from(e: OtcError) -> Self {
        CloudError::Otc(Box::new(e))
    }
}

impl Cloud {
    /// The provider's kind in messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Cloud::Single(_) => "hcloud",
            Cloud::Otc(_) => "otc",
        }
    }

    /// `GET path` on `service`: the JSON answer, or with `list` the items
    /// under that key of every page, as one JSON array.
    pub async fn get(
        &self,
        service: Option<Service>,
        path: &str,
        list: Option<&str>,
    ) -> Result<Value, CloudError> {
        Ok(self.read(service, path, list).await?.0)
    }

    /// [`Cloud::get`] with the number of pages read (1 without `list`).
    pub async fn read(
        &self,
        service: Option<Service>,
        path: &str,
        list: Option<&str>,
    ) -> Result<(Value, u32), CloudError> {
        match self {
            Cloud::Single(api) => {
                self.single_ok(service)?;
                match list {
                    Some(key) => {
                        let (items, pages) = api.get_pages(path, key).await?;
                        Ok((Value::Array(items), pages))
                    }
                    None => Ok((api.get(path).await?.json, 1)),
                }
            }
            Cloud::Otc(o) => {
                let api = o.client(service)?;
                let path = o.fill(path).await?;
                match list {
                    Some(key) => {
                        let (items, pages) =
                            list_pages(&o.auth, api, &path, key, ListLimits::default()).await?;
                        Ok((Value::Array(items), pages))
                    }
                    None => {
                        let call =
                            ApiCall::get(&path).map_err(|e| OtcError::Setting(e.to_string()))?;
                        Ok((o.auth.call(api, &call).await?.json, 1))
                    }
                }
            }
        }
    }

    /// The name a read of `service` is recorded under: the service, or
    /// for a call without one the provider's only API.
    pub fn service_name(&self, service: Option<Service>) -> &'static str {
        match (self, service) {
            (_, Some(s)) => s.as_str(),
            (Cloud::Single(_), None) => Service::Hcloud.as_str(),
            (Cloud::Otc(_), None) => Service::OtcVpc.as_str(),
        }
    }

    /// Performs `call` on its service; on [`Cloud::Single`], waits for the
    /// actions a write started with the default [`ActionWait`].
    pub async fn call(&self, call: &ApiCall) -> Result<ApiResponse, CloudError> {
        self.call_waiting(call, &ActionWait::default()).await
    }

    /// [`Cloud::call`] waiting for actions as `wait` says.
    pub async fn call_waiting(
        &self,
        call: &ApiCall,
        wait: &ActionWait,
    ) -> Result<ApiResponse, CloudError> {
        match self {
            Cloud::Single(api) => {
                self.single_ok(call.service)?;
                if call.method != Method::Get {
                    hcloud_actions::check(api, call, wait).map_err(CloudError::Action)?;
                }
                let resp = api.call(call).await.map_err(|e| {
                    if e.server_code() == Some("token_readonly") {
                        CloudError::ReadOnlyToken(Box::new(e))
                    } else {
                        CloudError::Api(Box::new(e))
                    }
                })?;
                if call.method == Method::Get {
                    return Ok(resp);
                }
                Ok(hcloud_actions::settle(api, call, resp, wait).await?)
            }
            Cloud::Otc(o) => {
                let api = o.client(call.service)?;
                let mut call = call.clone();
                call.path = o.fill(&call.path).await?;
                Ok(o.auth.call(api, &call).await?)
            }
        }
    }

    fn single_ok(&self, service: Option<Service>) -> Result<(), CloudError> {
        match service {
            None | Some(Service::Hcloud) => Ok(()),
            Some(s) => Err(CloudError::Service {
                cloud: self.kind(),
                service: s.to_string(),
            }),
        }
    }
}

impl OtcCloud {
    fn client(&self, service: Option<Service>) -> Result<&ApiClient, CloudError> {
        match service {
            Some(Service::OtcVpc) | None => Ok(&self.vpc),
            Some(Service::OtcEvs) => Ok(&self.evs),
            Some(Service::OtcEcs) => Ok(&self.ecs),
            Some(Service::OtcKms) => Ok(&self.kms),
            Some(s) => Err(CloudError::Service {
                cloud: "otc",
                service: s.to_string(),
            }),
        }
    }

    /// `path` with the project id filled in (a checked id: letters,
    /// digits, `_`, `-`, `.`).
    async fn fill(&self, path: &str) -> Result<String, CloudError> {
        if !path.contains(PROJECT_ID) {
            return Ok(path.to_string());
        }
        let project = self.auth.project_id().await?;
        Ok(path.replace(PROJECT_ID, &project))
    }
}
