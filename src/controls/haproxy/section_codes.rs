//! The diagnostic codes only the gatekeeper section emits: `inv-gk-…`
//! while a host's table loads, `pol-gk-…` from the cross-host rules
//! ([`policy`](super::policy)); listed in `harden codes` and
//! docs/inventory.md through [`Section::codes`](crate::contract::section::Section::codes).

use crate::inventory::validate::CodeInfo;

/// Codes only this section emits.
pub(super) const CODES: &[CodeInfo] = &[
    CodeInfo {
        code: "inv-gk-no-services",
        severity: "error",
        tom: None,
        description: "a `hosts[].gatekeeper` table has no services",
    },
    CodeInfo {
        code: "inv-gk-name",
        severity: "error",
        tom: None,
        description: "a gatekeeper service name is not 1-32 of `[a-z0-9-]`",
    },
    CodeInfo {
        code: "inv-gk-duplicate",
        severity: "error",
        tom: None,
        description: "a gatekeeper service name, listener, sni name or backend is listed twice",
    },
    CodeInfo {
        code: "inv-gk-limit",
        severity: "error",
        tom: None,
        description: "too many gatekeeper services (32), listeners (16), sources (256), sni names (32) or backends (64)",
    },
    CodeInfo {
        code: "inv-gk-listen",
        severity: "error",
        tom: None,
        description: "a gatekeeper listen entry is not a port or `addr:port`, or the list is empty",
    },
    CodeInfo {
        code: "inv-gk-sources",
        severity: "error",
        tom: None,
        description: "a gatekeeper source is not an address or prefix (or has host bits set), or `sources` is empty",
    },
    CodeInfo {
        code: "inv-gk-unknown-host",
        severity: "error",
        tom: None,
        description: "a gatekeeper backend or source names no host of the inventory",
    },
    CodeInfo {
        code: "inv-gk-mode",
        severity: "error",
        tom: None,
        description: "a gatekeeper service mode is not `passthrough` or `reencrypt`",
    },
    CodeInfo {
        code: "inv-gk-reencrypt",
        severity: "error",
        tom: None,
        description: "a reencrypt service lacks cert, key, backend_ca or backend_name, or a passthrough service sets one",
    },
    CodeInfo {
        code: "inv-gk-path",
        severity: "error",
        tom: None,
        description: "a gatekeeper file path is not absolute, normalised and `[A-Za-z0-9/._+-]`, or the key is not `<cert>.key` or the cert",
    },
    CodeInfo {
        code: "inv-gk-dns-name",
        severity: "error",
        tom: None,
        description: "an sni name or backend_name is not a lower-case DNS name",
    },
    CodeInfo {
        code: "inv-gk-backend",
        severity: "error",
        tom: None,
        description: "a gatekeeper backend is not `<host>:<port>`, or the list is empty",
    },
    CodeInfo {
        code: "inv-gk-health",
        severity: "error",
        tom: None,
        description: "an HTTP health check outside reencrypt, a health_path without it, or a bad health_path",
    },
    CodeInfo {
        code: "inv-gk-duration",
        severity: "error",
        tom: None,
        description: "a gatekeeper duration is not `<n>ms|s|m|h` or is out of range (timeouts 100ms-1h, hard_stop_after 1s-24h)",
    },
    CodeInfo {
        code: "inv-gk-range",
        severity: "error",
        tom: None,
        description: "a gatekeeper maxconn or rate_limit is outside its range",
    },
    CodeInfo {
        code: "inv-gk-shared-port",
        severity: "error",
        tom: None,
        description: "two gatekeeper services share a listener without distinct sni names, or a reencrypt service shares one",
    },
    CodeInfo {
        code: "inv-gk-listen-address",
        severity: "error",
        tom: None,
        description: "a gatekeeper listens on an address the host does not have",
    },
    CodeInfo {
        code: "pol-gk-plaintext",
        severity: "error",
        tom: Some(crate::tom::TRANSPORT_ENCRYPTION.id),
        description: "a gatekeeper service mode would forward plaintext (`tcp`, `http`, `plain`)",
    },
    CodeInfo {
        code: "pol-gk-role",
        severity: "error",
        tom: Some(crate::tom::PORTS.id),
        description: "a gatekeeper table on a host without the gatekeeper or loadbalancer role",
    },
    CodeInfo {
        code: "pol-gk-backend-self",
        severity: "error",
        tom: Some(crate::tom::PORTS.id),
        description: "a gatekeeper names itself as a backend",
    },
    CodeInfo {
        code: "pol-gk-backend-exposed",
        severity: "error",
        tom: Some(crate::tom::PORTS.id),
        description: "a backend's own `allow` opens its forwarded port to more than its gatekeepers",
    },
    CodeInfo {
        code: "pol-gk-mgmt-port",
        severity: "error",
        tom: Some(crate::tom::MGMT_WINDOW.id),
        description: "a gatekeeper listens on its own management (SSH) port",
    },
    CodeInfo {
        code: "pol-gk-data-public",
        severity: "error",
        tom: Some(crate::tom::PORTS.id),
        description: "a data host is a backend of a service anyone may connect to",
    },
    CodeInfo {
        code: "pol-gk-location",
        severity: "error",
        tom: Some(crate::tom::DISK_ENCRYPTION.id),
        description: "a gatekeeper is not at gatekeeper_provider or a backend not at backend_provider",
    },
    CodeInfo {
        code: "pol-gk-holds-data",
        severity: "error",
        tom: Some(crate::tom::DISK_ENCRYPTION.id),
        description: "a gatekeeper holds data (role `data`, or declared data disks)",
    },
    CodeInfo {
        code: "pol-gk-env-mix",
        severity: "error",
        tom: Some(crate::tom::PROD_TEST.id),
        description: "a gatekeeper and its backend are in different environments or tenants",
    },
    CodeInfo {
        code: "pol-gk-prod-test-source",
        severity: "error",
        tom: Some(crate::tom::PROD_TEST.id),
        description: "a gatekeeper service's `sources` names a host of the other environment, or an address or prefix (not 0.0.0.0/0, ::/0) that contains one's address",
    },
    CodeInfo {
        code: "pol-gk-tenant-source",
        severity: "error",
        tom: Some(crate::tom::DEDICATED_SERVERS.id),
        description: "a gatekeeper service's `sources` names a host of another tenant, or an address or prefix (not 0.0.0.0/0, ::/0) that contains one's address",
    },
];
