//! Reading an inventory: TOML syntax, schema, defaults and name resolution.
//!
//! Loading runs in three passes and reports every problem of a pass before
//! stopping: syntax (the TOML parser), schema (serde, strict about unknown
//! keys, stops at the first error because serde does), then resolution of
//! each host (addresses, prefixes, ports, `from` names, defaults), which
//! collects all problems. Policy rules run last, in `validate.rs`.

use std::path::{Path, PathBuf};

use super::hosts::resolve;
use super::model::*;
use super::schema::*;
use super::source::{Diagnostic, KeyPath, Severity, Source};
use super::validate;

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
    Invalid(Vec<Diagnostic>),
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
                let errors = d.iter().filter(|d| d.severity == Severity::Error).count();
                for diag in d {
                    writeln!(f, "{diag}")?;
                }
                write!(f, "inventory has {errors} error(s)")
            }
        }
    }
}

impl std::error::Error for LoadError {}

/// Loads and validates the inventory at `path`.
pub fn load(path: &Path) -> Result<Inventory, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|err| LoadError::Io {
        path: path.to_path_buf(),
        err,
    })?;
    load_str(path, text)
}

/// Loads an inventory from text; `path` is used for messages and as the
/// base of relative paths.
pub fn load_str(path: &Path, text: String) -> Result<Inventory, LoadError> {
    let src = Source::new(path, text);
    let raw = parse(&src)?;
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
    let mut diags = Vec::new();
    let hosts = resolve(&src, &dir, &raw, &mut diags);
    let users = super::people::users(&src, &raw.users, &mut diags);
    let access = super::people::access(&src, raw.access.as_ref(), &mut diags);
    let ca = super::settings::ca(&src, &dir, raw.ca.as_ref(), &mut diags);
    let maintenance = super::settings::maintenance(&src, raw.maintenance.as_ref(), &mut diags);
    let report = super::settings::report(&src, raw.report.as_ref(), &mut diags);
    let audit = super::settings::audit(&dir, raw.audit.as_ref());
    if diags.iter().any(|d| d.severity == Severity::Error) {
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
    };
    diags.extend(validate::policy(&inv));
    if diags.iter().any(|d| d.severity == Severity::Error) {
        return Err(LoadError::Invalid(diags));
    }
    inv.warnings = diags;
    Ok(inv)
}

fn parse(src: &Source) -> Result<RawInventory, LoadError> {
    let (_, errors) = toml::de::DeTable::parse_recoverable(&src.text);
    if !errors.is_empty() {
        let diags = errors
            .iter()
            .map(|e| {
                Diagnostic::at_span(
                    src,
                    "(syntax)".into(),
                    e.span(),
                    "inv-syntax",
                    e.message().trim().to_string(),
                    "fix the TOML syntax at the marked position",
                )
            })
            .collect();
        return Err(LoadError::Invalid(diags));
    }
    let de = toml::de::Deserializer::parse(&src.text).map_err(|e| {
        LoadError::Invalid(vec![Diagnostic::at_span(
            src,
            "(syntax)".into(),
            e.span(),
            "inv-syntax",
            e.message().trim().to_string(),
            "fix the TOML syntax at the marked position",
        )])
    })?;
    serde_path_to_error::deserialize::<_, RawInventory>(de).map_err(|e| {
        let key = KeyPath::parse(&e.path().to_string());
        let inner = e.inner();
        let msg = inner.message().trim().to_string();
        let span = inner.span().or_else(|| src.span_of(&key));
        let help = schema_help(&msg);
        LoadError::Invalid(vec![Diagnostic::at_span(
            src,
            key.to_string(),
            span,
            "inv-schema",
            msg,
            help,
        )])
    })
}

fn schema_help(msg: &str) -> String {
    if msg.starts_with("unknown field") {
        "remove the key or correct its spelling; the valid keys are listed above (docs/inventory.md)".into()
    } else if msg.starts_with("unknown variant") {
        "use one of the values listed above".into()
    } else if msg.starts_with("missing field") {
        "add the key (docs/inventory.md lists every key)".into()
    } else {
        "see docs/inventory.md for the type this key takes".into()
    }
}
