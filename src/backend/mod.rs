//! Backends: how a control's plan reaches what it manages. [`http`] calls
//! the HTTPS API of a provider (cloud firewalls, security groups, volume
//! metadata) for provider-scoped controls; host-scoped controls go over SSH
//! (`crate::engine`, `crate::transport`).

pub mod http;
