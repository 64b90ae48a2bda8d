//! Test-only fixture: the small inventories unit tests load, built from one
//! base so that each test states only what it depends on.
//!
//! The base is a `[defaults]` table with `controller_sources =
//! ["10.213.0.2"]` and `known_hosts = "known_hosts"`; every host is a
//! `production` host at `telekom` unless the test says otherwise. A test
//! names its hosts (name, address, role) and adds the lines that matter to
//! it (sources, `allow`, extra addresses, users):
//!
//! ```ignore
//! let inv = testkit::inventory()
//!     .management_sources(&["198.51.100.0/28"])
//!     .host("db", "10.213.0.11", "data")
//!     .with(r#"allow = [ { port = 5432, from = ["app"] } ]"#)
//!     .load();
//! ```

use crate::inventory::{load_str, Inventory};
use std::path::Path;

/// The controller's address in the base inventory.
pub const CONTROLLER: &str = "10.213.0.2";

/// An inventory under construction; [`inventory`] starts one.
#[derive(Debug, Clone)]
pub struct Inv {
    controller_sources: Vec<String>,
    management_sources: Vec<String>,
    defaults: Vec<String>,
    tables: Vec<String>,
    hosts: Vec<HostEntry>,
}

#[derive(Debug, Clone)]
struct HostEntry {
    name: String,
    address: String,
    role: String,
    provider: String,
    environment: String,
    lines: Vec<String>,
}

/// The base inventory: controller [`CONTROLLER`], no hosts yet.
pub fn inventory() -> Inv {
    Inv {
        controller_sources: vec![CONTROLLER.to_string()],
        management_sources: Vec::new(),
        defaults: Vec::new(),
        tables: Vec::new(),
        hosts: Vec::new(),
    }
}

/// Loads `text` as the inventory file `t.toml` with every section known.
pub fn load(text: &str) -> Inventory {
    load_at(Path::new("t.toml"), text)
}

/// Loads `text` as the inventory file at `path` (relative paths in it
/// resolve against its folder).
pub fn load_at(path: &Path, text: &str) -> Inventory {
    match load_str(path, text.into(), crate::controls::sections::sections()) {
        Ok(inv) => inv,
        Err(e) => panic!("test inventory does not load: {e}\n{text}"),
    }
}

fn list(v: &[String]) -> String {
    let quoted: Vec<String> = v.iter().map(|s| format!("{s:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

fn owned(v: &[&str]) -> Vec<String> {
    v.iter().map(ToString::to_string).collect()
}

impl Inv {
    /// Replaces the base's `controller_sources`.
    pub fn controller_sources(mut self, sources: &[&str]) -> Self {
        self.controller_sources = owned(sources);
        self
    }

    /// Sets `management_sources` in `[defaults]` (none in the base).
    pub fn management_sources(mut self, sources: &[&str]) -> Self {
        self.management_sources = owned(sources);
        self
    }

    /// Adds one `key = value` line to `[defaults]`.
    pub fn default_line(mut self, line: &str) -> Self {
        self.defaults.push(line.to_string());
        self
    }

    /// Adds whole tables (e.g. `[[users]]`) before the hosts.
    pub fn tables(mut self, toml: &str) -> Self {
        self.tables.push(toml.trim().to_string());
        self
    }

    /// Adds a `production` host at `telekom` with one role.
    pub fn host(mut self, name: &str, address: &str, role: &str) -> Self {
        self.hosts.push(HostEntry {
            name: name.into(),
            address: address.into(),
            role: role.into(),
            provider: "telekom".into(),
            environment: "production".into(),
            lines: Vec::new(),
        });
        self
    }

    /// Adds one `key = value` line to the host added last.
    ///
    /// # Panics
    /// When no host was added yet (a mistake in the test).
    pub fn with(mut self, line: &str) -> Self {
        let h = self.hosts.last_mut().expect("with() follows host()");
        h.lines.push(line.to_string());
        self
    }

    /// Puts the host added last at another provider.
    ///
    /// # Panics
    /// When no host was added yet (a mistake in the test).
    pub fn provider(mut self, provider: &str) -> Self {
        let h = self.hosts.last_mut().expect("provider() follows host()");
        h.provider = provider.to_string();
        self
    }

    /// Puts the host added last in another environment (e.g. `test`).
    ///
    /// # Panics
    /// When no host was added yet (a mistake in the test).
    pub fn environment(mut self, environment: &str) -> Self {
        let h = self.hosts.last_mut().expect("environment() follows host()");
        h.environment = environment.to_string();
        self
    }

    /// The inventory's TOML text.
    pub fn text(&self) -> String {
        let mut t = String::from("[defaults]\n");
        t += &format!("controller_sources = {}\n", list(&self.controller_sources));
        if !self.management_sources.is_empty() {
            t += &format!("management_sources = {}\n", list(&self.management_sources));
        }
        t += "known_hosts = \"known_hosts\"\n";
        for line in &self.defaults {
            t += &format!("{line}\n");
        }
        for table in &self.tables {
            t += &format!("\n{table}\n");
        }
        for h in &self.hosts {
            t += &format!(
                "\n[[hosts]]\nname = {:?}\naddress = {:?}\nprovider = {:?}\n\
                 environment = {:?}\nroles = [{:?}]\n",
                h.name, h.address, h.provider, h.environment, h.role
            );
            for line in &h.lines {
                t += &format!("{line}\n");
            }
            // A data host declares its data disks (pol-data-disks-undeclared).
            if h.role == "data" && !h.lines.iter().any(|l| l.starts_with("disks")) {
                t += "disks = []\n";
            }
        }
        t
    }

    /// Loads the inventory as `t.toml`; see [`load`].
    pub fn load(&self) -> Inventory {
        load(&self.text())
    }

    /// Loads the inventory as the file at `path`; see [`load_at`].
    pub fn load_at(&self, path: &Path) -> Inventory {
        load_at(path, &self.text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builder_writes_what_the_tests_ask_for() {
        let inv = inventory()
            .controller_sources(&[CONTROLLER, "fd00:213::2"])
            .management_sources(&["198.51.100.0/28"])
            .host("db", "10.213.0.11", "data")
            .host("gw", "10.213.0.13", "gatekeeper")
            .provider("hetzner")
            .environment("test")
            .with(r#"allow = [ { port = 443 } ]"#)
            .load();
        assert_eq!(inv.hosts.len(), 2);
        let gw = inv.host("gw").expect("gw");
        assert_eq!(gw.address.to_string(), "10.213.0.13");
        assert_eq!(gw.provider, crate::inventory::Provider::Hetzner);
        assert_eq!(gw.environment, crate::inventory::Environment::Test);
        assert_eq!(gw.allow.len(), 1);
        assert_eq!(gw.management_sources.len(), 1);
        assert!(inv.host("db").expect("db").allow.is_empty());
    }
}
