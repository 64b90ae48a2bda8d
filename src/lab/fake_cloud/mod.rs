//! Stateful, in-memory fakes of the provider APIs for tests and the lab
//! demo, built on [`crate::lab::fake_http`]: one module per provider.

pub mod estate;
pub mod hcloud;
pub mod ns;
pub mod otc;
