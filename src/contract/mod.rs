//! The contract between the inventory, the controls and the engine (stub: the integrator's `contract/mod.rs` replaces this file; keep `pub mod section;`).

pub mod section;
