//! SSH transport: one multiplexed OpenSSH connection per host.
//!
//! harden drives the system `ssh` through the `openssh` crate (ControlMaster
//! plus the native mux protocol), so every command of a run shares one
//! authenticated connection. Each connection gets its own `ssh_config`
//! written by harden: strict host-key checking against the inventory's
//! known_hosts only (never trust-on-first-use, no global known_hosts, no
//! key updates from the server), batch mode, bounded timeouts, and the
//! identity or certificate the inventory names ([`config`]: every value
//! quoted, or refused when it cannot be). The user's ~/.ssh/config is
//! not read, so a run behaves the same on a laptop and in CI. A host that
//! drops the connection before key exchange is retried a few times
//! ([`refused`]).

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use openssh::{ControlPersist, KnownHosts, Session, SessionBuilder, Stdio};
use tokio::io::AsyncWriteExt;

use crate::inventory::Host;

pub mod config;
pub mod held;
pub mod refused;

/// Why talking to a host failed.
#[derive(Debug)]
pub enum Error {
    /// The connection could not be set up (network, host key, auth).
    Connect {
        /// Host name.
        host: String,
        /// What ssh said.
        reason: String,
    },
    /// A command could not be run or its connection dropped.
    Exec {
        /// Host name.
        host: String,
        /// What went wrong.
        reason: String,
    },
    /// A local file (known_hosts, identity) is missing.
    Setup(String),
    /// The remote command did not finish in time.
    Timeout {
        /// Host name.
        host: String,
        /// The limit.
        after: Duration,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Connect { host, reason } => write!(f, "{host}: cannot connect: {reason}"),
            Error::Exec { host, reason } => write!(f, "{host}: remote command failed: {reason}"),
            Error::Setup(m) => f.write_str(m),
            Error::Timeout { host, after } => write!(
                f,
                "{host}: remote command did not finish within {}s",
                after.as_secs()
            ),
        }
    }
}

impl std::error::Error for Error {}

/// What a remote command returned.
#[derive(Debug, Clone)]
pub struct Output {
    /// Exit code (-1 when killed by a signal).
    pub rc: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Per-run client settings shared by all connections.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Directory for control sockets and generated ssh_config files (short
    /// path: Unix sockets are limited to 108 bytes).
    pub dir: PathBuf,
    /// harden's own keys and certificates for this run (key, cert), one per
    /// live CA generation, offered before the inventory's identity (which
    /// then only serves bootstrap).
    pub run_identity: Vec<(PathBuf, PathBuf)>,
    /// `@cert-authority` lines for harden's own host CA (all live
    /// generations), used besides the inventory's known_hosts so a CA
    /// rotation never cuts harden off from hosts it re-certified.
    pub ca_known_hosts: Option<PathBuf>,
    /// Upper bound for one remote command.
    pub command_timeout: Duration,
}

/// One open connection.
pub struct Conn {
    session: Session,
    host: String,
    sudo: bool,
    timeout: Duration,
}

impl Conn {
    /// Opens the connection to `host` (strict host-key checking).
    ///
    /// A host that drops the connection before key exchange (see
    /// [`refused`]) is tried again after each of the [`refused::delays`];
    /// if it still refuses, the error names the likely causes and the fix.
    pub async fn connect(host: &Host, cfg: &ClientConfig, tag: &str) -> Result<Conn, Error> {
        let delays = refused::delays();
        let started = std::time::Instant::now();
        let mut attempt = 0;
        loop {
            match Self::connect_once(host, cfg, tag).await {
                Err(Error::Connect { host: name, reason }) if refused::before_kex(&reason) => {
                    if let Some(d) = delays.get(attempt) {
                        attempt += 1;
                        tokio::time::sleep(*d).await;
                        continue;
                    }
                    return Err(Error::Connect {
                        host: name,
                        reason: refused::explain(&reason, attempt + 1, started.elapsed()),
                    });
                }
                // sshd re-executing after a reload (a rollback's, say)
                // refuses TCP for a moment: one more try, same message.
                Err(Error::Connect { reason, .. })
                    if attempt == 0 && refused::tcp_refused(&reason) && !delays.is_empty() =>
                {
                    attempt += 1;
                    tokio::time::sleep(delays[0]).await;
                }
                r => return r,
            }
        }
    }

    async fn connect_once(host: &Host, cfg: &ClientConfig, tag: &str) -> Result<Conn, Error> {
        let conf_path = cfg.dir.join(format!("{}.{tag}.ssh_config", host.index));
        std::fs::write(&conf_path, config::render(host, cfg)?)
            .map_err(|e| Error::Setup(format!("cannot write {}: {e}", conf_path.display())))?;
        let mut b = SessionBuilder::default();
        b.known_hosts_check(KnownHosts::Strict)
            .config_file(&conf_path)
            .control_directory(&cfg.dir)
            .control_persist(ControlPersist::IdleFor(
                std::num::NonZeroUsize::new(60).unwrap_or(std::num::NonZeroUsize::MIN),
            ))
            .connect_timeout(host.conn.connect_timeout)
            .user(host.conn.user.clone())
            .port(host.conn.port);
        let dest = match host.address {
            std::net::IpAddr::V6(a) => format!("[{a}]"),
            a => a.to_string(),
        };
        let limit = host.conn.connect_timeout + Duration::from_secs(5);
        let session = tokio::time::timeout(limit, b.connect_mux(&dest))
            .await
            .map_err(|_| Error::Connect {
                host: host.name.clone(),
                reason: format!("no answer within {}s", limit.as_secs()),
            })?
            .map_err(|e| Error::Connect {
                host: host.name.clone(),
                reason: describe(&e),
            })?;
        Ok(Conn {
            session,
            host: host.name.clone(),
            sudo: host.conn.user != "root",
            timeout: cfg.command_timeout,
        })
    }

    /// Runs a POSIX shell script (sent on stdin) and collects its output.
    pub async fn exec(&self, script: &str) -> Result<Output, Error> {
        self.exec_with_timeout(script, self.timeout).await
    }

    /// Like [`Conn::exec`] with an explicit time limit.
    pub async fn exec_with_timeout(&self, script: &str, limit: Duration) -> Result<Output, Error> {
        let err = |reason: String| Error::Exec {
            host: self.host.clone(),
            reason,
        };
        let mut cmd = if self.sudo {
            let mut c = self.session.command("sudo");
            c.args(["-n", "sh", "-s"]);
            c
        } else {
            let mut c = self.session.command("sh");
            c.arg("-s");
            c
        };
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let run = async {
            let mut child = cmd.spawn().await.map_err(|e| err(describe(&e)))?;
            if let Some(mut stdin) = child.stdin().take() {
                stdin
                    .write_all(script.as_bytes())
                    .await
                    .map_err(|e| err(format!("sending script: {e}")))?;
                stdin
                    .shutdown()
                    .await
                    .map_err(|e| err(format!("closing stdin: {e}")))?;
            }
            child
                .wait_with_output()
                .await
                .map_err(|e| err(describe(&e)))
        };
        let out = tokio::time::timeout(limit, run)
            .await
            .map_err(|_| Error::Timeout {
                host: self.host.clone(),
                after: limit,
            })??;
        Ok(Output {
            rc: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }

    /// Closes the connection (stops the ssh master).
    pub async fn close(self) {
        let _ = self.session.close().await;
    }

    /// True while the master connection is alive.
    pub async fn alive(&self) -> bool {
        self.session.check().await.is_ok()
    }
}

fn describe(e: &openssh::Error) -> String {
    use std::error::Error as _;
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        let m = inner.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(m.trim());
        }
        src = inner.source();
    }
    s
}

/// A private, short directory for one run's sockets and configs.
pub fn run_dir() -> std::io::Result<tempfile::TempDir> {
    let base = std::env::var_os("HARDEN_RUNTIME_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    tempfile::Builder::new().prefix("hd-").tempdir_in(base)
}

/// True when `path` is short enough for ssh's control socket.
pub fn socket_path_ok(path: &Path) -> bool {
    path.as_os_str().len() + 40 < 104
}
