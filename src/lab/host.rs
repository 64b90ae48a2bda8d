//! One lab host: a network namespace plus a private mount namespace on an
//! overlay of `/`, with its own hostname, /run, /tmp and a real sshd.
//!
//! Files the host writes land in its overlay's upper directory and stay
//! private to it; everything else (binaries, libraries, /etc defaults) is
//! the machine's own, read-only through the overlay. The host gets a fresh
//! ed25519 host key (other host keys are removed) and root's
//! authorized_keys holds the lab key, like a freshly delivered cloud VM.
//! A `sleep infinity` anchor keeps the namespaces alive even while sshd
//! restarts, and commands are run inside the host through that anchor.
//! Root's shell start-up files are reset to a fresh server's, so the
//! machine's own (a developer's pyenv, say) do not slow every login.
//! `/proc/swaps` is the host's own and empty: the machine's swap (a CI
//! runner may have some) is not a lab host's, and the disks control
//! checks swap on data hosts.
//! sshd logs to /var/log/auth.log in rsyslog's default (RFC 3339) line
//! format: `sshd -E` writes no timestamps, and the maintenance history
//! needs them, so sshd runs with `-D -e` and a bash loop stamps each line
//! (with bash's own clock formatting: no process per log line).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::LabError;

/// A running lab host.
pub struct Host {
    /// Host name (also its hostname).
    pub name: String,
    /// Network namespace.
    pub ns: String,
    /// IPv4 address.
    pub addr: String,
    /// IPv6 address.
    pub addr6: String,
    /// Overlay directories (`upper`, `work`, `merged`).
    pub dir: PathBuf,
    /// The anchor process (pid = the process holding the namespaces).
    pub anchor: Option<Child>,
    /// Anchor pid (kept when the Child handle is not ours).
    pub anchor_pid: u32,
}

impl Host {
    /// Path inside the host's overlay of a file the host wrote.
    pub fn upper(&self, path: &str) -> PathBuf {
        self.dir.join("upper").join(path.trim_start_matches('/'))
    }

    /// The host's ed25519 public host key (`type base64`).
    pub fn host_key(&self) -> Result<String, LabError> {
        let p = self.upper("/etc/ssh/ssh_host_ed25519_key.pub");
        let s = std::fs::read_to_string(&p)
            .map_err(|e| LabError(format!("{}: reading {}: {e}", self.name, p.display())))?;
        Ok(s.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
    }

    /// Runs a shell command inside the host (its mount, network and UTS
    /// namespaces, chrooted into its overlay).
    pub fn sh(&self, script: &str) -> Result<std::process::Output, LabError> {
        let merged = self.dir.join("merged");
        Command::new("nsenter")
            .args([
                "-t",
                &self.anchor_pid.to_string(),
                "-m",
                "-n",
                "-u",
                "--",
                "chroot",
            ])
            .arg(&merged)
            .args(["/bin/sh", "-c", script])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| LabError(format!("{}: nsenter: {e}", self.name)))
    }

    /// Like [`Host::sh`] but fails on a non-zero exit and returns stdout.
    pub fn sh_ok(&self, script: &str) -> Result<String, LabError> {
        let out = self.sh(script)?;
        if !out.status.success() {
            return Err(LabError(format!(
                "{}: `{script}` failed ({}): {}",
                self.name,
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

/// Starts the host's namespaces and sshd; returns once sshd listens.
pub fn start(
    name: &str,
    ns: &str,
    dir: &Path,
    lab_pubkey: &str,
    addr: &str,
    addr6: &str,
) -> Result<Host, LabError> {
    for d in ["upper", "work", "merged"] {
        std::fs::create_dir_all(dir.join(d))
            .map_err(|e| LabError(format!("creating {}: {e}", dir.display())))?;
    }
    let m = dir.join("merged");
    let m = m.display();
    let script = format!(
        r#"set -e
hostname {name}
mount -t overlay overlay -o lowerdir=/,upperdir={d}/upper,workdir={d}/work {m}
mount --rbind /dev {m}/dev
mount -t proc proc {m}/proc
printf 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n' > {d}/swaps
mount --bind {d}/swaps {m}/proc/swaps
mount --rbind /sys {m}/sys
mount -t tmpfs -o mode=1777 tmpfs {m}/tmp
mount -t tmpfs -o mode=755 tmpfs {m}/run
mkdir -p {m}/run/sshd {m}/run/lock {m}/root/.ssh {m}/var/log
rm -f {m}/etc/ssh/ssh_host_* {m}/etc/ssh/sshd_config.d/*
chroot {m} ssh-keygen -q -t ed25519 -N '' -C {name} -f /etc/ssh/ssh_host_ed25519_key
printf '# fresh host\n' > {m}/root/.bashrc
printf '[ -f ~/.bashrc ] && . ~/.bashrc\n' > {m}/root/.profile
printf '%s\n' '{lab_pubkey}' > {m}/root/.ssh/authorized_keys
chmod 700 {m}/root/.ssh && chmod 600 {m}/root/.ssh/authorized_keys
: > {m}/var/log/auth.log
chroot {m} /usr/sbin/sshd -D -e 2>&1 </dev/null | TZ=UTC bash -c 'while IFS= read -r l; do printf "%(%Y-%m-%dT%H:%M:%S)T.000000+00:00 {name} sshd: %s\n" -1 "${{l%$'"'"'\r'"'"'}}"; done' >> {m}/var/log/auth.log &
exec sleep infinity
"#,
        d = dir.display(),
    );
    std::fs::write(dir.join("setup.sh"), &script)
        .map_err(|e| LabError(format!("writing setup.sh: {e}")))?;
    let child = Command::new("ip")
        .args([
            "netns",
            "exec",
            ns,
            "unshare",
            "-m",
            "-u",
            "--propagation",
            "private",
            "sh",
        ])
        .arg(dir.join("setup.sh"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(
            std::fs::File::create(dir.join("setup.log"))
                .map_err(|e| LabError(format!("setup.log: {e}")))?,
        ))
        .spawn()
        .map_err(|e| LabError(format!("{name}: starting: {e}")))?;
    let pid = child.id();
    Ok(Host {
        name: name.to_string(),
        ns: ns.to_string(),
        addr: addr.to_string(),
        addr6: addr6.to_string(),
        dir: dir.to_path_buf(),
        anchor: Some(child),
        anchor_pid: pid,
    })
}

/// Waits (bounded) until the host's sshd logs that it listens.
pub fn wait_ready(h: &mut Host, limit: Duration) -> Result<(), LabError> {
    let log = h.upper("/var/log/auth.log");
    let started = Instant::now();
    while started.elapsed() < limit {
        if std::fs::read_to_string(&log).is_ok_and(|s| s.contains("Server listening")) {
            return Ok(());
        }
        if let Some(c) = h.anchor.as_mut() {
            if let Ok(Some(st)) = c.try_wait() {
                let why = std::fs::read_to_string(h.dir.join("setup.log")).unwrap_or_default();
                return Err(LabError(format!(
                    "{}: setup exited ({st}): {}",
                    h.name,
                    why.trim()
                )));
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(LabError(format!(
        "{}: sshd did not start within {}s",
        h.name,
        limit.as_secs()
    )))
}
