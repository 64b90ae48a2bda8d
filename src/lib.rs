//! harden makes a company's GDPR Art. 32 technical measures true on its
//! servers and proves, every night, that they still are.
//!
//! The pipeline: the [`inventory`] (TOML) is parsed, resolved and checked
//! against policy; each of the [`controls`] renders the desired state of a
//! host from it (nftables rules, sshd configuration, …); the [`engine`]
//! gathers the host's facts over one SSH connection ([`transport`]),
//! compares, and in `apply` validates, activates and verifies the changes
//! with an automatic rollback against lock-out; the result is a [`report`]
//! in text, JSON, JUnit or HTML. `plan`, `drift` and `apply` are one code
//! path that differs only in whether changes are made.
//!
//! Around that pipeline: [`ca`] is the SSH certificate authority (users
//! log in with short-lived certificates only), [`audit`] keeps the
//! tamper-evident log of who changed what, and [`notify`] reports events
//! to management over a webhook with an outbox that loses nothing;
//! [`events`] puts every change through both. [`maintenance`] opens the
//! management port for a limited time, closed by the kernel.

pub mod audit;
pub mod backend;
pub mod ca;
pub mod cli;
pub mod contract;
pub mod controls;
pub mod disk;
pub mod drift_access;
pub mod engine;
pub mod events;
pub mod inventory;
pub mod lab;
pub mod maintenance;
pub mod notify;
pub mod random;
pub mod report;
#[cfg(test)]
pub mod source_scan;
#[cfg(test)]
pub mod testkit;
pub mod timefmt;
pub mod tom;
pub mod transport;
pub mod warn;
