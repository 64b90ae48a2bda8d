//! The control contract: what every control is written against, below
//! the engine and the backends.
//!
//! A control reads the inventory through a [`HostCtx`], names the facts it
//! needs as [`Probe`]s (two phases at most: [`Control::probes`], then
//! [`Control::probes_after`] with the first phase's facts), and turns the
//! facts into one [`Plan`]: findings, and the typed [`Change`]s that fix
//! them, each drifting finding linked to its change by a [`ChangeId`].
//! `plan`, `drift` and `apply` all compute the same plan; apply then has
//! the backend carry out exactly the changes its drifting findings name.
//! Controls import this module, never the engine or a backend.

pub mod api;
pub mod change;
pub mod control;
pub mod facts;
pub mod filecheck;
pub mod keyed;
pub mod kinds;
pub mod outside;
pub mod plan;
pub mod plan_keys;
pub mod ports;
pub mod probe;
pub mod section;

pub use crate::report::model::{ChangeId, Fix};
pub use change::{Change, ManagedFile, Quarantine};
pub use control::{Control, HostCtx, RenderError, Scope};
pub use facts::{BaseFacts, CmdFact, Facts, FileFact};
pub use outside::{TlsProbe, TlsSeen};
pub use plan::Plan;
pub use ports::PortNeed;
pub use probe::{sh_quote, Probe};
