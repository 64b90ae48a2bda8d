//! The diagnostic catalogue: every stable code (`inv-…`, `pol-…`) the
//! inventory can emit, with its severity, the TOM measure a policy rule
//! protects and one line of meaning; docs/inventory.md's code table is
//! written from it. Re-exported as `validate::{CodeInfo, CODES, catalogue}`.

/// One entry of the diagnostic catalogue.
pub struct CodeInfo {
    /// Stable id.
    pub code: &'static str,
    /// `error` or `warning`.
    pub severity: &'static str,
    /// TOM measure, when the code is a policy rule.
    pub tom: Option<&'static str>,
    /// One line: what it means.
    pub description: &'static str,
}

/// Every code the inventory itself can emit; a control section adds its
/// own ([`catalogue`]). Codes are never renamed.
pub const CODES: &[CodeInfo] = &[
    CodeInfo {
        code: "inv-syntax",
        severity: "error",
        tom: None,
        description: "the file is not valid TOML",
    },
    CodeInfo {
        code: "inv-encoding",
        severity: "error",
        tom: None,
        description: "the file is not UTF-8 (located at the first bad byte)",
    },
    CodeInfo {
        code: "inv-too-large",
        severity: "error",
        tom: None,
        description: "the file is larger than 10 MiB; it is refused before parsing",
    },
    CodeInfo {
        code: "inv-line-too-long",
        severity: "error",
        tom: None,
        description: "a line is longer than 16 KiB; it is refused before parsing",
    },
    CodeInfo {
        code: "inv-control-char",
        severity: "error",
        tom: None,
        description: "a key or value contains a control character (line break, tab, NUL, DEL, C1, U+2028/U+2029, a bidirectional override)",
    },
    CodeInfo {
        code: "inv-schema",
        severity: "error",
        tom: None,
        description: "unknown key, wrong type or unknown value",
    },
    CodeInfo {
        code: "inv-missing-key",
        severity: "error",
        tom: None,
        description: "a required key is missing",
    },
    CodeInfo {
        code: "inv-bad-name",
        severity: "error",
        tom: None,
        description: "a host name has characters other than letters, digits, '-', '.', '_', or a user name is not a usable login",
    },
    CodeInfo {
        code: "inv-bad-address",
        severity: "error",
        tom: None,
        description: "an address is not an IPv4/IPv6 address",
    },
    CodeInfo {
        code: "inv-bad-cidr",
        severity: "error",
        tom: None,
        description: "a source is not an address or prefix, or has host bits set",
    },
    CodeInfo {
        code: "inv-bad-port",
        severity: "error",
        tom: None,
        description: "a port is not 1-65535 or a range",
    },
    CodeInfo {
        code: "inv-bad-value",
        severity: "error",
        tom: None,
        description: "a setting is outside its safe range",
    },
    CodeInfo {
        code: "inv-bad-key",
        severity: "error",
        tom: None,
        description: "a user's public key is not an OpenSSH public key",
    },
    CodeInfo {
        code: "inv-bad-path",
        severity: "error",
        tom: None,
        description: "a path contains `\"` (or, for ssh, `%` or `$`) or is not UTF-8",
    },
    CodeInfo {
        code: "inv-bad-text",
        severity: "error",
        tom: None,
        description: "free text (a legacy client, reason, tenant or comment) has a character unsafe in a comment, or is too long",
    },
    CodeInfo {
        code: "inv-duplicate-host",
        severity: "error",
        tom: None,
        description: "two hosts have the same name",
    },
    CodeInfo {
        code: "inv-duplicate-address",
        severity: "error",
        tom: None,
        description: "two hosts have the same address",
    },
    CodeInfo {
        code: "inv-duplicate-user",
        severity: "error",
        tom: None,
        description: "two users have the same name",
    },
    CodeInfo {
        code: "inv-duplicate-key",
        severity: "error",
        tom: None,
        description: "one public key is listed for two users",
    },
    CodeInfo {
        code: "inv-unknown-host",
        severity: "error",
        tom: None,
        description: "a `from` entry names no host of the inventory",
    },
    CodeInfo {
        code: "inv-ca",
        severity: "error",
        tom: None,
        description: "`check`: the CA at [ca] dir exists but cannot be used",
    },
    CodeInfo {
        code: "inv-render",
        severity: "error",
        tom: None,
        description: "`check`: a host's files cannot be rendered from its settings",
    },
    CodeInfo {
        code: "pol-no-controller",
        severity: "error",
        tom: Some(crate::tom::MGMT_WINDOW.id),
        description: "no controller_sources: harden would lock itself out",
    },
    CodeInfo {
        code: "pol-mgmt-open-to-all",
        severity: "error",
        tom: Some(crate::tom::MGMT_WINDOW.id),
        description: "controller_sources or management_sources contain 0.0.0.0/0 or ::/0",
    },
    CodeInfo {
        code: "pol-mgmt-port-in-allow",
        severity: "error",
        tom: Some(crate::tom::MGMT_WINDOW.id),
        description: "an allow entry opens the management port; use maintenance windows",
    },
    CodeInfo {
        code: "pol-mgmt-people-permanent",
        severity: "error",
        tom: Some(crate::tom::MGMT_WINDOW.id),
        description: "a controller_sources prefix wider than one address overlaps management_sources: people's machines would reach the management port at all times",
    },
    CodeInfo {
        code: "pol-data-host-public",
        severity: "error",
        tom: Some(crate::tom::PORTS.id),
        description: "a data host serves a port to anyone",
    },
    CodeInfo {
        code: "pol-data-host-location",
        severity: "error",
        tom: Some(crate::tom::DISK_ENCRYPTION.id),
        description: "a data host is not at Telekom (data must stay in the encrypted OTC estate)",
    },
    CodeInfo {
        code: "pol-data-host-non-management",
        severity: "error",
        tom: Some(crate::tom::DATA_HOSTS_MANAGEMENT_ONLY.id),
        description: "[access] lets a role other than management log into data hosts",
    },
    CodeInfo {
        code: "pol-prod-test-mix",
        severity: "error",
        tom: Some(crate::tom::PROD_TEST.id),
        description: "a production host accepts a test host (or the reverse)",
    },
    CodeInfo {
        code: "pol-tenant-mix",
        severity: "error",
        tom: Some(crate::tom::DEDICATED_SERVERS.id),
        description: "a host accepts a host of another tenant",
    },
    CodeInfo {
        code: "pol-prod-test-source",
        severity: "error",
        tom: Some(crate::tom::PROD_TEST.id),
        description: "an allow `from` address or prefix (not 0.0.0.0/0, ::/0) contains an address of a host of the other environment",
    },
    CodeInfo {
        code: "pol-prod-test-project",
        severity: "error",
        tom: Some(crate::tom::PROD_TEST.id),
        description: "a production and a test host use the same provider project (the same OTC region, domain and project, or the same Hetzner token)",
    },
    CodeInfo {
        code: "pol-tenant-source",
        severity: "error",
        tom: Some(crate::tom::DEDICATED_SERVERS.id),
        description: "an allow `from` address or prefix (not 0.0.0.0/0, ::/0) contains an address of a host of another tenant",
    },
    CodeInfo {
        code: "pol-tenant-shared-host",
        severity: "error",
        tom: Some(crate::tom::DEDICATED_SERVERS.id),
        description: "a host without a tenant is linked (allow `from` host name or gatekeeper backend, either direction) to hosts of two or more tenants",
    },
    CodeInfo {
        code: "pol-plaintext-port",
        severity: "warning",
        tom: Some(crate::tom::TRANSPORT_ENCRYPTION.id),
        description: "a well-known plaintext port (80, 21, 23, 25, 110, 143) is allowed",
    },
    CodeInfo {
        code: "pol-any-source",
        severity: "warning",
        tom: Some(crate::tom::PORTS.id),
        description: "a non-gatekeeper host serves a port to anyone",
    },
];

/// The whole catalogue: [`CODES`], then each section's own codes.
pub fn catalogue(sections: &[&dyn crate::contract::section::Section]) -> Vec<&'static CodeInfo> {
    CODES
        .iter()
        .chain(sections.iter().flat_map(|s| s.codes()))
        .collect()
}
