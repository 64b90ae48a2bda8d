//! The numbers of OpenSSH's `PROTOCOL.krl` (format version 1) that
//! harden writes ([`super::encode`]) and reads back
//! ([`crate::ca::drift_krl`]): one definition for both directions.

/// `"SSHKRL\n\0"`.
pub(crate) const MAGIC: &[u8; 8] = b"SSHKRL\n\0";
pub(crate) const FORMAT_VERSION: u32 = 1;
pub(crate) const SECTION_CERTIFICATES: u8 = 1;
pub(crate) const SECTION_EXPLICIT_KEY: u8 = 2;
pub(crate) const SECTION_FINGERPRINT_SHA256: u8 = 5;
pub(crate) const CERT_SERIAL_LIST: u8 = 0x20;
pub(crate) const CERT_SERIAL_RANGE: u8 = 0x21;
pub(crate) const CERT_SERIAL_BITMAP: u8 = 0x22;
pub(crate) const CERT_KEY_ID: u8 = 0x23;
