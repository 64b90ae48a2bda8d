//! The whole-host lock of an `apply`: held from the first probe to the
//! last activation (and the verifying probe after it), so two runs never
//! interleave on one host — without it, one host ended with run B's
//! firewall and sshd but run A's accounts.
//!
//! The lock is `flock -x` on `/run/lock/harden.run.lock`, taken by a small
//! holder script on a channel of the run's own multiplexed connection
//! ([`Conn::hold`]: no second connection, no second key exchange). The
//! holder writes the run's owner line (run id, pid, user, controller) to
//! `/run/lock/harden.run.owner`, prints `locked` and then reads its
//! standard input until it ends: [`HostLock::release`] closes it, and so
//! does the kernel when harden dies (SIGKILL included) — the ssh master,
//! which may outlive harden for its ControlPersist, then closes the
//! channel, so the holder ends at once and the kernel drops the lock. It
//! ends after a bounded lifetime in any case (`timeout`).
//!
//! The per-script lock (`backend::ssh::script::lock`, `/run/lock/harden.lock`)
//! stays as it is: it serialises single steps (audit copies, maintenance
//! changes) of every command; this one serialises whole applies.
//!
//! A second run waits up to `--lock-wait` seconds (default 60; 0 refuses
//! at once) and then fails that host with the holder's owner line.

use std::time::{Duration, Instant};

use crate::backend::ssh::script::EXIT_LOCKED;
use crate::contract::sh_quote;
use crate::inventory::Host;
use crate::transport::held::Held;
use crate::transport::{ClientConfig, Conn};

/// The file the holder locks.
pub const RUN_LOCK: &str = "/run/lock/harden.run.lock";
/// Who holds it (one line).
pub const OWNER_FILE: &str = "/run/lock/harden.run.owner";
/// What the holder prints once it holds the lock.
const LOCKED: &str = "locked";

/// A held whole-host lock.
pub struct HostLock {
    held: Held,
}

/// The owner line: no control characters, bounded.
pub fn owner_line(run_id: &str, user: &str) -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let s = format!(
        "run {run_id} pid {} user {user} on {} since {}",
        std::process::id(),
        host.trim(),
        crate::timefmt::rfc3339(crate::timefmt::now())
    );
    s.chars().filter(|c| !c.is_control()).take(300).collect()
}

/// The holder script (run with `sh -c`; its standard input is harden's
/// "still here": the lock is held until that input ends or `life` passes).
pub fn holder_script(owner: &str, wait: Duration, life: Duration) -> String {
    let wait = if wait.is_zero() {
        "-n".to_string()
    } else {
        format!("-w {}", wait.as_secs().max(1))
    };
    format!(
        r#"set -u
export LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
umask 077
mkdir -p /run/lock || exit 1
command -v timeout >/dev/null || {{ echo "timeout (coreutils) is missing" >&2; exit 1; }}
exec 8>>{lock}
if ! flock -x {wait} 8; then
  echo "held by $(head -c 300 {owner_file} 2>/dev/null || echo 'a run that recorded no owner')"
  exit {EXIT_LOCKED}
fi
printf '%s\n' {owner} > {owner_file}
echo {LOCKED} || exit 1
timeout {life} cat >/dev/null 8>&-
exit 0
"#,
        lock = sh_quote(RUN_LOCK),
        owner_file = sh_quote(OWNER_FILE),
        owner = sh_quote(owner),
        life = life.as_secs().max(1),
    )
}

impl HostLock {
    /// Takes the lock on `host` through `conn`, the run's main connection,
    /// waiting up to `wait`; holds it at most `life`. (`_client` and
    /// `_run_id` are kept for the caller: the lock needs no connection of
    /// its own, and the run id is in `owner`.)
    pub async fn acquire(
        host: &Host,
        _client: &ClientConfig,
        conn: &Conn,
        _run_id: &str,
        owner: &str,
        wait: Duration,
        life: Duration,
    ) -> Result<HostLock, String> {
        let mut held = conn
            .hold(&holder_script(owner, wait, life))
            .await
            .map_err(|e| format!("taking the host lock: {e}"))?;
        let limit = wait + Duration::from_secs(15);
        let started = Instant::now();
        let first = held.line(limit).await;
        match first {
            Ok(Some(l)) if l == LOCKED => return Ok(HostLock { held }),
            Err(crate::transport::Error::Timeout { .. }) => {
                let _ = held.finish(Duration::from_secs(5)).await;
                return Err(format!(
                    "{}: no answer from the host lock within {}s",
                    host.name,
                    limit.as_secs()
                ));
            }
            _ => {}
        }
        let said = match &first {
            Ok(Some(l)) => l.clone(),
            _ => String::new(),
        };
        let left = limit.saturating_sub(started.elapsed()) + Duration::from_secs(5);
        Err(match held.finish(left).await {
            Ok(o) if o.rc == EXIT_LOCKED => format!(
                "the host lock {RUN_LOCK} is {}; waited {}s (--lock-wait); try again when that run has ended",
                (said + &o.stdout).trim(),
                wait.as_secs()
            ),
            Ok(o) => format!(
                "taking the host lock exited {}: {}",
                o.rc,
                o.stderr.trim()
            ),
            Err(e) => format!("taking the host lock: {e}"),
        })
    }

    /// Releases the lock: closes the holder's input and waits (bounded)
    /// for it to end; the connection stays open.
    pub async fn release(self) {
        let _ = self.held.finish(Duration::from_secs(5)).await;
    }
}

/// Prints the run/control of every guard on the host whose rollback timer
/// still runs (neither confirmed nor rolled back), other than `run`'s.
pub fn pending_script(run: &str) -> String {
    format!(
        r#"for d in {state}/runs/*/*/; do
  [ -e "$d/guard.pid" ] || continue
  [ -e "$d/confirmed" ] || [ -e "$d/rolled-back" ] && continue
  case "$d" in {state}/runs/{run}/*) continue;; esac
  kill -0 "$(cat "$d/guard.pid")" 2>/dev/null && echo "${{d#{state}/runs/}}"
done
true
"#,
        state = crate::backend::ssh::script::STATE_DIR,
        run = run
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect::<String>(),
    )
}

/// Waits (bounded by `limit`) until no other run's rollback timer is
/// pending on the host: a run killed after activating leaves one, and an
/// apply that probed before it fired would be undone by it.
pub async fn wait_for_pending_rollbacks(
    conn: &Conn,
    run: &str,
    limit: Duration,
) -> Result<(), String> {
    let deadline = Instant::now() + limit;
    loop {
        let out = conn
            .exec(&pending_script(run))
            .await
            .map_err(|e| e.to_string())?;
        let pending = out.stdout.trim();
        if pending.is_empty() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "the rollback timer of an earlier run is still pending on the host ({}); it restores that run's previous state by itself — apply again once it has fired",
                pending.replace('\n', ", ")
            ));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader};
    use std::process::{Child, Command, Stdio};

    fn run_local(dir: &std::path::Path, script: &str) -> Child {
        let s = script.replace("/run/lock", &dir.display().to_string());
        Command::new("sh")
            .arg("-c")
            .arg(s)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// Waits for the holder's `locked` line.
    fn holds(c: &mut Child) {
        let mut line = String::new();
        BufReader::new(c.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), LOCKED);
    }

    fn ends_within(c: &mut Child, limit: Duration) -> Duration {
        let t = Instant::now();
        while c.try_wait().unwrap().is_none() {
            assert!(t.elapsed() < limit, "holder did not end");
            std::thread::sleep(Duration::from_millis(10));
        }
        t.elapsed()
    }

    fn try_lock(dir: &std::path::Path, owner: &str) -> std::process::Output {
        let mut c = run_local(
            dir,
            &holder_script(owner, Duration::ZERO, Duration::from_secs(5)),
        );
        drop(c.stdin.take());
        c.wait_with_output().unwrap()
    }

    #[test]
    fn a_second_holder_is_refused_with_the_owner_and_the_first_releases_at_end_of_input() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = run_local(
            dir.path(),
            &holder_script("run r1 pid 1", Duration::ZERO, Duration::from_secs(20)),
        );
        holds(&mut a);
        let b = try_lock(dir.path(), "run r2");
        assert_eq!(b.status.code(), Some(EXIT_LOCKED));
        assert_eq!(
            String::from_utf8_lossy(&b.stdout).trim(),
            "held by run r1 pid 1"
        );
        // Release (or harden gone): its input ends, the holder ends at once.
        drop(a.stdin.take());
        let took = ends_within(&mut a, Duration::from_secs(10));
        assert!(took < Duration::from_secs(2), "{took:?}");
        let c = try_lock(dir.path(), "run r3");
        assert_eq!(c.status.code(), Some(0), "free again after release");
    }

    #[test]
    fn a_holder_whose_input_never_ends_lets_go_after_its_lifetime() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = run_local(
            dir.path(),
            &holder_script("run r1", Duration::ZERO, Duration::from_secs(1)),
        );
        holds(&mut a);
        ends_within(&mut a, Duration::from_secs(10));
        let c = try_lock(dir.path(), "run r2");
        assert_eq!(c.status.code(), Some(0));
        drop(a.stdin.take());
    }

    #[test]
    fn the_owner_line_has_no_control_characters() {
        let o = owner_line("r\n1", "eve\x1b[2J");
        assert!(!o.chars().any(|c| c.is_control()), "{o}");
    }
}
