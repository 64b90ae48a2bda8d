//! The control contract: what controls ask of hosts, below the engine.

pub mod kinds;
