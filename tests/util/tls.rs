//! TLS helpers for the gatekeeper lab tests: the lab's private CA, backend
//! TLS servers (`harden-lab tls-serve`) started and stopped by pid, the
//! outside client (`harden-lab tls-probe`) once or as background traffic,
//! files put into a host, and the HAProxy processes of a host.

use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::Duration;

use harden::lab::pki::{Issued, Pki};
use harden::lab::tls::{Dest, Serve, Server};
use harden::lab::tls_client::Tally;

use super::{lab_tool, wait_until, TestLab};

impl TestLab {
    /// A private CA in the lab directory (`pki/`).
    pub fn pki(&self) -> Pki {
        Pki::create(&self.lab.dir.join("pki")).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Starts a backend TLS server in `host` on `port` with certificate
    /// `cert`, answering `backend=<name>` plus `headers`.
    pub fn tls_serve(
        &self,
        host: &str,
        port: u16,
        cert: &Issued,
        name: &str,
        headers: &[&str],
    ) -> Server {
        self.tls_serve_with(host, port, cert, name, headers, false)
    }

    /// [`TestLab::tls_serve`], requiring a PROXY v2 header when
    /// `accept_proxy`.
    pub fn tls_serve_with(
        &self,
        host: &str,
        port: u16,
        cert: &Issued,
        name: &str,
        headers: &[&str],
        accept_proxy: bool,
    ) -> Server {
        let s = Serve {
            host,
            port,
            cert: &cert.cert,
            key: &cert.key,
            name,
            headers,
            accept_proxy,
        };
        self.lab
            .tls_server(lab_tool(), &s)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Stops a server started with [`TestLab::tls_serve`] (by its pid).
    pub fn stop(&self, s: &Server) {
        assert!(self.lab.stop_helper(s.pid), "no helper with pid {}", s.pid);
    }

    /// `count` TLS connections from namespace `ns` to `addr:port`.
    pub fn tls_probe(&self, ns: &str, addr: &str, port: u16, sni: &str, count: u32) -> Tally {
        self.lab
            .tls_probe(lab_tool(), ns, &Dest { addr, port, sni }, count, &[])
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Starts background traffic from the outside namespace: sequential
    /// TLS connections to `addr:port` until [`Traffic::stop`].
    pub fn traffic(&self, tag: &str, addr: &str, port: u16, sni: &str) -> Traffic {
        self.traffic_with(tag, addr, port, sni, false)
    }

    /// One connection from outside that completes its handshake and then
    /// waits, established, until [`Traffic::stop`] before it sends its
    /// request.
    pub fn held_connection(&self, tag: &str, addr: &str, port: u16, sni: &str) -> Traffic {
        let t = self.traffic_with(tag, addr, port, sni, true);
        wait_until(
            "the held connection's handshake",
            Duration::from_secs(20),
            || t.progress().contains("held"),
        );
        t
    }

    fn traffic_with(&self, tag: &str, addr: &str, port: u16, sni: &str, hold: bool) -> Traffic {
        let stop = self.lab.dir.join(format!("traffic-{tag}.stop"));
        let progress = self.lab.dir.join(format!("traffic-{tag}.progress"));
        let _ = std::fs::remove_file(&stop);
        let _ = std::fs::remove_file(&progress);
        let mut c = self.lab.cmd_in(&self.lab.outside_ns(), lab_tool());
        c.args(["tls-probe", addr, &port.to_string(), "--sni", sni]);
        if hold {
            c.args(["--count", "1"]).arg("--hold-until").arg(&stop);
        } else {
            c.args(["--count", "100000"]).arg("--stop-file").arg(&stop);
        }
        c.args(["--max-ms", "120000"])
            .arg("--progress")
            .arg(&progress)
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let child = c.spawn().unwrap_or_else(|e| panic!("tls-probe: {e}"));
        Traffic {
            child: Some(child),
            stop,
            progress,
        }
    }

    /// Writes a file into a host.
    pub fn put(&self, host: &str, path: &str, bytes: &[u8], mode: &str) {
        self.lab
            .host(host)
            .put(path, bytes, mode)
            .unwrap_or_else(|e| panic!("{e}"));
    }

    /// Pids of the HAProxy processes (master and workers) in `host`.
    pub fn haproxy_pids(&self, host: &str) -> Vec<u32> {
        let mut v: Vec<u32> = harden::lab::net::pids(&self.ns_of(host))
            .into_iter()
            .filter(|p| {
                std::fs::read_to_string(format!("/proc/{p}/comm"))
                    .is_ok_and(|c| c.trim() == "haproxy")
            })
            .collect();
        v.sort();
        v
    }

    /// SHA-256 of a file in a host (`sha256sum`).
    pub fn sha_of(&self, host: &str, path: &str) -> String {
        let out = self.on(host, &format!("sha256sum '{path}'"));
        out.split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string()
    }
}

/// Background TLS traffic (a `harden-lab tls-probe` process).
pub struct Traffic {
    child: Option<Child>,
    stop: PathBuf,
    progress: PathBuf,
}

impl Traffic {
    fn progress(&self) -> String {
        std::fs::read_to_string(&self.progress).unwrap_or_default()
    }

    /// Connections made so far.
    pub fn sent(&self) -> u32 {
        self.progress()
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }

    /// Waits until at least `n` connections were made.
    #[track_caller]
    pub fn wait_sent(&self, n: u32) {
        wait_until(
            &format!("{n} connections of background traffic"),
            Duration::from_secs(60),
            || self.sent() >= n,
        );
    }

    /// Stops the traffic and returns its tally.
    pub fn stop(mut self) -> Tally {
        std::fs::write(&self.stop, "").unwrap_or_else(|e| panic!("stop file: {e}"));
        let child = self
            .child
            .take()
            .unwrap_or_else(|| panic!("traffic already stopped"));
        let out = child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("tls-probe: {e}"));
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "tls-probe printed no tally: {e}: {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }
}

impl Drop for Traffic {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = std::fs::write(&self.stop, "");
            harden::lab::kill_pid(c.id());
            let _ = c.wait();
        }
    }
}
