//! A host's `allow` entries: ports checked, `from` names resolved to the
//! addresses of the named hosts (any host of the inventory), addresses
//! and prefixes parsed.

use std::collections::HashMap;
use std::net::IpAddr;

use super::ctx::Ctx;
use crate::inventory::model::Allow;
use crate::inventory::net::Cidr;
use crate::inventory::schema::{Proto, RawAllow};
use crate::inventory::source::KeyPath;

/// Resolves the `allow` entries `raw` of the host at `hp`; `names` maps
/// every host name to its index and addresses. Entries with a bad port
/// are left out (the problem is in `cx`).
pub(super) fn resolve(
    cx: &mut Ctx<'_>,
    names: &HashMap<String, (usize, Vec<IpAddr>)>,
    hp: &KeyPath,
    raw: &[RawAllow],
) -> Vec<Allow> {
    let mut allow = Vec::new();
    for (j, a) in raw.iter().enumerate() {
        let ap = hp.key("allow").index(j);
        let port = match &a.port {
            Some(v) => cx.port(&ap.key("port"), v),
            None => {
                cx.err(
                    &ap,
                    "inv-missing-key",
                    "allow entry has no `port`",
                    "add port = 443 or port = \"8000-8100\"",
                );
                None
            }
        };
        let from = a.from.as_ref().map(|list| {
            let mut out = Vec::new();
            for (k, s) in list.iter().enumerate() {
                if let Some((_, ips)) = names.get(s) {
                    out.extend(ips.iter().map(|ip| Cidr::host(*ip)));
                } else if looks_like_address(s) {
                    out.extend(cx.cidr(&ap.key("from").index(k), s));
                } else {
                    let known = super::name_list(names.keys().map(String::as_str).collect());
                    cx.err(
                        &ap.key("from").index(k),
                        "inv-unknown-host",
                        format!("`{s}` is neither a host of this inventory nor an address"),
                        format!("use a CIDR prefix or one of: {known}"),
                    );
                }
            }
            out.sort();
            out.dedup();
            out
        });
        if let Some(port) = port {
            allow.push(Allow {
                port,
                proto: a.proto.unwrap_or(Proto::Tcp),
                from,
                from_written: a.from.clone().unwrap_or_default(),
                comment: a.comment.clone(),
            });
        }
    }

    allow
}

/// True for text that is meant as an address or prefix rather than a name.
fn looks_like_address(s: &str) -> bool {
    s.contains(':')
        || s.split('/').next().is_some_and(|a| {
            a.split('.').count() == 4 && a.split('.').all(|p| p.chars().all(|c| c.is_ascii_digit()))
        })
}
