//! The control contract (stub in this branch: the integrator's
//! `src/contract/mod.rs` replaces it and keeps the `api` line).

pub mod api;
