//! Controls: one module per security measure harden makes true.
//!
//! Each control is written against [`crate::contract`] only: it names the
//! facts it needs, turns them into a [`Plan`](crate::contract::Plan) of
//! findings and typed changes, and never opens a connection. Adding a
//! control means a folder here (with its templates under `templates/`)
//! and one line in [`ALL`]; the engine does not change. See
//! docs/architecture.md, "Adding a control".

pub mod accounts;
pub mod banner;
pub mod cloud;
pub mod disks;
pub mod edge;
pub mod evs;
pub mod firewall;
pub mod haproxy;
pub mod passwords;
pub mod sections;
pub mod ssh_ca;
pub mod sshd;
pub mod templates;

use crate::contract::Control;

/// Every control, in the order they are applied: the firewall first, so a
/// host is never exposed while its other services change; accounts and
/// the CA's trust files before sshd, so the files sshd will refer to exist
/// when its new configuration is validated.
pub static ALL: &[&dyn Control] = &[
    &firewall::Firewall,
    &accounts::Accounts,
    &ssh_ca::SshCa,
    &sshd::Sshd,
    &haproxy::Haproxy,
    &disks::Disks,
    &banner::BannerControl,
    &passwords::Passwords,
    &cloud::CloudControl,
    &evs::Evs,
    &edge::hetzner::HCLOUD_FIREWALL,
    &edge::otc::OTC_SECGROUP,
];
