//! The diagnostic collector of host resolution, and the parsers of its
//! values (prefixes, ports, seconds) that report a problem at its key.

use std::time::Duration;

use crate::inventory::net::{Cidr, PortRange};
use crate::inventory::source::{Diagnostic, Diags, KeyPath, Severity, Source};

/// Collects diagnostics for one host while resolving it.
pub(super) struct Ctx<'a> {
    pub(super) src: &'a Source,
    pub(super) diags: &'a mut Diags,
}

impl Ctx<'_> {
    /// Records an error at `path`.
    pub(super) fn err(
        &mut self,
        path: &KeyPath,
        code: &'static str,
        msg: impl Into<String>,
        help: impl Into<String>,
    ) {
        let src = self.src;
        self.diags.add(Severity::Error, || {
            Diagnostic::at(src, path, code, msg, help)
        });
    }

    pub(super) fn cidr(&mut self, path: &KeyPath, s: &str) -> Option<Cidr> {
        Cidr::parse(s)
            .map_err(|e| {
                self.err(
                    path,
                    "inv-bad-cidr",
                    e,
                    "write an address (10.0.0.5) or a prefix (10.0.0.0/24, 2001:db8::/48)",
                )
            })
            .ok()
    }

    pub(super) fn cidrs(&mut self, path: &KeyPath, list: &[String]) -> Vec<Cidr> {
        list.iter()
            .enumerate()
            .filter_map(|(i, s)| self.cidr(&path.index(i), s))
            .collect()
    }

    pub(super) fn port(&mut self, path: &KeyPath, v: &toml::Value) -> Option<PortRange> {
        let parsed = match v {
            toml::Value::Integer(i) if (1..=65535).contains(i) => Ok(PortRange::single(*i as u16)),
            toml::Value::Integer(i) => Err(format!("port {i} is out of range")),
            toml::Value::String(s) => PortRange::parse(s),
            other => Err(format!(
                "expected a port number, found {}",
                other.type_str()
            )),
        };
        match parsed {
            Ok(p) => Some(p),
            Err(e) => {
                self.err(
                    path,
                    "inv-bad-port",
                    e,
                    "valid: 1-65535, or a range such as \"8000-8100\"",
                );
                None
            }
        }
    }

    pub(super) fn single_port(&mut self, path: &KeyPath, v: &toml::Value) -> Option<u16> {
        let p = self.port(path, v)?;
        if p.start != p.end {
            self.err(
                path,
                "inv-bad-port",
                format!("ssh_port must be one port, not the range {p}"),
                "e.g. ssh_port = 22",
            );
            return None;
        }
        Some(p.start)
    }

    pub(super) fn seconds(&mut self, path: &KeyPath, v: &toml::Value) -> Option<Duration> {
        match v {
            toml::Value::Integer(i) if (1..=600).contains(i) => {
                Some(Duration::from_secs(*i as u64))
            }
            _ => {
                self.err(
                    path,
                    "inv-bad-value",
                    format!("`{v}` is not a number of seconds"),
                    "valid: 1-600",
                );
                None
            }
        }
    }
}
