//! The inventory after loading: every default applied, every name resolved.
//!
//! Controls only ever see these types. They hold no spans and no `Option`
//! that a default could have filled, so rendering cannot fail on a missing
//! value and two hosts with the same inputs render identically.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::net::{Cidr, PortRange};
use super::schema::{Environment, Proto, Provider, Role};
use super::source::{Diagnostic, Source};

/// A loaded, validated inventory.
#[derive(Debug, Clone)]
pub struct Inventory {
    /// The file it came from.
    pub source: Source,
    /// Directory relative paths are resolved against.
    pub dir: PathBuf,
    /// Managed hosts, in file order.
    pub hosts: Vec<Host>,
    /// People, managed centrally.
    pub users: Vec<super::people::User>,
    /// Which user roles may log into which host roles.
    pub access: super::people::Access,
    /// The SSH CA, when configured.
    pub ca: Option<super::settings::CaSettings>,
    /// Maintenance window limits.
    pub maintenance: super::settings::MaintenanceSettings,
    /// Webhook reporting, when configured.
    pub report: Option<crate::notify::ReportConfig>,
    /// Audit log location.
    pub audit: super::settings::AuditSettings,
    /// Warnings found while loading (errors stop loading).
    pub warnings: Vec<Diagnostic>,
    /// Warnings found but not kept in `warnings` (the list is capped).
    pub warnings_omitted: usize,
}

impl Inventory {
    /// Finds a user by name.
    pub fn user(&self, name: &str) -> Option<&super::people::User> {
        self.users.iter().find(|u| u.name == name)
    }

    /// Active users that may log into `host`.
    pub fn users_on<'a>(
        &'a self,
        host: &'a Host,
    ) -> impl Iterator<Item = &'a super::people::User> + 'a {
        self.users
            .iter()
            .filter(move |u| u.active && self.access.allows(u.role, host))
    }

    /// Finds a host by name.
    pub fn host(&self, name: &str) -> Option<&Host> {
        self.hosts.iter().find(|h| h.name == name)
    }
}

/// How harden reaches a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// Remote account.
    pub user: String,
    /// SSH port.
    pub port: u16,
    /// known_hosts file (absolute).
    pub known_hosts: PathBuf,
    /// Private key (absolute), if configured.
    pub identity: Option<PathBuf>,
    /// TCP connect + handshake timeout.
    pub connect_timeout: Duration,
}

/// One managed host with its effective settings.
#[derive(Debug, Clone)]
pub struct Host {
    /// Position in `hosts` (for diagnostics).
    pub index: usize,
    /// Unique name.
    pub name: String,
    /// The address harden connects to.
    pub address: IpAddr,
    /// `address` plus `extra_addresses`.
    pub addresses: Vec<IpAddr>,
    /// Telekom or Hetzner.
    pub provider: Provider,
    /// Production or test.
    pub environment: Environment,
    /// Customer project, if any.
    pub tenant: Option<String>,
    /// Roles.
    pub roles: Vec<Role>,
    /// Declared services.
    pub allow: Vec<Allow>,
    /// Connection settings.
    pub conn: Connection,
    /// Sources for which the management port is always open.
    pub controller_sources: Vec<Cidr>,
    /// Sources maintenance windows open the management port to.
    pub management_sources: Vec<Cidr>,
    /// sshd settings.
    pub sshd: SshdSettings,
    /// Firewall settings.
    pub firewall: FirewallSettings,
}

impl Host {
    /// True when the host has `role`.
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// One declared service port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allow {
    /// Port or range.
    pub port: PortRange,
    /// tcp or udp.
    pub proto: Proto,
    /// Allowed sources; `None` means anyone.
    pub from: Option<Vec<Cidr>>,
    /// The `from` entries as written (host names kept), for comments.
    pub from_written: Vec<String>,
    /// Optional free text.
    pub comment: Option<String>,
}

/// A client that keeps a classical key exchange allowed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LegacyClient {
    /// Who.
    pub name: String,
    /// Why.
    pub reason: String,
}

/// Effective sshd settings of a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshdSettings {
    /// Clients that need a classical key exchange.
    pub legacy_kex_clients: Vec<LegacyClient>,
    /// AllowTcpForwarding.
    pub allow_tcp_forwarding: bool,
    /// AllowAgentForwarding.
    pub allow_agent_forwarding: bool,
    /// X11Forwarding.
    pub x11_forwarding: bool,
    /// LoginGraceTime (seconds).
    pub login_grace_time: u32,
    /// MaxAuthTries.
    pub max_auth_tries: u32,
    /// MaxStartups.
    pub max_startups: String,
    /// ClientAliveInterval (seconds).
    pub client_alive_interval: u32,
    /// Extra lines.
    pub extra: Vec<String>,
}

impl Default for SshdSettings {
    fn default() -> Self {
        SshdSettings {
            legacy_kex_clients: Vec::new(),
            allow_tcp_forwarding: false,
            allow_agent_forwarding: false,
            x11_forwarding: false,
            login_grace_time: 20,
            max_auth_tries: 3,
            max_startups: "10:30:60".into(),
            client_alive_interval: 300,
            extra: Vec::new(),
        }
    }
}

/// Effective firewall settings of a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirewallSettings {
    /// Echo requests accepted per second.
    pub icmp_rate: u32,
    /// Log prefix for accepted management connections.
    pub log_prefix: String,
}

impl Default for FirewallSettings {
    fn default() -> Self {
        FirewallSettings {
            icmp_rate: 10,
            log_prefix: "harden-mgmt: ".into(),
        }
    }
}
