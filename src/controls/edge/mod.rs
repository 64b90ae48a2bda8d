//! The provider firewalls (TOM-6.2-provider-firewall): Hetzner Cloud
//! Firewalls and Open Telekom Cloud security groups, derived from the
//! same inventory as the host firewall and compared with it as
//! normalised sets of [`rule::Atom`]s.

pub mod compare;
pub mod desired;
#[cfg(test)]
pub mod fixtures;
pub mod hetzner;
pub mod normalise;
pub mod otc;
mod otc_ports;
pub mod rule;

use serde_json::Value;

use crate::contract::api::{ApiCall, Method, Service};
use crate::contract::{Change, RenderError};

/// A planning error from anything displayable.
pub(crate) fn err(e: impl std::fmt::Display) -> RenderError {
    RenderError(e.to_string())
}

/// A checked provider call on `service`, as a plan change.
pub(crate) fn api_change(
    service: Service,
    method: Method,
    path: String,
    body: Option<Value>,
    describe: String,
) -> Result<Change, RenderError> {
    Ok(Change::Api(
        ApiCall::new(method, path, body, describe)
            .map_err(err)?
            .on(service),
    ))
}
