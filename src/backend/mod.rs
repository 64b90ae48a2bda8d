//! Backends carry out what the engine decided, where the state lives.
//!
//! [`ssh`] reaches hosts: one multiplexed connection, batched probes,
//! stage / validate / swap, the rollback guard. Provider-scoped controls
//! use the HTTP-API backend ([`http`]): base URL, credentials from the
//! environment or a root-only file, bounded retries. Backends know nothing of particular controls.

pub mod http;
pub mod ssh;
pub mod tls;
