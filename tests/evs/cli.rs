//! `harden drift` (the binary) against the OTC fake.
