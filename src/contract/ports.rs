//! Ports a control needs opened on its host.
//!
//! A control that serves something (HAProxy's listeners) declares it here
//! instead of editing the firewall: the firewall control renders one rule
//! per declaration beside the host's `allow` entries, so both always tell
//! the same story.

use crate::inventory::{Cidr, PortRange, Proto};

/// One port (or range) a control needs reachable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortNeed {
    /// The control that needs it (shown in the rule's comment).
    pub control: &'static str,
    /// Port or range.
    pub port: PortRange,
    /// tcp or udp.
    pub proto: Proto,
    /// Allowed sources; `None` means anyone.
    pub from: Option<Vec<Cidr>>,
    /// Why, in comment-safe text (already validated by the inventory).
    pub why: String,
}
