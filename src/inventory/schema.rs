//! The inventory file format (TOML), exactly as written by users.
//!
//! These structs only describe syntax: every table rejects unknown keys, so a
//! typo is an error that names the key and the keys that would be valid.
//! Meaning (address resolution, defaults, policy) is added by `load.rs` and
//! `validate.rs`, which turn a [`RawInventory`] into an `Inventory`.
//! Field comments are the reference for docs/inventory.md.

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
    /// sshd settings.
    pub sshd: Option<RawSshd>,
    /// Host firewall settings.
    pub firewall: Option<RawFirewall>,
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
    /// Overrides single keys of `[defaults.sshd]`.
    pub sshd: Option<RawSshd>,
    /// Overrides single keys of `[defaults.firewall]`.
    pub firewall: Option<RawFirewall>,
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

/// `[defaults.sshd]` / `hosts[].sshd`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSshd {
    /// Older clients that cannot do post-quantum key exchange; naming one
    /// keeps `curve25519-sha256` as the last key exchange.
    pub legacy_kex_clients: Option<Vec<RawLegacyClient>>,
    /// `AllowTcpForwarding` (default false).
    pub allow_tcp_forwarding: Option<bool>,
    /// `AllowAgentForwarding` (default false).
    pub allow_agent_forwarding: Option<bool>,
    /// `X11Forwarding` (default false).
    pub x11_forwarding: Option<bool>,
    /// `LoginGraceTime` in seconds (default 20, allowed 5-120).
    pub login_grace_time: Option<u32>,
    /// `MaxAuthTries` (default 3, allowed 1-6).
    pub max_auth_tries: Option<u32>,
    /// `MaxStartups` (default `10:30:60`).
    pub max_startups: Option<String>,
    /// `ClientAliveInterval` in seconds (default 300).
    pub client_alive_interval: Option<u32>,
    /// Extra `Keyword value` lines appended before the end of the file.
    /// They must not set a keyword harden manages.
    pub extra: Option<Vec<String>>,
}

/// A client allowed a classical key exchange, with the reason.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLegacyClient {
    /// Who needs it, e.g. `ci-runner (paramiko 3.4)`.
    pub name: String,
    /// Why it cannot be upgraded yet.
    pub reason: String,
}

/// `[defaults.firewall]` / `hosts[].firewall`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFirewall {
    /// Rate of accepted ICMP/ICMPv6 echo requests per second (default 10).
    pub icmp_rate: Option<u32>,
    /// Log prefix of accepted management connections (default `harden-mgmt: `).
    pub log_prefix: Option<String>,
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
