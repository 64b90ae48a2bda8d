//! The control contract (stub in the `keyed` branch; the integrator's version replaces it).

pub mod keyed;
