//! The inventory: which hosts exist, what they do and who may reach them.
//!
//! `schema` is the TOML syntax, `load` turns it into the resolved `model`
//! (defaults applied, names resolved), `validate` holds the policy rules and
//! `source` locates every problem in the file. Nothing here does network I/O.

mod codes;
#[cfg(test)]
mod codes_scan;
pub mod diagnostic;
pub mod fields;
pub mod fuzz;
pub mod hosts;
pub mod load;
pub mod model;
pub mod net;
pub mod people;
pub mod schema;
mod sections;
pub mod settings;
pub mod source;
pub mod suggest;
pub mod syntax;
pub mod text;
pub mod validate;

pub use load::{load, load_bytes, load_str, LoadError};
pub use model::*;
pub use net::{Cidr, PortRange};
pub use people::{Access, User};
pub use schema::{Environment, Proto, Provider, Role, UserRole};
pub use settings::{AuditSettings, CaSettings, MaintenanceSettings};
pub use source::{Diagnostic, Diags, KeyPath, Severity, Source};
