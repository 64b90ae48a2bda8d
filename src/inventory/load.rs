//! Reading an inventory: TOML syntax, schema, defaults and name resolution.
//!
//! Loading runs in passes and reports every problem of a pass before
//! stopping: size, encoding and syntax (`syntax.rs`), control characters in
//! any string (`text.rs`), schema (serde, strict about unknown keys, stops at
//! the first error because serde does), then field rules (`fields.rs`) and
//! resolution of each host (addresses, prefixes, ports, `from` names,
//! defaults), which collect all problems. Policy rules run last, in
//! `validate.rs`. At most 50 diagnostics of each severity are kept.

use std::path::{Path, PathBuf};

use super::hosts::resolve;
use super::model::*;
use super::schema::*;
use super::source::{Diagnostic, Diags, KeyPath, Severity, Source};
use super::{sections, syntax, validate};
use crate::contract::section::Section;

/// Why an inventory could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    /// The file could not be read.
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        err: std::io::Error,
    },
    /// The file has errors (warnings may be included).
    Invalid(Diags),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Io { path, err } => write!(
                f,
                "cannot read inventory {}: {err} (pass --inventory FILE or set HARDEN_INVENTORY)",
                path.display()
            ),
            LoadError::Invalid(d) => {
                write!(f, "{d}")?;
                write!(f, "inventory has {} error(s)", d.count(Severity::Error))
            }
        }
    }
}

impl std::error::Error for LoadError {}

/// Loads and validates the inventory at `path` (at most 10 MiB), with the
/// control sections in `sections`.
pub fn load(path: &Path, sections: &[&dyn Section]) -> Result<Inventory, LoadError> {
    let bytes = syntax::read(path).map_err(|err| LoadError::Io {
        path: path.to_path_buf(),
        err,
    })?;
    load_bytes(path, bytes, sections)
}

/// Loads an inventory from raw bytes (checked for size and UTF-8).
pub fn load_bytes(
    path: &Path,
    bytes: Vec<u8>,
    sections: &[&dyn Section],
) -> Result<Inventory, LoadError> {
    match syntax::decode(path, bytes) {
        Ok(src) => load_source(src, sections),
        Err(d) => {
            let mut diags = Diags::new();
            diags.push(*d);
            Err(LoadError::Invalid(diags))
        }
    }
}

/// Loads an inventory from text; `path` is used for messages and as the
/// base of relative paths.
pub fn load_str(
    path: &Path,
    text: String,
    sections: &[&dyn Section],
) -> Result<Inventory, LoadError> {
    load_bytes(path, text.into_bytes(), sections)
}

fn load_source(src: Source, sections: &[&dyn Section]) -> Result<Inventory, LoadError> {
    let path = src.path.clone();
    let mut diags = Diags::new();
    let Some(raw) = parse(&src, sections, &mut diags) else {
        return Err(LoadError::Invalid(diags));
    };
    let dir = path
        .parent()
        .map(|p| {
            if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            }
        })
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    super::fields::check(&src, &dir, &raw, &mut diags);
    let hosts = resolve(&src, &dir, &raw, sections, &mut diags);
    let users = super::people::users(&src, &raw.users, &mut diags);
    let access = super::people::access(&src, raw.access.as_ref(), &mut diags);
    let ca = super::settings::ca(&src, &dir, raw.ca.as_ref(), &mut diags);
    let maintenance = super::settings::maintenance(&src, raw.maintenance.as_ref(), &mut diags);
    let report = super::settings::report(&src, raw.report.as_ref(), &mut diags);
    let audit = super::settings::audit(&dir, raw.audit.as_ref());
    if diags.has_errors() {
        return Err(LoadError::Invalid(diags));
    }
    let mut inv = Inventory {
        source: src,
        dir,
        hosts,
        users,
        access,
        ca,
        maintenance,
        report,
        audit,
        warnings: Vec::new(),
        warnings_omitted: 0,
    };
    validate::policy(&inv, &mut diags);
    for s in sections {
        s.policy(&inv, &mut diags);
    }
    if diags.has_errors() {
        return Err(LoadError::Invalid(diags));
    }
    inv.warnings_omitted = diags.omitted();
    inv.warnings = diags.kept().to_vec();
    Ok(inv)
}

/// Syntax, control characters, then the schema (the sections' tables
/// lifted out first). Each stage reports all it finds (serde: the first
/// error) and stops loading when it found any.
fn parse(src: &Source, sections: &[&dyn Section], diags: &mut Diags) -> Option<RawInventory> {
    let mut doc = syntax::parse(src, diags)?;
    super::text::check(src, &doc, diags);
    if diags.has_errors() {
        return None;
    }
    let lifted = sections::lift(src, doc.get_mut(), sections, diags);
    if diags.has_errors() {
        return None;
    }
    let de = toml::de::Deserializer::from(doc);
    match serde_path_to_error::deserialize::<_, RawInventory>(de) {
        Ok(mut raw) => {
            raw.defaults.sections = lifted.defaults;
            for (h, t) in raw.hosts.iter_mut().zip(lifted.hosts) {
                h.sections = t;
            }
            Some(raw)
        }
        Err(e) => {
            let key = KeyPath::parse(&e.path().to_string());
            let inner = e.inner();
            let mut msg = inner.message().trim().to_string();
            sections::name_sections(&key, &mut msg, sections);
            let span = inner.span().or_else(|| src.span_of(&key));
            let help = schema_help(&msg);
            diags.push(Diagnostic::at_span(
                src,
                key.to_string(),
                span,
                "inv-schema",
                msg,
                help,
            ));
            None
        }
    }
}

/// How to fix a schema error, from serde's message.
pub fn schema_help(msg: &str) -> String {
    if let Some(hint) = super::suggest::did_you_mean(msg) {
        let what = if msg.starts_with("unknown field") {
            "keys"
        } else {
            "values"
        };
        format!("{hint} (the valid {what} are listed above; docs/inventory.md)")
    } else if msg.starts_with("unknown field") {
        "remove the key or correct its spelling; the valid keys are listed above (docs/inventory.md)".into()
    } else if msg.starts_with("unknown variant") {
        "use one of the values listed above".into()
    } else if msg.starts_with("missing field") {
        "add the key (docs/inventory.md lists every key)".into()
    } else {
        "see docs/inventory.md for the type this key takes".into()
    }
}
