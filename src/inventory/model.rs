//! The inventory after loading: every default applied, every name resolved.
//!
//! Controls only ever see these types. They hold no spans and no `Option`
//! that a default could have filled, so rendering cannot fail on a missing
//! value and two hosts with the same inputs render identically. A
//! control's own settings type lives in its folder (`section.rs`) and is
//! read with [`Host::settings`].

use std::any::Any;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::net::{Cidr, PortRange};
use super::schema::{Environment, Proto, Provider, Role};
use super::source::{Diagnostic, Source};
use crate::contract::section::{default_of, SectionSettings};

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
    /// The effective settings of each control section (`[defaults.X]`
    /// merged with `hosts[].X`); read them with [`Host::settings`].
    pub sections: SectionSettings,
}

impl Host {
    /// True when the host has `role`.
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The host's effective settings of type `T`, as its section loaded
    /// them (e.g. `host.settings::<SshdSettings>()`); `T::default()` when
    /// no loaded section produced a `T` (never a panic).
    pub fn settings<T: Any + Default + Send + Sync>(&self) -> &T {
        match self.sections.get::<T>() {
            Some(t) => t,
            None => default_of::<T>(),
        }
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
