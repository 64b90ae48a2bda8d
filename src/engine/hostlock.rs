//! The whole-host lock of an `apply`: held from the first probe to the
//! last activation (and the verifying probe after it), so two runs never
//! interleave on one host — without it, one host ended with run B's
//! firewall and sshd but run A's accounts.
//!
//! The lock is `flock -x` on `/run/lock/harden.run.lock`, taken by a small
//! holder script on a connection of its own. The holder writes the run's
//! owner line (run id, pid, user, controller) to
//! `/run/lock/harden.run.owner`, creates a marker file and then writes one
//! byte every 0.2 s to its ssh channel until the marker is removed
//! ([`HostLock::release`]). It also ends when the channel is gone — a
//! killed harden closes it, the next write fails with SIGPIPE and the
//! kernel drops the lock — and after a bounded lifetime in any case.
//!
//! The per-script lock (`backend::ssh::script::lock`, `/run/lock/harden.lock`)
//! stays as it is: it serialises single steps (audit copies, maintenance
//! changes) of every command; this one serialises whole applies.
//!
//! A second run waits up to `--lock-wait` seconds (default 60; 0 refuses
//! at once) and then fails that host with the holder's owner line.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

use crate::backend::ssh::script::EXIT_LOCKED;
use crate::contract::sh_quote;
use crate::inventory::Host;
use crate::transport::{ClientConfig, Conn, Output};

/// The file the holder locks.
pub const RUN_LOCK: &str = "/run/lock/harden.run.lock";
/// Who holds it (one line).
pub const OWNER_FILE: &str = "/run/lock/harden.run.owner";

/// A held whole-host lock.
pub struct HostLock {
    conn: Arc<Conn>,
    marker: String,
    task: JoinHandle<Result<Output, String>>,
}

fn marker(run_id: &str) -> String {
    let safe: String = run_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    format!("/run/lock/harden.hold.{safe}")
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

/// The holder script.
pub fn holder_script(marker: &str, owner: &str, wait: Duration, life: Duration) -> String {
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
M={marker}
exec 8>>{lock}
if ! flock -x {wait} 8; then
  echo "held by $(head -c 300 {owner_file} 2>/dev/null || echo 'a run that recorded no owner')"
  exit {EXIT_LOCKED}
fi
printf '%s\n' {owner} > {owner_file}
: > "$M" || exit 1
i=0
while [ -e "$M" ] && [ "$i" -lt {ticks} ]; do
  printf . || break
  sleep 0.2 8>&- 2>/dev/null || {{ sleep 1 8>&-; i=$((i+4)); }}
  i=$((i+1))
done
rm -f "$M"
"#,
        marker = sh_quote(marker),
        lock = sh_quote(RUN_LOCK),
        owner_file = sh_quote(OWNER_FILE),
        owner = sh_quote(owner),
        ticks = life.as_secs().max(1) * 5,
    )
}

impl HostLock {
    /// Takes the lock on `host`, waiting up to `wait`; `probe` is the run's
    /// main connection, used to see the holder's marker appear. Holds at
    /// most `life`.
    pub async fn acquire(
        host: &Host,
        client: &ClientConfig,
        probe: &Conn,
        run_id: &str,
        owner: &str,
        wait: Duration,
        life: Duration,
    ) -> Result<HostLock, String> {
        // sshd may be re-executing after another run's reload for a moment:
        // a few bounded attempts.
        let mut attempt = 0;
        let conn = loop {
            attempt += 1;
            match Conn::connect(host, client, "lock").await {
                Ok(c) => break Arc::new(c),
                Err(e) if attempt >= 3 => return Err(e.to_string()),
                Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
            }
        };
        let m = marker(run_id);
        let script = holder_script(&m, owner, wait, life);
        let c2 = conn.clone();
        let limit = wait + life + Duration::from_secs(30);
        let mut task = tokio::spawn(async move {
            c2.exec_with_timeout(&script, limit)
                .await
                .map_err(|e| e.to_string())
        });
        let check = format!("[ -e {} ]", sh_quote(&m));
        let deadline = Instant::now() + wait + Duration::from_secs(15);
        loop {
            if task.is_finished() {
                let r = (&mut task).await.map_err(|e| e.to_string())?;
                close(conn).await;
                return Err(match r {
                    Ok(o) if o.rc == EXIT_LOCKED => format!(
                        "the host lock {RUN_LOCK} is {}; waited {}s (--lock-wait); try again when that run has ended",
                        o.stdout.trim(),
                        wait.as_secs()
                    ),
                    Ok(o) => format!(
                        "taking the host lock exited {}: {}",
                        o.rc,
                        o.stderr.trim()
                    ),
                    Err(e) => format!("taking the host lock: {e}"),
                });
            }
            if let Ok(o) = probe.exec(&check).await {
                if o.rc == 0 {
                    return Ok(HostLock {
                        conn,
                        marker: m,
                        task,
                    });
                }
            }
            if Instant::now() > deadline {
                task.abort();
                close(conn).await;
                return Err(format!(
                    "no answer from the host lock within {}s",
                    (wait + Duration::from_secs(15)).as_secs()
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Releases the lock (bounded: the holder notices within 0.2 s).
    pub async fn release(self) {
        let _ = self
            .conn
            .exec_with_timeout(
                &format!("rm -f {}", sh_quote(&self.marker)),
                Duration::from_secs(10),
            )
            .await;
        let mut task = self.task;
        if tokio::time::timeout(Duration::from_secs(5), &mut task)
            .await
            .is_err()
        {
            task.abort();
        }
        close(self.conn).await;
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

async fn close(conn: Arc<Conn>) {
    if let Ok(c) = Arc::try_unwrap(conn) {
        c.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_local(dir: &std::path::Path, script: &str) -> std::process::Child {
        let s = script.replace("/run/lock", &dir.display().to_string());
        std::process::Command::new("sh")
            .arg("-c")
            .arg(s)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    }

    #[test]
    fn a_second_holder_is_refused_with_the_owner_and_the_first_releases() {
        let dir = tempfile::tempdir().unwrap();
        let m1 = marker("r1");
        let mut a = run_local(
            dir.path(),
            &holder_script(&m1, "run r1 pid 1", Duration::ZERO, Duration::from_secs(20)),
        );
        let local = |m: &str| dir.path().join(m.trim_start_matches("/run/lock/"));
        let t = Instant::now();
        while !local(&m1).exists() {
            assert!(t.elapsed() < Duration::from_secs(10), "first never held");
            std::thread::sleep(Duration::from_millis(20));
        }
        let b = run_local(
            dir.path(),
            &holder_script(
                &marker("r2"),
                "run r2",
                Duration::ZERO,
                Duration::from_secs(5),
            ),
        )
        .wait_with_output()
        .unwrap();
        assert_eq!(b.status.code(), Some(EXIT_LOCKED));
        assert_eq!(
            String::from_utf8_lossy(&b.stdout).trim(),
            "held by run r1 pid 1"
        );
        std::fs::remove_file(local(&m1)).unwrap();
        let t = Instant::now();
        while a.try_wait().unwrap().is_none() {
            assert!(t.elapsed() < Duration::from_secs(10), "holder did not end");
            std::thread::sleep(Duration::from_millis(20));
        }
        let c = run_local(
            dir.path(),
            &holder_script(
                &marker("r3"),
                "run r3",
                Duration::ZERO,
                Duration::from_secs(1),
            ),
        )
        .wait_with_output()
        .unwrap();
        assert_eq!(c.status.code(), Some(0), "free again after release");
    }

    #[test]
    fn the_owner_line_has_no_control_characters() {
        let o = owner_line("r\n1", "eve\x1b[2J");
        assert!(!o.chars().any(|c| c.is_control()), "{o}");
    }
}
