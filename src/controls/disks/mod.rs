//! Disk encryption on data-holding hosts (TOM-1.2-disk-encryption): the
//! declared LUKS2 volumes, verified from the host, and the one-time
//! set-up of a new, provably empty data volume (`harden disk encrypt`).

pub mod model;
