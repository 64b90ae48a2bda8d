//! `maintenance open --port`: a window opens the management port only.
//!
//! A window lets `management_sources` reach sshd for a while. Any other
//! port (a database's 5432, an application's 8443) belongs in the host's
//! `allow` rules, where `plan`, `drift` and review see it; a window that
//! opened it would hand a data port to every management source behind the
//! inventory's back. So `--port`, when given, must be the `ssh_port` of
//! every selected host; it is checked for all of them before anything is
//! opened anywhere. Port 0 is refused by clap already (range 1-65535).

use std::fmt;

use crate::inventory::Inventory;

/// A `--port` that is not some selected host's management port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotManagement {
    /// The port asked for.
    pub port: u16,
    /// The first selected host whose `ssh_port` differs, and that port.
    pub host: (String, u16),
    /// How many more selected hosts differ.
    pub more: usize,
}

impl fmt::Display for NotManagement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, ssh) = &self.host;
        write!(
            f,
            "--port {} is not the management port of {name} (its ssh_port is {ssh})",
            self.port
        )?;
        if self.more > 0 {
            write!(f, " nor of {} more selected host(s)", self.more)?;
        }
        write!(
            f,
            ": a maintenance window opens only the management port; drop --port, or put port {} in the host's `allow` rules",
            self.port
        )
    }
}

impl std::error::Error for NotManagement {}

/// Ok when `port` is None or the management port of every host in `hosts`.
pub fn check(inv: &Inventory, hosts: &[usize], port: Option<u16>) -> Result<(), NotManagement> {
    let Some(port) = port else {
        return Ok(());
    };
    let mut off = hosts
        .iter()
        .map(|&i| &inv.hosts[i])
        .filter(|h| h.conn.port != port);
    match off.next() {
        None => Ok(()),
        Some(h) => Err(NotManagement {
            port,
            host: (h.name.clone(), h.conn.port),
            more: off.count(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::load_str;
    use std::path::Path;

    fn inv() -> Inventory {
        let text = "[defaults]\ncontroller_sources = [\"10.213.0.2\"]\nmanagement_sources = [\"198.51.100.0/28\"]\nknown_hosts = \"known_hosts\"\n
[[hosts]]\nname = \"db\"\naddress = \"10.0.0.1\"\nprovider = \"telekom\"\nenvironment = \"production\"\nroles = [\"data\"]\ndisks = []\nallow = [ { port = 5432, from = [\"10.0.2.0/24\"] } ]\n
[[hosts]]\nname = \"app\"\naddress = \"10.0.0.2\"\nprovider = \"telekom\"\nenvironment = \"production\"\nroles = [\"app\"]\nssh_port = 2222\n
[[hosts]]\nname = \"gw\"\naddress = \"10.0.0.3\"\nprovider = \"telekom\"\nenvironment = \"production\"\nroles = [\"app\"]\n";
        load_str(
            Path::new("/x/inv.toml"),
            text.into(),
            crate::controls::sections::sections(),
        )
        .expect("inventory loads")
    }

    #[test]
    fn management_port_or_none_passes() {
        let inv = inv();
        assert_eq!(check(&inv, &[0, 1, 2], None), Ok(()));
        assert_eq!(check(&inv, &[0, 2], Some(22)), Ok(()));
        assert_eq!(check(&inv, &[1], Some(2222)), Ok(()));
    }

    #[test]
    fn other_ports_are_refused_naming_host_and_fix() {
        let inv = inv();
        let e = check(&inv, &[0], Some(5432)).expect_err("database port");
        assert_eq!(e.host, ("db".to_string(), 22));
        let text = e.to_string();
        assert!(
            text.starts_with("--port 5432 is not the management port of db (its ssh_port is 22)"),
            "{text}"
        );
        assert!(text.contains("`allow`"), "{text}");
        let e = check(&inv, &[0, 1, 2], Some(22)).expect_err("app is on 2222");
        assert_eq!((e.host.0.as_str(), e.more), ("app", 0));
        let e = check(&inv, &[0, 1, 2], Some(2222)).expect_err("db and gw are on 22");
        assert_eq!((e.host.0.as_str(), e.more), ("db", 1));
        assert!(e.to_string().contains("nor of 1 more selected host(s)"));
    }
}
