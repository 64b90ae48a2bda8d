//! Stateful in-memory fakes of the provider APIs, on the fake HTTP core
//! (`crate::lab::fake_http`), for tests and the lab demo.

pub mod hcloud;
