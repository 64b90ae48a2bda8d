//! A control's inventory section: `[defaults.<name>]` merged key by key
//! with `hosts[].<name>`, validated with located diagnostics, and kept on
//! the host as a typed value the control reads with
//! [`Host::settings`](crate::inventory::Host::settings).
//!
//! The inventory names no section: the loader is handed the registered
//! [`Section`]s, lifts their tables out of `[defaults]` and every host
//! before the fixed schema is checked (any other unknown key is still
//! refused, with the valid keys and section names listed), and calls
//! [`Section::load`] once per host. A new control adds its `section.rs`
//! and one line to the list; no inventory file changes.

use std::any::{Any, TypeId};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::net::IpAddr;
use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock};

use serde::de::DeserializeOwned;

use crate::inventory::source::{Diagnostic, Diags, KeyPath, Severity, Source};
use crate::inventory::validate::CodeInfo;

/// One control's table in the inventory.
pub trait Section: Send + Sync {
    /// Table name: `[defaults.<name>]` and `hosts[].<name>`.
    fn name(&self) -> &'static str;

    /// Merges the defaults table with the host's table key by key,
    /// validates, and returns the effective settings. Problems go through
    /// `cx` with their key path, so they carry file:line:col, a stable code
    /// and a fix. Called once per host; also once with `host = None` so the
    /// defaults are checked even when no host uses them.
    fn load(
        &self,
        cx: &mut SectionCx<'_>,
        defaults: Option<&toml::Value>,
        host: Option<&toml::Value>,
    ) -> Box<dyn Any + Send + Sync>;

    /// Diagnostic codes only this section emits (the shared `inv-…` codes
    /// are in [`crate::inventory::validate::CODES`]).
    fn codes(&self) -> &'static [CodeInfo] {
        &[]
    }

    /// Rules across hosts, run on the resolved inventory after every host
    /// loaded (beside the built-in `pol-` rules): a gatekeeper's backends
    /// exist, sit where the estate says, and so on. Problems go to `out`
    /// located with [`Diagnostic::at`] on the inventory's source.
    fn policy(&self, _inv: &crate::inventory::Inventory, _out: &mut Diags) {}

    /// The warnings of [`Section::policy`] that leave measures unchecked
    /// on the hosts they concern (the evidence report shows those measures
    /// as not checked there, whatever else was read).
    fn unchecked(&self) -> &'static [Unchecked] {
        &[]
    }
}

/// A warning that means harden does not evidence some measures on some
/// hosts (`pol-pass-undeclared`: the passwords control does not manage a
/// host, so neither the password length nor the rotation is checked
/// there). Typed, so the report never reads a warning's message.
#[derive(Clone, Copy)]
pub struct Unchecked {
    /// The warning's stable code.
    pub code: &'static str,
    /// Every measure it leaves unchecked.
    pub measures: &'static [&'static crate::tom::Tom],
    /// Whether the warning concerns `host` (the rule's own condition).
    pub concerns: fn(&crate::inventory::Host) -> bool,
}

impl fmt::Debug for Unchecked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.measures.iter().map(|t| t.id).collect();
        write!(f, "Unchecked({}: {})", self.code, ids.join(", "))
    }
}

/// Which of the two tables a value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// `[defaults.<name>]`.
    Defaults,
    /// `hosts[i].<name>`.
    Host,
}

/// The host's value when it sets one, else the defaults' value, with the
/// side it came from (so a problem is reported where it was written).
pub fn pick<R, T>(
    defaults: Option<&R>,
    host: Option<&R>,
    f: impl Fn(&R) -> Option<T>,
) -> Option<(T, Side)> {
    host.and_then(&f)
        .map(|v| (v, Side::Host))
        .or_else(|| defaults.and_then(&f).map(|v| (v, Side::Defaults)))
}

/// Every host of the inventory by name, with its index and addresses
/// (`address` first), as the loader's first pass found them: a section
/// may name other hosts (a gatekeeper's backends) and resolve them while
/// it loads.
pub type HostIndex = HashMap<String, (usize, Vec<IpAddr>)>;

/// What a section reports problems through while it loads one host.
pub struct SectionCx<'a> {
    src: &'a Source,
    diags: &'a mut Diags,
    defaults: KeyPath,
    host: Option<KeyPath>,
    /// Problems already reported in the defaults table (it is loaded once
    /// per host but each problem is shown once).
    seen: &'a mut HashSet<String>,
    /// The other hosts (`None`: not known, e.g. the defaults alone).
    hosts: Option<&'a HostIndex>,
}

impl<'a> SectionCx<'a> {
    /// A context for section `name` of host `index` (`None`: the defaults
    /// alone); `seen` is shared by all calls for the same section.
    pub fn new(
        src: &'a Source,
        diags: &'a mut Diags,
        name: &str,
        index: Option<usize>,
        seen: &'a mut HashSet<String>,
    ) -> Self {
        SectionCx {
            src,
            diags,
            defaults: KeyPath::root().key("defaults").key(name),
            host: index.map(|i| KeyPath::root().key("hosts").index(i).key(name)),
            seen,
            hosts: None,
        }
    }

    /// The same context, able to look up every host of the inventory.
    pub fn with_hosts(mut self, hosts: &'a HostIndex) -> Self {
        self.hosts = Some(hosts);
        self
    }

    /// Index and addresses (`address` first) of inventory host `name`;
    /// `None` when there is no such host or the hosts are not known.
    pub fn host(&self, name: &str) -> Option<(usize, &'a [IpAddr])> {
        let hosts: &'a HostIndex = self.hosts?;
        hosts.get(name).map(|(i, a)| (*i, a.as_slice()))
    }

    /// Every host name, in no order (for a "use one of" help: see
    /// [`crate::inventory::hosts::name_list`]).
    pub fn host_names(&self) -> Vec<&'a str> {
        self.hosts
            .map(|h| h.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// Records a policy error located at `at`: a `pol-…` code that names
    /// the TOM measure it protects (content that parses but would break
    /// a TOM promise, found while the section loads).
    pub fn policy_error(
        &mut self,
        at: &KeyPath,
        code: &'static str,
        tom: &'static crate::tom::Tom,
        msg: impl Into<String>,
        help: impl Into<String>,
    ) {
        let (msg, help) = (msg.into(), help.into());
        self.report(at, code, &msg, |src| {
            Diagnostic::at(src, at, code, msg.clone(), help).tom(tom.id)
        });
    }

    /// The directory of the inventory file being loaded.
    pub fn inventory_dir(&self) -> std::path::PathBuf {
        self.src
            .path
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default()
    }

    /// Key path of the table on `side` (`defaults.sshd`, `hosts[2].sshd`).
    pub fn path(&self, side: Side) -> &KeyPath {
        match (side, &self.host) {
            (Side::Host, Some(h)) => h,
            _ => &self.defaults,
        }
    }

    /// Key path of `key` in the table on `side`.
    pub fn key(&self, side: Side, key: &str) -> KeyPath {
        self.path(side).key(key)
    }

    /// Records an error located at `at`.
    pub fn error(
        &mut self,
        at: &KeyPath,
        code: &'static str,
        msg: impl Into<String>,
        help: impl Into<String>,
    ) {
        let (msg, help) = (msg.into(), help.into());
        self.report(at, code, &msg, |src| {
            Diagnostic::at(src, at, code, msg.clone(), help)
        });
    }

    fn report(
        &mut self,
        at: &KeyPath,
        code: &'static str,
        msg: &str,
        make: impl FnOnce(&Source) -> Diagnostic,
    ) {
        if at.0.starts_with(&self.defaults.0) && !self.seen.insert(format!("{code} {at} {msg}")) {
            return;
        }
        let src = self.src;
        self.diags.add(Severity::Error, || make(src));
    }

    /// Deserializes the table on `side` into `T` (use
    /// `#[serde(deny_unknown_fields)]`). A mistake is an `inv-schema` error
    /// at the offending key, worded as serde words it ("unknown field `x`,
    /// expected one of …"); `None` then, or when the table is absent.
    pub fn parse<T: DeserializeOwned>(&mut self, side: Side, v: Option<&toml::Value>) -> Option<T> {
        let v = v?;
        let e = match serde_path_to_error::deserialize::<_, T>(v.clone()) {
            Ok(t) => return Some(t),
            Err(e) => e,
        };
        let at = self.path(side).join(&KeyPath::parse(&e.path().to_string()));
        let msg = e.inner().message().trim().to_string();
        let unknown = msg.starts_with("unknown field");
        let key = msg.clone();
        self.report(&at, "inv-schema", &key, |src| {
            let span: Option<Range<usize>> = if unknown { src.key_span_of(&at) } else { None };
            let span = span.or_else(|| src.span_of(&at));
            let help = crate::inventory::load::schema_help(&msg);
            Diagnostic::at_span(src, at.to_string(), span, "inv-schema", msg, help)
        });
        None
    }

    /// Checks free text that ends up in a comment (a name, a reason):
    /// `inv-bad-text` when it has an unsafe character or exceeds `max`
    /// characters.
    pub fn text(&mut self, at: &KeyPath, v: &str, max: usize) {
        if let Some((msg, help)) = crate::inventory::fields::free_text_problem(v, max, "") {
            self.error(at, "inv-bad-text", msg, help);
        }
    }
}

/// The effective settings of every section of one host, by type.
#[derive(Clone, Default)]
pub struct SectionSettings(Vec<(&'static str, Arc<dyn Any + Send + Sync>)>);

impl SectionSettings {
    /// Stores section `name`'s settings (replacing earlier ones).
    pub fn insert(&mut self, name: &'static str, v: Box<dyn Any + Send + Sync>) {
        self.0.retain(|(n, _)| *n != name);
        self.0.push((name, Arc::from(v)));
    }

    /// The stored settings of type `T`, if a section produced them.
    pub fn get<T: Any>(&self) -> Option<&T> {
        self.0.iter().find_map(|(_, v)| v.downcast_ref::<T>())
    }

    /// Names of the stored sections, in load order.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().map(|(n, _)| *n)
    }
}

impl fmt::Debug for SectionSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

/// One shared `T::default()` per type, for a host whose sections did not
/// include `T` (a host built by hand in a test, a section not registered:
/// the loader refuses its table, so no written setting is ignored). At
/// most one value per settings type is ever allocated.
pub fn default_of<T: Any + Default + Send + Sync>() -> &'static T {
    type Shared = &'static (dyn Any + Send + Sync);
    static DEFAULTS: OnceLock<Mutex<HashMap<TypeId, Shared>>> = OnceLock::new();
    let mut map = DEFAULTS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let v: Shared = *map
        .entry(TypeId::of::<T>())
        .or_insert_with(|| Box::leak(Box::new(T::default())));
    match v.downcast_ref::<T>() {
        Some(t) => t,
        // Unreachable (the map is keyed by the type), but never a panic.
        None => Box::leak(Box::new(T::default())),
    }
}
