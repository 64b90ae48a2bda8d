//! A long-running remote command held open on a connection's master: the
//! host lock's holder ([`crate::engine::hostlock`]).
//!
//! The command is a new channel on the same multiplexed connection (no
//! second key exchange). Its script is passed as `sh -c` argument, so its
//! standard input stays free as the "still here" signal: harden keeps the
//! pipe open while it holds, and closing it ([`Held::finish`]) is the
//! release. If harden dies instead (SIGKILL included), the kernel closes
//! its end of the pipe and its mux connection; the ssh master, which may
//! outlive harden for its ControlPersist, forwards the EOF and closes the
//! channel (OpenSSH's `mux_master_control_cleanup_cb`), so the remote
//! command sees end of input at once.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use openssh::{Child, ChildStdin, ChildStdout, Session, Stdio};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

use super::{describe, Conn, Error, Output};

/// At most this much of a first line is read.
const MAX_LINE: u64 = 4096;

/// A remote command started by [`Conn::hold`].
pub struct Held {
    child: Child<Arc<Session>>,
    stdin: Option<ChildStdin>,
    stdout: BufReader<tokio::io::Take<ChildStdout>>,
    host: String,
}

impl Conn {
    /// Starts `sh -c script` (under `sudo -n` for a non-root login) as a
    /// new channel of this connection, standard input open until
    /// [`Held::finish`] or until harden is gone.
    pub async fn hold(&self, script: &str) -> Result<Held, Error> {
        let err = |reason: String| Error::Exec {
            host: self.host.clone(),
            reason,
        };
        let ctl: Box<Path> = self.session.control_socket().into();
        // Same master, a handle of its own (dropping it stops nothing).
        let session = Arc::new(Session::resume_mux(ctl, None));
        let mut cmd = if self.sudo {
            let mut c = session.arc_command("sudo");
            c.args(["-n", "sh", "-c"]);
            c
        } else {
            let mut c = session.arc_command("sh");
            c.arg("-c");
            c
        };
        cmd.arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().await.map_err(|e| err(describe(&e)))?;
        let stdin = child.stdin().take();
        let stdout = child
            .stdout()
            .take()
            .ok_or_else(|| err("no standard output".into()))?;
        Ok(Held {
            child,
            stdin,
            stdout: BufReader::new(stdout.take(MAX_LINE)),
            host: self.host.clone(),
        })
    }
}

impl Held {
    /// The next line of the command's output (without its line break),
    /// `None` at end of output; bounded by `limit` and [`MAX_LINE`].
    pub async fn line(&mut self, limit: Duration) -> Result<Option<String>, Error> {
        let mut buf = Vec::new();
        let n = tokio::time::timeout(limit, self.stdout.read_until(b'\n', &mut buf))
            .await
            .map_err(|_| Error::Timeout {
                host: self.host.clone(),
                after: limit,
            })?
            .map_err(|e| Error::Exec {
                host: self.host.clone(),
                reason: format!("reading: {e}"),
            })?;
        if n == 0 {
            return Ok(None);
        }
        let s = String::from_utf8_lossy(&buf);
        Ok(Some(s.trim_end_matches(['\n', '\r']).to_string()))
    }

    /// Closes the command's input and waits (up to `limit`) for it to end;
    /// returns its exit code, the rest of its output and its stderr. Past
    /// the limit the channel is dropped (the master closes it).
    pub async fn finish(self, limit: Duration) -> Result<Output, Error> {
        let Held {
            mut child,
            stdin,
            mut stdout,
            host,
        } = self;
        drop(stdin);
        let stderr = child.stderr().take();
        let (mut rest, mut err) = (Vec::new(), Vec::new());
        let run = async {
            let _ = stdout.read_to_end(&mut rest).await;
            if let Some(e) = stderr {
                let _ = e.take(MAX_LINE).read_to_end(&mut err).await;
            }
            child.wait().await
        };
        let status = tokio::time::timeout(limit, run)
            .await
            .map_err(|_| Error::Timeout {
                host: host.clone(),
                after: limit,
            })?
            .map_err(|e| Error::Exec {
                host: host.clone(),
                reason: describe(&e),
            })?;
        Ok(Output {
            rc: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&rest).into_owned(),
            stderr: String::from_utf8_lossy(&err).into_owned(),
        })
    }
}
