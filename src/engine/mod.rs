//! The engine: gathers facts, compares them with the desired state and,
//! in `apply`, carries out the changes over the transport.
//!
//! `check` plans every control for a host (the pure half), `run` gathers
//! facts and plans every host in parallel, `apply` has the backend carry
//! out each plan's selected changes and verifies, `fanout` is the one
//! bounded per-host task runner, `hostlock` the whole-host lock,
//! `provider` the same check-apply for provider-scoped controls over an
//! HTTP API (no SSH), `provider_all` that phase for every selected host.
//! Controls never appear by name here; backends live in
//! [`crate::backend`].

pub mod apply;
pub mod check;
pub mod context;
pub mod fanout;
pub mod hostlock;
pub mod provider;
pub mod provider_all;
mod provider_reads;
pub mod run;
