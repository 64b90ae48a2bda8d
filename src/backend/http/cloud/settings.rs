//! The provider accounts of the inventory (`[defaults.cloud]`, merged
//! with `hosts[].cloud`; parsed and checked by the `cloud` section in
//! `controls/cloud/`), and how the clients of one account are built.
//!
//! A host at Hetzner uses the `hetzner` account, a host at Telekom the
//! `otc` one; a host without its provider's account has no provider
//! checks. Credentials are never in the inventory: only the name of an
//! environment variable or the path of a file only its owner can read.
//! Hosts whose accounts are equal share one set of clients (and one OTC
//! token): [`CloudKey`].

use std::path::PathBuf;
use std::time::Duration;

use super::{Cloud, CloudError, OtcCloud};
use crate::backend::http::otc::{AuthSettings, OtcAuth, Project};
use crate::backend::http::{ApiClient, ApiConfig, Credential};
use crate::inventory::{Host, Provider};

/// A host's provider settings (`cloud` section).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CloudSettings {
    /// The Hetzner Cloud account (for hosts at Hetzner).
    pub hetzner: Option<HetznerSettings>,
    /// The Open Telekom Cloud account (for hosts at Telekom).
    pub otc: Option<OtcSettings>,
    /// The host's server at its provider (default: its name).
    pub server: Option<ServerRef>,
}

/// A Hetzner Cloud project's API.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HetznerSettings {
    /// The base URL (`https://api.hetzner.cloud/v1`).
    pub endpoint: String,
    /// The project's API token.
    pub token: Credential,
}

/// An Open Telekom Cloud project.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OtcSettings {
    /// The region (`eu-de`, `eu-nl`).
    pub region: String,
    /// The domain (account) name.
    pub domain: String,
    /// The project: by name or id.
    pub project: ProjectRef,
    /// The IAM user.
    pub user: String,
    /// The user's password.
    pub password: Credential,
    /// IAM, VPC, EVS, ECS and KMS endpoints (default
    /// `https://<service>.<region>.otc.t-systems.com`).
    pub iam: String,
    /// VPC endpoint.
    pub vpc: String,
    /// EVS endpoint.
    pub evs: String,
    /// ECS endpoint.
    pub ecs: String,
    /// KMS endpoint.
    pub kms: String,
}

/// An OTC project reference (hashable twin of [`Project`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ProjectRef {
    /// By name.
    Name(String),
    /// By id.
    Id(String),
}

/// How a host is found at its provider.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ServerRef {
    /// By server name.
    Name(String),
    /// By server id (Hetzner: a number; OTC: a UUID).
    Id(String),
}

impl std::fmt::Display for ServerRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServerRef::Name(n) => write!(f, "server named {n}"),
            ServerRef::Id(i) => write!(f, "server {i}"),
        }
    }
}

/// One provider account: the key clients are shared by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CloudKey {
    /// Hetzner Cloud.
    Hetzner(HetznerSettings),
    /// Open Telekom Cloud.
    Otc(OtcSettings),
}

impl CloudSettings {
    /// The account `host` is checked through, if its provider's is set.
    pub fn account(&self, host: &Host) -> Option<CloudKey> {
        match host.provider {
            Provider::Hetzner => self.hetzner.clone().map(CloudKey::Hetzner),
            Provider::Telekom => self.otc.clone().map(CloudKey::Otc),
        }
    }

    /// The host's server reference (its name unless the inventory says
    /// otherwise).
    pub fn server(&self, host: &Host) -> ServerRef {
        self.server
            .clone()
            .unwrap_or_else(|| ServerRef::Name(host.name.clone()))
    }
}

/// The default endpoint of an OTC service in `region`.
pub fn otc_endpoint(service: &str, region: &str) -> String {
    format!("https://{service}.{region}.otc.t-systems.com")
}

/// The clients of one account; reads its credential now, once.
pub fn build(key: &CloudKey, timeout: Duration) -> Result<Cloud, CloudError> {
    let config = |name: &str, url: &str, cred: Credential| {
        let mut c = ApiConfig::new(name, url, cred);
        c.timeout = timeout;
        c
    };
    let client = |c: ApiConfig| {
        ApiClient::new(&c)
            .map_err(|e| CloudError::Otc(Box::new(crate::backend::http::otc::OtcError::Config(e))))
    };
    match key {
        CloudKey::Hetzner(h) => Ok(Cloud::Single(client(config(
            "hcloud",
            &h.endpoint,
            h.token.clone(),
        ))?)),
        CloudKey::Otc(o) => {
            let project = match &o.project {
                ProjectRef::Name(n) => Project::Name(n.clone()),
                ProjectRef::Id(i) => Project::Id(i.clone()),
            };
            let iam = config("otc-iam", &o.iam, o.password.clone());
            let auth = OtcAuth::new(&AuthSettings::new(iam, &o.user, &o.domain, project))?;
            Ok(Cloud::Otc(OtcCloud {
                auth,
                vpc: client(config("otc-vpc", &o.vpc, Credential::None))?,
                evs: client(config("otc-evs", &o.evs, Credential::None))?,
                ecs: client(config("otc-ecs", &o.ecs, Credential::None))?,
                kms: client(config("otc-kms", &o.kms, Credential::None))?,
                post_reads: Default::default(),
            }))
        }
    }
}

/// Where a credential file may not be: inside the inventory's directory
/// (a repository), or relative.
pub fn credential_file_problem(path: &str, inventory_dir: &std::path::Path) -> Option<String> {
    let p = PathBuf::from(path);
    if !p.is_absolute() {
        return Some("it must be an absolute path".into());
    }
    let dir = inventory_dir
        .canonicalize()
        .unwrap_or_else(|_| inventory_dir.to_path_buf());
    let parent = p
        .parent()
        .map(|d| d.canonicalize().unwrap_or(d.to_path_buf()));
    if parent.is_some_and(|d| d.starts_with(&dir)) {
        return Some(
            "it is inside the inventory's directory: keep credentials out of the repository".into(),
        );
    }
    None
}
