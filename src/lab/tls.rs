//! TLS on lab hosts: start a backend's TLS server ([`tls_server`] through
//! `harden-lab tls-serve`) in a host's network namespace, stop one by its
//! pid, run the TLS client ([`tls_client`] through `harden-lab tls-probe`)
//! from any namespace, and put files (certificates) into a host.
//!
//! Servers are tracked with the lab's other helpers and killed by pid when
//! the lab goes down. Waits are bounded and poll a condition (the port
//! listens), never a fixed sleep.
//!
//! [`tls_server`]: super::tls_server
//! [`tls_client`]: super::tls_client

use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::tls_client::Tally;
use super::{kill_pid, Lab, LabError};

/// A TLS server started in a lab host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Server {
    /// The host it runs in.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// Its pid (stop it with [`Lab::stop_helper`]).
    pub pid: u32,
}

/// What a backend's TLS server serves.
#[derive(Clone, Copy, Debug)]
pub struct Serve<'a> {
    /// The lab host it runs in.
    pub host: &'a str,
    /// Its TCP port.
    pub port: u16,
    /// Certificate chain (PEM).
    pub cert: &'a Path,
    /// Private key (PEM).
    pub key: &'a Path,
    /// What the body names (`backend=<name>`).
    pub name: &'a str,
    /// Extra response headers (`Name: value`).
    pub headers: &'a [&'a str],
    /// Require a PROXY v2 header and report its client address.
    pub accept_proxy: bool,
}

/// Where the TLS client connects.
#[derive(Clone, Copy, Debug)]
pub struct Dest<'a> {
    /// Address.
    pub addr: &'a str,
    /// Port.
    pub port: u16,
    /// TLS server name (and `Host`).
    pub sni: &'a str,
}

impl Lab {
    /// Starts `harden-lab tls-serve` (tool at `tool`) as `s` says; returns
    /// once the port listens.
    pub fn tls_server(&self, tool: &Path, s: &Serve<'_>) -> Result<Server, LabError> {
        let Serve {
            host,
            port,
            cert,
            key,
            name,
            headers,
            accept_proxy,
        } = *s;
        let h = self.host(host);
        let mut cmd = self.cmd_in(&h.ns, tool);
        cmd.args(["tls-serve", "--port", &port.to_string(), "--name", name])
            .arg("--cert")
            .arg(cert)
            .arg("--key")
            .arg(key);
        for hd in headers {
            cmd.args(["--header", hd]);
        }
        if accept_proxy {
            cmd.arg("--accept-proxy");
        }
        let log = std::fs::File::create(self.dir.join(format!("tls-{host}-{port}.log")))
            .map_err(|e| LabError(format!("tls log: {e}")))?;
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .map_err(|e| LabError(format!("{host}: starting a TLS server: {e}")))?;
        let pid = child.id();
        if let Ok(mut v) = self.helpers.lock() {
            v.push(child);
        }
        self.wait_listening(host, port, Duration::from_secs(10))?;
        Ok(Server {
            host: host.to_string(),
            port,
            pid,
        })
    }

    /// Waits (bounded) until something listens on TCP `port` in `host`.
    pub fn wait_listening(&self, host: &str, port: u16, limit: Duration) -> Result<(), LabError> {
        let h = self.host(host);
        let start = Instant::now();
        while start.elapsed() < limit {
            if h.sh_ok(&format!("ss -Hltn 'sport = :{port}'"))
                .is_ok_and(|o| !o.trim().is_empty())
            {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(LabError(format!(
            "{host}: nothing listens on {port} after {limit:?}"
        )))
    }

    /// Kills a helper this lab started (by its pid) and reaps it; false
    /// when no helper has that pid.
    pub fn stop_helper(&self, pid: u32) -> bool {
        let Ok(mut v) = self.helpers.lock() else {
            return false;
        };
        let Some(i) = v.iter().position(|c| c.id() == pid) else {
            return false;
        };
        let mut c = v.remove(i);
        kill_pid(pid);
        let _ = c.wait();
        true
    }

    /// Runs `harden-lab tls-probe` from namespace `ns`: `count` TLS
    /// connections to `to`, returning the count (`extra`: more tool
    /// arguments).
    pub fn tls_probe(
        &self,
        tool: &Path,
        ns: &str,
        to: &Dest<'_>,
        count: u32,
        extra: &[&str],
    ) -> Result<Tally, LabError> {
        let out = self
            .cmd_in(ns, tool)
            .args(["tls-probe", to.addr, &to.port.to_string(), "--sni", to.sni])
            .args(["--count", &count.to_string()])
            .args(extra)
            .output()
            .map_err(|e| LabError(format!("tls-probe: {e}")))?;
        serde_json::from_slice(&out.stdout).map_err(|e| {
            LabError(format!(
                "tls-probe printed no tally ({e}): {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        })
    }
}

impl super::Host {
    /// Writes `bytes` to `path` inside the host (parents created, mode
    /// `mode` in octal, e.g. `"0644"`).
    pub fn put(&self, path: &str, bytes: &[u8], mode: &str) -> Result<(), LabError> {
        if !path.starts_with('/') || !mode.bytes().all(|b| b.is_ascii_digit()) {
            return Err(LabError(format!("{}: bad path or mode", self.name)));
        }
        let merged = self.dir.join("merged");
        let mut child = std::process::Command::new("nsenter")
            .args(["-t", &self.anchor_pid.to_string(), "-m", "-n", "-u", "--"])
            .arg("chroot")
            .arg(&merged)
            .args([
                "/bin/sh",
                "-c",
                r#"mkdir -p "$(dirname "$1")" && cat > "$1" && chmod "$2" "$1""#,
                "sh",
                path,
                mode,
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| LabError(format!("{}: nsenter: {e}", self.name)))?;
        if let Some(mut i) = child.stdin.take() {
            i.write_all(bytes)
                .map_err(|e| LabError(format!("{}: writing {path}: {e}", self.name)))?;
        }
        let out = child
            .wait_with_output()
            .map_err(|e| LabError(format!("{}: {e}", self.name)))?;
        if !out.status.success() {
            return Err(LabError(format!(
                "{}: writing {path}: {}",
                self.name,
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(())
    }
}
