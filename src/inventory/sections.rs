//! The registered sections' way through the loader, without naming any:
//! their tables are lifted out of `[defaults]` and every host before the
//! fixed schema is checked, and loaded per host into the host's typed
//! settings store.

use std::collections::HashSet;

use serde::Deserialize;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::source::{Diagnostic, Diags, KeyPath, Seg, Source};
use crate::contract::section::{HostIndex, Section, SectionCx, SectionSettings};

/// The section tables taken out of the document.
#[derive(Debug, Default)]
pub(super) struct Lifted {
    /// From `[defaults]`.
    pub defaults: toml::Table,
    /// From each `hosts[i]`, by index.
    pub hosts: Vec<toml::Table>,
}

/// Removes every table named like a registered section from `[defaults]`
/// and each host of `doc`, converted to plain TOML values.
pub(super) fn lift(
    src: &Source,
    doc: &mut DeTable<'_>,
    sections: &[&dyn Section],
    diags: &mut Diags,
) -> Lifted {
    let mut out = Lifted::default();
    if let Some(d) = doc.get_mut("defaults") {
        if let DeValue::Table(t) = d.get_mut() {
            let at = KeyPath::root().key("defaults");
            out.defaults = take(src, t, &at, sections, diags);
        }
    }
    if let Some(h) = doc.get_mut("hosts") {
        if let DeValue::Array(a) = h.get_mut() {
            for (i, host) in a.iter_mut().enumerate() {
                let at = KeyPath::root().key("hosts").index(i);
                out.hosts.push(match host.get_mut() {
                    DeValue::Table(t) => take(src, t, &at, sections, diags),
                    _ => toml::Table::new(),
                });
            }
        }
    }
    out
}

fn take(
    src: &Source,
    t: &mut DeTable<'_>,
    at: &KeyPath,
    sections: &[&dyn Section],
    diags: &mut Diags,
) -> toml::Table {
    let mut out = toml::Table::new();
    for s in sections {
        let Some(v) = t.remove(s.name()) else {
            continue;
        };
        if let Some(v) = value(src, v, &at.key(s.name()), diags) {
            out.insert(s.name().to_string(), v);
        }
    }
    out
}

/// A document value as a `toml::Value` (an integer too large for i64 is
/// an `inv-schema` error at its place).
fn value(
    src: &Source,
    v: Spanned<DeValue<'_>>,
    at: &KeyPath,
    diags: &mut Diags,
) -> Option<toml::Value> {
    match toml::Value::deserialize(toml::de::ValueDeserializer::from(v)) {
        Ok(v) => Some(v),
        Err(e) => {
            let msg = e.message().trim().to_string();
            let help = super::load::schema_help(&msg);
            let span = e.span().or_else(|| src.span_of(at));
            diags.push(Diagnostic::at_span(
                src,
                at.to_string(),
                span,
                "inv-schema",
                msg,
                help,
            ));
            None
        }
    }
}

/// serde lists the fixed keys of `[defaults]` and `hosts[]` when it finds
/// an unknown one; the section names are valid there too.
pub(super) fn name_sections(key: &KeyPath, msg: &mut String, sections: &[&dyn Section]) {
    let in_table = matches!(
        key.0.as_slice(),
        [Seg::Key(d), Seg::Key(_)] if d == "defaults"
    ) || matches!(
        key.0.as_slice(),
        [Seg::Key(h), Seg::Index(_), Seg::Key(_)] if h == "hosts"
    );
    if in_table && msg.starts_with("unknown field") && msg.contains(", expected one of ") {
        for s in sections {
            msg.push_str(&format!(", `{}`", s.name()));
        }
    }
}

/// Problems already shown in the defaults table, one set per section.
pub(super) struct Seen(Vec<HashSet<String>>);

/// Checks each section's defaults table on its own (shown once, even when
/// no host uses it).
pub(super) fn check_defaults(
    src: &Source,
    sections: &[&dyn Section],
    defaults: &toml::Table,
    diags: &mut Diags,
) -> Seen {
    let mut seen = Seen(sections.iter().map(|_| HashSet::new()).collect());
    for (s, seen) in sections.iter().zip(seen.0.iter_mut()) {
        if let Some(d) = defaults.get(s.name()) {
            let mut cx = SectionCx::new(src, diags, s.name(), None, seen);
            drop(s.load(&mut cx, Some(d), None));
        }
    }
    seen
}

/// Loads every section for host `index`; `names` is every host of the
/// inventory, so a section can resolve the hosts it names.
#[allow(clippy::too_many_arguments)]
pub(super) fn load_host(
    src: &Source,
    sections: &[&dyn Section],
    seen: &mut Seen,
    defaults: &toml::Table,
    host: &toml::Table,
    index: usize,
    names: &HostIndex,
    diags: &mut Diags,
) -> SectionSettings {
    let mut out = SectionSettings::default();
    for (s, seen) in sections.iter().zip(seen.0.iter_mut()) {
        let mut cx = SectionCx::new(src, diags, s.name(), Some(index), seen).with_hosts(names);
        let v = s.load(&mut cx, defaults.get(s.name()), host.get(s.name()));
        out.insert(s.name(), v);
    }
    out
}
