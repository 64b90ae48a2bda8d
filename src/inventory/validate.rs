//! Policy rules: inventory content that parses but breaks a TOM promise.
//!
//! Each rule has a stable code (`pol-…`), a severity and the TOM measure it
//! protects; [`CODES`] is the catalogue docs/inventory.md is written from.
//! Rules read only the resolved [`Inventory`] and never do I/O, so
//! `harden check` can run them in CI without reaching any host.

use super::model::{Host, Inventory};
use super::net::Cidr;
use super::schema::{Provider, Role};
use super::source::{Diagnostic, Diags, KeyPath, Severity};

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

/// Runs every policy rule.
pub fn policy(inv: &Inventory, out: &mut Diags) {
    for h in &inv.hosts {
        let hp = KeyPath::root().key("hosts").index(h.index);
        mgmt_rules(inv, h, &hp, out);
        allow_rules(inv, h, &hp, out);
        if h.has_role(Role::Data) && h.provider != Provider::Telekom {
            out.add(Severity::Error, || Diagnostic::at(&inv.source, &hp.key("provider"), "pol-data-host-location",
                format!("data host `{}` is at {}", h.name, h.provider),
                "data-holding systems run at Open Telekom Cloud with encrypted disks; put gatekeepers at Hetzner")
                .tom(crate::tom::DISK_ENCRYPTION.id));
        }
    }
}

fn mgmt_rules(inv: &Inventory, h: &Host, hp: &KeyPath, out: &mut Diags) {
    let src = &inv.source;
    if h.controller_sources.is_empty() {
        out.add(Severity::Error, || Diagnostic::at(src, hp, "pol-no-controller",
            format!("host `{}` has no controller_sources", h.name),
            "set controller_sources in [defaults] to the address(es) harden connects from, or harden would lock itself out")
            .tom(crate::tom::MGMT_WINDOW.id));
    }
    for (key, list) in [
        ("controller_sources", &h.controller_sources),
        ("management_sources", &h.management_sources),
    ] {
        if list.iter().any(Cidr::is_any) {
            out.add(Severity::Error, || {
                Diagnostic::at(
                    src,
                    &hp.key(key),
                    "pol-mgmt-open-to-all",
                    format!(
                        "{key} of `{}` opens the management port to the whole internet",
                        h.name
                    ),
                    "list the management networks explicitly (e.g. 198.51.100.0/28)",
                )
                .tom(crate::tom::MGMT_WINDOW.id)
            });
        }
    }
}

fn allow_rules(inv: &Inventory, h: &Host, hp: &KeyPath, out: &mut Diags) {
    let src = &inv.source;
    for (j, a) in h.allow.iter().enumerate() {
        let ap = hp.key("allow").index(j);
        if a.proto.as_str() == "tcp" && a.port.contains(h.conn.port) {
            out.add(Severity::Error, || Diagnostic::at(src, &ap.key("port"), "pol-mgmt-port-in-allow",
                format!("allow opens the management port {} on `{}`", h.conn.port, h.name),
                "remove it: the management port is open to controller_sources only; use `harden maintenance open` for people")
                .tom(crate::tom::MGMT_WINDOW.id));
        }
        let public =
            a.from.is_none() || a.from.as_ref().is_some_and(|f| f.iter().any(Cidr::is_any));
        if public && h.has_role(Role::Data) {
            out.add(Severity::Error, || Diagnostic::at(src, &ap, "pol-data-host-public",
                format!("data host `{}` serves port {} to anyone", h.name, a.port),
                "add from = [\"<app host>\", \"10.0.2.0/24\"]: data hosts are reached only through named hosts")
                .tom(crate::tom::PORTS.id));
        } else if public && !h.has_role(Role::Gatekeeper) && !h.has_role(Role::Loadbalancer) {
            out.add(Severity::Warning, || {
                Diagnostic::at(
                    src,
                    &ap,
                    "pol-any-source",
                    format!(
                        "`{}` serves port {} to anyone but is not a gatekeeper or load balancer",
                        h.name, a.port
                    ),
                    "add a `from` list, or give the host the gatekeeper/loadbalancer role",
                )
                .tom(crate::tom::PORTS.id)
                .warning()
            });
        }
        if [80u16, 21, 23, 25, 110, 143]
            .iter()
            .any(|p| a.port.contains(*p))
        {
            out.add(Severity::Warning, || {
                Diagnostic::at(
                    src,
                    &ap.key("port"),
                    "pol-plaintext-port",
                    format!("port {} on `{}` is usually plaintext", a.port, h.name),
                    "serve TLS only (e.g. 443); keep 80 only for a redirect to https",
                )
                .tom(crate::tom::TRANSPORT_ENCRYPTION.id)
                .warning()
            });
        }
        for (k, name) in a.from_written.iter().enumerate() {
            let Some(other) = inv.host(name) else {
                continue;
            };
            let fp = ap.key("from").index(k);
            if other.environment != h.environment {
                out.add(Severity::Error, || {
                    Diagnostic::at(
                        src,
                        &fp,
                        "pol-prod-test-mix",
                        format!(
                            "{} host `{}` accepts {} host `{}`",
                            h.environment, h.name, other.environment, other.name
                        ),
                        "production and test systems run separately: remove the entry",
                    )
                    .tom(crate::tom::PROD_TEST.id)
                });
            }
            if let (Some(t1), Some(t2)) = (&h.tenant, &other.tenant) {
                if t1 != t2 {
                    out.add(Severity::Error, || {
                        Diagnostic::at(
                            src,
                            &fp,
                            "pol-tenant-mix",
                            format!(
                                "host `{}` (tenant {t1}) accepts `{}` (tenant {t2})",
                                h.name, other.name
                            ),
                            "customer projects are kept apart: remove the entry or fix the tenant",
                        )
                        .tom(crate::tom::DEDICATED_SERVERS.id)
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::controls::sections::sections;

    #[test]
    fn codes_are_unique_and_described() {
        let mut seen = std::collections::HashSet::new();
        for c in catalogue(sections()) {
            assert!(seen.insert(c.code), "duplicate code {}", c.code);
            assert!(!c.description.is_empty());
            assert!(c.code.starts_with("inv-") || c.code.starts_with("pol-"));
            assert_eq!(c.code.starts_with("pol-"), c.tom.is_some(), "{}", c.code);
        }
    }

    /// The code table of docs/inventory.md, generated from [`CODES`].
    fn catalogue_table() -> String {
        let mut t = String::from("| Code | Severity | Protects | Meaning |\n|---|---|---|---|\n");
        for c in catalogue(sections()) {
            t.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                c.code,
                c.severity,
                c.tom.unwrap_or("—"),
                c.description.replace('|', "\\|")
            ));
        }
        t
    }

    #[test]
    fn docs_list_every_code() {
        let doc = include_str!("../../docs/inventory.md");
        let missing: Vec<&str> = catalogue(sections())
            .iter()
            .map(|c| c.code)
            .filter(|c| !doc.contains(&format!("`{c}`")))
            .collect();
        assert!(
            missing.is_empty(),
            "docs/inventory.md does not mention {missing:?}"
        );
        let table = catalogue_table();
        assert!(
            doc.contains(&table),
            "the code table in docs/inventory.md is out of date; replace it with:\n\n{table}"
        );
    }
}
