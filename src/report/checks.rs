//! Every check kind a [`Finding`](super::model::Finding) can carry: the
//! `check` field of the JSON contract.
//!
//! [`KINDS`] is the one list. `checks_tests` holds it against the code
//! (every kind literal in `src/` is listed, every listed kind is used) and
//! against the `check` table of docs/reports.md (the same set, row for
//! row), and a debug build refuses to make a finding of an unlisted kind,
//! so the lab tests catch one the scan cannot see. A new check: add its
//! kind here and its row to docs/reports.md.

/// Every check kind, sorted.
pub const KINDS: &[&str] = &[
    "account",
    "boot-persistence",
    "cloud-server",
    "crypt-mount",
    "data-volumes",
    "device-present",
    "directory",
    "edge-foreign",
    "edge-layers",
    "edge-maintenance",
    "edge-maintenance-overdue",
    "edge-object",
    "edge-object-scope",
    "edge-port-security",
    "edge-rules",
    "evs-key",
    "evs-volume",
    "evs-volumes",
    "file",
    "file-keys",
    "file-rows",
    "haproxy-backend",
    "haproxy-config-running",
    "haproxy-installed",
    "haproxy-reload",
    "haproxy-running",
    "haproxy-socket",
    "haproxy-tls-file",
    "hiding-cert",
    "hiding-http",
    "hiding-reach",
    "hiding-tls-version",
    "host-certificate",
    "key-file",
    "listening-port",
    "luks-cipher",
    "luks-keyslot",
    "luks-reencrypt",
    "luks-version",
    "maintenance-window",
    "managed-account",
    "nft-json",
    "nft-table",
    "other-tables",
    "package",
    "pam-pwquality",
    "password-age",
    "password-empty",
    "password-max-age",
    "revocation-list",
    "shadow",
    "sshd-dropin",
    "sshd-effective",
    "swap",
    "trusted-user-ca",
    "unmanaged-file",
];

/// Whether `kind` is a check kind of the contract.
pub fn known(kind: &str) -> bool {
    KINDS.binary_search(&kind).is_ok()
}
