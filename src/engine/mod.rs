//! The engine: gathers facts, compares them with the desired state and,
//! in `apply`, carries out the changes over the transport.
//!
//! `facts` runs every probe in one round trip, `check` is the pure
//! comparison, `script` writes the remote apply script, `guard` proves a
//! change did not lock harden out, and `run` orchestrates hosts in
//! parallel. Controls never appear by name here.

pub mod apply;
pub mod check;
pub mod context;
pub mod facts;
pub mod guard;
pub mod hostlock;
pub mod run;
pub mod script;
