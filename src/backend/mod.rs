//! Backends carry out what the engine decided, where the state lives.
//!
//! [`ssh`] reaches hosts: one multiplexed connection, batched probes,
//! stage / validate / swap, the rollback guard. Provider-scoped controls
//! use the HTTP-API backend. Backends know nothing of particular controls.

pub mod ssh;
