//! Integration tests (see lab.rs).
