//! A lab of real hosts on one machine, for tests, the demo and benchmarks.
//!
//! Each host is a network namespace with its own mount namespace on an
//! overlay of `/`, its own nftables and a real sshd (see `host.rs`). A
//! controller namespace is where harden runs; a management namespace
//! (198.51.100.5) plays the admin's laptop and an outside namespace
//! (10.213.0.250) plays a stranger. All are wired to a bridge in a switch
//! namespace; nothing has a default route, so no packet can leave the
//! machine, and the machine's own namespace is never changed.
//!
//! Safety: every wait is bounded; teardown kills processes by pid (those
//! `ip netns pids` reports) and deletes the namespaces; a lab whose owner
//! process died (a killed test run) is swept by the next lab that starts.
//! The owner holds a lock on its lab for the lab's whole life and the sweep
//! only takes labs whose lock is free (see `owner.rs`).
//! Requires root, iproute2, util-linux, openssh-server and nftables.

pub mod fake_cloud;
pub mod fake_http;
pub mod host;
pub mod net;
pub mod owner;
pub mod pki;
pub mod proxy_v2;
pub mod state;
pub use state::kept;
pub mod tls;
pub mod tls_client;
pub mod tls_server;
#[cfg(test)]
mod tls_tests;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

pub use host::Host;

/// Lab failures (setup commands, missing tools).
#[derive(Debug)]
pub struct LabError(pub String);

impl std::fmt::Display for LabError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "lab: {}", self.0)
    }
}

impl std::error::Error for LabError {}

/// Where labs keep their files.
pub const ROOT: &str = "/tmp/hlab";
/// Controller address (harden connects from here).
pub const CONTROLLER: &str = "10.213.0.2";
/// Controller IPv6 address.
pub const CONTROLLER6: &str = "fd00:213::2";
/// Management client address (inside 198.51.100.0/28).
pub const MGMT: &str = "198.51.100.5";
/// A stranger's address.
pub const OUTSIDE: &str = "10.213.0.250";

/// The demo and test estate: a Telekom data host, a Telekom app host and a
/// Hetzner gatekeeper (`{defaults}` is replaced by [`Lab::defaults_toml`]).
pub const ESTATE: &str = r#"{defaults}
[[hosts]]
name = "otc-db-1"
address = "10.213.0.11"
extra_addresses = ["fd00:213::11"]
provider = "telekom"
environment = "production"
tenant = "clinic-a"
roles = ["data"]
disks = []
allow = [ { port = 5432, from = ["otc-app-1"], comment = "postgres from the app" } ]

[[hosts]]
name = "otc-app-1"
address = "10.213.0.12"
extra_addresses = ["fd00:213::12"]
provider = "telekom"
environment = "production"
tenant = "clinic-a"
roles = ["app"]
allow = [ { port = 8443, from = ["hz-gw-1"], comment = "TLS from the gatekeeper" } ]

[[hosts]]
name = "hz-gw-1"
address = "10.213.0.13"
extra_addresses = ["fd00:213::13"]
provider = "hetzner"
environment = "production"
tenant = "clinic-a"
roles = ["gatekeeper"]
allow = [ { port = 443, comment = "public TLS" } ]
"#;

/// Sends SIGKILL to a pid.
pub fn kill_pid(pid: u32) {
    if let Ok(p) = i32::try_from(pid) {
        // SAFETY: kill(2) with a pid from `ip netns pids` or our own child.
        unsafe {
            libc::kill(p, libc::SIGKILL);
        }
    }
}

/// Result of a TCP connection attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// The handshake completed.
    Connected,
    /// The host answered with a reset (nothing listens, not filtered).
    Refused,
    /// No answer (dropped by a firewall).
    Dropped,
}

/// A running lab.
pub struct Lab {
    /// Short unique id (prefix of every namespace).
    pub id: String,
    /// Directory with keys, known_hosts, inventories and overlays.
    pub dir: PathBuf,
    /// The hosts, in creation order.
    pub hosts: Vec<Host>,
    /// Keep everything on drop (demo mode).
    pub keep: bool,
    /// Helper processes started in host namespaces (listeners).
    helpers: std::sync::Mutex<Vec<std::process::Child>>,
    /// Holds the lab's lock until the lab is gone (dropped after `down`).
    _claim: owner::Claim,
}

impl Lab {
    /// Switch namespace name.
    pub fn switch_ns(&self) -> String {
        format!("{}-sw", self.id)
    }
    /// Controller namespace name.
    pub fn controller_ns(&self) -> String {
        format!("{}-c", self.id)
    }
    /// Management-client namespace name.
    pub fn mgmt_ns(&self) -> String {
        format!("{}-m", self.id)
    }
    /// Outside-client namespace name.
    pub fn outside_ns(&self) -> String {
        format!("{}-o", self.id)
    }

    /// The lab's SSH private key (root on every host accepts it at start).
    pub fn key(&self) -> PathBuf {
        self.dir.join("id_ed25519")
    }

    /// known_hosts with every host's key.
    pub fn known_hosts(&self) -> PathBuf {
        self.dir.join("known_hosts")
    }

    /// A host by name.
    pub fn host(&self, name: &str) -> &Host {
        self.hosts
            .iter()
            .find(|h| h.name == name)
            .unwrap_or_else(|| panic!("no lab host {name}"))
    }

    /// Starts a lab with the named hosts (addresses 10.213.0.11, .12, …).
    pub fn up(names: &[&str]) -> Result<Lab, LabError> {
        sweep();
        let claim = owner::Registry::system().claim()?;
        let mut lab = Lab {
            id: claim.id.clone(),
            dir: claim.dir.clone(),
            hosts: Vec::new(),
            keep: false,
            helpers: std::sync::Mutex::new(Vec::new()),
            _claim: claim,
        };
        lab.build(names)?;
        Ok(lab)
    }

    fn build(&mut self, names: &[&str]) -> Result<(), LabError> {
        let key = self.key();
        net::run(
            Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", "harden-lab", "-f"])
                .arg(&key),
        )?;
        let pubkey = std::fs::read_to_string(key.with_extension("pub"))
            .map_err(|e| LabError(e.to_string()))?;
        let sw = self.switch_ns();
        owner::record_ns(&self.dir, &sw)?;
        net::add_switch(&sw)?;
        let clients = [
            (
                self.controller_ns(),
                vec![format!("{CONTROLLER}/24"), format!("{CONTROLLER6}/64")],
            ),
            (self.mgmt_ns(), vec![format!("{MGMT}/24")]),
            (self.outside_ns(), vec![format!("{OUTSIDE}/24")]),
        ];
        for (i, (ns, addrs)) in clients.iter().enumerate() {
            owner::record_ns(&self.dir, ns)?;
            net::add_ns(ns)?;
            net::attach(&sw, i, ns, addrs)?;
        }
        net::onlink_route(&self.mgmt_ns(), "10.213.0.0/24")?;
        for (i, name) in names.iter().enumerate() {
            let ns = format!("{}-{i}", self.id);
            let addr = format!("10.213.0.{}", 11 + i);
            let addr6 = format!("fd00:213::{}", 11 + i);
            owner::record_ns(&self.dir, &ns)?;
            net::add_ns(&ns)?;
            net::attach(
                &sw,
                10 + i,
                &ns,
                &[format!("{addr}/24"), format!("{addr6}/64")],
            )?;
            net::onlink_route(&ns, "198.51.100.0/24")?;
            let h = host::start(
                name,
                &ns,
                &self.dir.join("hosts").join(name),
                pubkey.trim(),
                &addr,
                &addr6,
            )?;
            self.hosts.push(h);
        }
        for h in &mut self.hosts {
            host::wait_ready(h, Duration::from_secs(20))?;
        }
        let mut kh = String::new();
        for h in &self.hosts {
            kh.push_str(&format!(
                "{} {}\n{} {}\n",
                h.addr,
                h.host_key()?,
                h.addr6,
                h.host_key()?
            ));
        }
        std::fs::write(self.known_hosts(), kh).map_err(|e| LabError(e.to_string()))?;
        Ok(())
    }

    /// The `[defaults]` table for an inventory of this lab.
    pub fn defaults_toml(&self) -> String {
        format!(
            "[defaults]\nssh_user = \"root\"\nssh_port = 22\ncontroller_sources = [\"{CONTROLLER}\", \"{CONTROLLER6}\"]\nmanagement_sources = [\"198.51.100.0/28\"]\nknown_hosts = \"{}\"\nidentity = \"{}\"\nconnect_timeout = 5\n\n[defaults.disks]\nwaiver = \"lab hosts are network namespaces without block devices of their own\"\n",
            self.known_hosts().display(),
            self.key().display()
        )
    }

    /// Writes an inventory file into the lab directory and returns its path.
    pub fn write_inventory(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.join(name);
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("writing {}: {e}", p.display()));
        p
    }

    /// A command that runs inside namespace `ns`.
    pub fn cmd_in(&self, ns: &str, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", ns]).arg(program);
        c.stdin(Stdio::null());
        c
    }

    /// Connects from namespace `ns` to `addr:port` with the `harden-lab`
    /// tool at `tool`: Connected, Refused (RST) or Dropped (timeout).
    pub fn tcp_probe(
        &self,
        tool: &Path,
        ns: &str,
        addr: &str,
        port: u16,
        limit: Duration,
    ) -> Reach {
        let out = self
            .cmd_in(ns, tool)
            .args([
                "connect",
                addr,
                &port.to_string(),
                "--timeout-ms",
                &limit.as_millis().to_string(),
            ])
            .output();
        match out.map(|o| o.status.code()) {
            Ok(Some(0)) => Reach::Connected,
            Ok(Some(1)) => Reach::Refused,
            _ => Reach::Dropped,
        }
    }

    /// Starts a TCP listener inside a host with the `harden-lab` tool (it
    /// lives until the lab goes down).
    pub fn listen(&self, tool: &Path, host: &str, port: u16) -> Result<(), LabError> {
        let h = self.host(host);
        // Only the host's network namespace matters for a listener; the
        // tool runs from the machine's file system (the host's /tmp is its
        // own, and the tool may live under /tmp).
        let child = self
            .cmd_in(&h.ns, tool)
            .args(["listen", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| LabError(format!("{host}: starting a listener: {e}")))?;
        if let Ok(mut v) = self.helpers.lock() {
            v.push(child);
        }
        for _ in 0..250 {
            if h.sh_ok(&format!("ss -Hltn 'sport = :{port}'"))
                .is_ok_and(|o| !o.trim().is_empty())
            {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(LabError(format!(
            "{host}: listener on {port} did not come up"
        )))
    }

    /// Tears the lab down (also done on drop unless `keep`).
    pub fn down(&mut self) {
        if let Ok(mut v) = self.helpers.lock() {
            for mut c in v.drain(..) {
                kill_pid(c.id());
                let _ = c.wait();
            }
        }
        for h in &mut self.hosts {
            net::destroy_ns(&h.ns);
            if let Some(mut c) = h.anchor.take() {
                kill_pid(c.id());
                let _ = c.wait();
            }
        }
        for ns in [
            self.controller_ns(),
            self.mgmt_ns(),
            self.outside_ns(),
            self.switch_ns(),
        ] {
            net::destroy_ns(&ns);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if !self.keep {
            self.down();
        }
    }
}

/// Removes labs whose owner process is gone (a test run that was killed).
pub fn sweep() -> usize {
    owner::Registry::system().sweep(&owner::system_netns())
}

/// Removes the lab `id` (`harden-lab down`): its processes (by pid),
/// namespaces and files; refused while the lab's owner still runs.
pub fn sweep_id(id: &str) -> Result<(), LabError> {
    owner::Registry::system().remove(id, &owner::system_netns())
}
