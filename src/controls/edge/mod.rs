//! The provider firewalls (TOM-6.2-provider-firewall): Hetzner Cloud
//! Firewalls and Open Telekom Cloud security groups, derived from the
//! same inventory as the host firewall and compared with it as
//! normalised sets of [`rule::Atom`]s.

pub mod compare;
pub mod desired;
#[cfg(test)]
pub mod fixtures;
pub mod hetzner;
pub mod normalise;
pub mod otc;
mod otc_ports;
pub mod rule;
