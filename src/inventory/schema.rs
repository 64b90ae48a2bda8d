//! The inventory file format (TOML), exactly as written by users.
//!
//! These structs only describe syntax: every table rejects unknown keys, so a
//! typo is an error that names the key and the keys that would be valid.
//! Meaning (address resolution, defaults, policy) is added by `load.rs` and
//! `validate.rs`, which turn a [`RawInventory`] into an `Inventory`.
//! Field comments are the reference for docs/inventory.md. The controls'
//! own tables (`[defaults.sshd]`, `hosts[].firewall`, …) are not here: each
//! control's `section.rs` describes its own (`contract::section`).

use serde::Deserialize;

/// The whole inventory file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInventory {
    /// Values every host inherits unless it sets its own.
    #[serde(default)]
    pub defaults: RawDefaults,
    /// The managed hosts.
    #[serde(default)]
    pub hosts: Vec<RawHost>,
    /// People who may log in (with certificates from harden's CA).
    #[serde(default)]
    pub users: Vec<RawUser>,
    /// Which user roles may log into which host roles.
    pub access: Option<RawAccess>,
    /// harden's SSH certificate authority.
    pub ca: Option<RawCa>,
    /// Maintenance windows.
    pub maintenance: Option<RawMaintenance>,
    /// Where events are reported (webhook to management).
    pub report: Option<crate::notify::ReportConfig>,
    /// The audit log.
    pub audit: Option<RawAudit>,
}

/// `[[users]]`: a person, managed centrally.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUser {
    /// Login name (Unix account on the hosts), e.g. `alice`.
    pub name: Option<String>,
    /// `management`, `operator` or `developer`.
    pub role: Option<UserRole>,
    /// OpenSSH public keys the CA may sign for this user.
    #[serde(default)]
    pub public_keys: Vec<String>,
    /// `false` blocks the user everywhere on the next apply (default true).
    pub active: Option<bool>,
    /// Addresses the user's certificates are restricted to (optional).
    pub source_addresses: Option<Vec<String>>,
}

/// `[access]`: host roles each user role may log into. Data hosts accept
/// only `management`, whatever is written here.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAccess {
    /// Default: every host role.
    pub management: Option<Vec<Role>>,
    /// Default: app, gatekeeper, loadbalancer.
    pub operator: Option<Vec<Role>>,
    /// Default: app.
    pub developer: Option<Vec<Role>>,
}

/// `[ca]`: the SSH certificate authority.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCa {
    /// CA directory, relative to the inventory (default `ca`).
    pub dir: Option<String>,
    /// Environment variable with the CA passphrase (default `HARDEN_CA_PASSPHRASE`).
    pub passphrase_env: Option<String>,
    /// Default validity of user certificates in hours (default 8).
    pub user_hours: Option<u32>,
    /// Longest validity `sign-user --hours` may ask for (default 24, at most 24).
    pub max_user_hours: Option<u32>,
    /// Validity of harden's own per-run certificate in minutes (default 10).
    pub run_minutes: Option<u32>,
    /// Validity of host certificates in days (default 90).
    pub host_days: Option<u32>,
    /// Re-sign a host certificate when fewer days than this remain (default 30).
    pub renew_days: Option<u32>,
}

/// `[maintenance]`: limits of maintenance windows.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMaintenance {
    /// Longest window in minutes (default 240).
    pub max_minutes: Option<u32>,
    /// Longest reason in characters (default 200).
    pub max_reason_len: Option<u32>,
}

/// `[audit]`: where the audit log is kept.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAudit {
    /// Local log, relative to the inventory (default `.harden/audit.jsonl`).
    pub log: Option<String>,
}

/// What a person may do.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum UserRole {
    /// May reach every host, including data hosts, and log in as root.
    Management,
    /// Operates app, gatekeeper and load-balancer hosts.
    Operator,
    /// Reaches app hosts.
    Developer,
}

/// `[defaults]`: connection settings and policy shared by all hosts.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDefaults {
    /// Account harden connects as (default `root`; others need `sudo -n`).
    pub ssh_user: Option<String>,
    /// Port of the management SSH server (default 22).
    pub ssh_port: Option<toml::Value>,
    /// Where harden connects from: the management port is always open to these.
    pub controller_sources: Option<Vec<String>>,
    /// Where people connect from during maintenance windows.
    pub management_sources: Option<Vec<String>>,
    /// known_hosts file harden verifies host keys against (strictly).
    pub known_hosts: Option<String>,
    /// Private key for harden's own connections (optional).
    pub identity: Option<String>,
    /// Seconds to wait for a TCP connect and SSH handshake (default 10).
    pub connect_timeout: Option<toml::Value>,
    /// `[defaults.<section>]` of each registered control section (lifted
    /// out of the document before this struct is read; see `sections.rs`).
    #[serde(skip)]
    pub sections: toml::Table,
}

/// `[[hosts]]`: one managed server.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHost {
    /// Unique name, used in reports and in `from` lists.
    pub name: Option<String>,
    /// IPv4 or IPv6 address harden connects to.
    pub address: Option<String>,
    /// Further addresses of the host (e.g. its IPv6 address); `from` lists
    /// naming this host include them.
    #[serde(default)]
    pub extra_addresses: Vec<String>,
    /// `telekom` or `hetzner`.
    pub provider: Option<Provider>,
    /// `production` or `test`.
    pub environment: Option<Environment>,
    /// Customer project the host belongs to (optional).
    pub tenant: Option<String>,
    /// What the host does: `data`, `app`, `gatekeeper`, `loadbalancer`.
    #[serde(default)]
    pub roles: Vec<Role>,
    /// Ports the host serves, and to whom.
    #[serde(default)]
    pub allow: Vec<RawAllow>,
    /// Overrides `[defaults]`.
    pub ssh_user: Option<String>,
    /// Overrides `[defaults]`.
    pub ssh_port: Option<toml::Value>,
    /// Overrides `[defaults]`.
    pub controller_sources: Option<Vec<String>>,
    /// Overrides `[defaults]`.
    pub management_sources: Option<Vec<String>>,
    /// Overrides `[defaults]`.
    pub known_hosts: Option<String>,
    /// Overrides `[defaults]`.
    pub identity: Option<String>,
    /// Overrides `[defaults]`.
    pub connect_timeout: Option<toml::Value>,
    /// `hosts[].<section>` of each registered control section: overrides
    /// single keys of `[defaults.<section>]`.
    #[serde(skip)]
    pub sections: toml::Table,
}

/// One `allow` entry: a port the host serves.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAllow {
    /// A port (`5432`) or a range (`"8000-8100"`).
    pub port: Option<toml::Value>,
    /// `tcp` (default) or `udp`.
    pub proto: Option<Proto>,
    /// Host names or CIDR prefixes; omitted means anyone.
    pub from: Option<Vec<String>>,
    /// Free text, shown in the firewall rule's comment.
    pub comment: Option<String>,
}

/// Where a host runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// Open Telekom Cloud.
    Telekom,
    /// Hetzner (cloud or dedicated).
    Hetzner,
}

/// Production or test (kept apart by policy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// Production.
    Production,
    /// Test.
    Test,
}

/// What a host does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Holds personal data (encrypted disks, management-only access).
    Data,
    /// Runs application code.
    App,
    /// Hides the data hosts, forwards TLS only.
    Gatekeeper,
    /// Balances load (TLS only).
    Loadbalancer,
}

macro_rules! names {
    ($t:ty { $($v:ident => $s:literal),* $(,)? }) => {
        impl $t {
            /// The inventory spelling.
            pub fn as_str(&self) -> &'static str {
                match self { $(Self::$v => $s),* }
            }
        }
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

names!(Provider { Telekom => "telekom", Hetzner => "hetzner" });
names!(Environment { Production => "production", Test => "test" });
names!(Role { Data => "data", App => "app", Gatekeeper => "gatekeeper", Loadbalancer => "loadbalancer" });
names!(Proto { Tcp => "tcp", Udp => "udp" });
names!(UserRole { Management => "management", Operator => "operator", Developer => "developer" });

/// Transport protocol of an allowed port.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Proto {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}
