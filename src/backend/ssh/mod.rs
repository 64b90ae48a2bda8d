//! The SSH host backend: probes answered in one round trip ([`probe`]),
//! a control's selected changes applied by one remote script
//! ([`script`]), and the confirmation that a guarded change did not cut
//! harden off ([`guard`]).

pub mod guard;
pub mod probe;
pub mod script;
