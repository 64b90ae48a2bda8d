//! What a kept lab created, so `harden-lab exec`, `shell` and `down` act
//! on exactly that lab: `ROOT/<id>/state`, written when the lab is kept.
//!
//! One `key=value` per line: `controller_ns=`, `inventory=` (a file inside
//! the lab's directory), `env=NAME=value` (the environment the demo ran
//! harden with, e.g. the lab's CA passphrase, a lab secret shown on
//! purpose) and `pid=<pid> <start time>` for every process the lab started
//! outside harden (the hosts' anchors, helper servers). `down` kills a
//! recorded pid only while its start time (field 22 of `/proc/<pid>/stat`)
//! still matches, so a reused pid is never hit. Namespaces are recorded
//! separately, before each is made (`owner::record_ns`). The file is read
//! as hostile: bounded size, no control characters, known keys only.

use std::path::{Path, PathBuf};

use super::{owner, Lab, LabError};

/// The file name under the lab's directory.
pub const FILE: &str = "state";
const MAX: usize = 64 * 1024;

/// A kept lab's record.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct State {
    /// The namespace harden runs in.
    pub controller_ns: String,
    /// The inventory `exec` and `shell` point `HARDEN_INVENTORY` at.
    pub inventory: Option<PathBuf>,
    /// Extra environment for harden (name, value).
    pub env: Vec<(String, String)>,
    /// Processes the lab started: (pid, start time in clock ticks).
    pub pids: Vec<(u32, u64)>,
}

fn bad(line: &str) -> LabError {
    LabError(format!(
        "lab state: unreadable line {:?}",
        line.chars().take(60).collect::<String>()
    ))
}

fn env_name_ok(n: &str) -> bool {
    !n.is_empty()
        && n.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// A process's start time (clock ticks after boot), `None` when it is gone.
pub fn start_time(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces: count after its `)`.
    let rest = &s[s.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

impl State {
    /// The text of the file.
    pub fn encode(&self) -> String {
        let mut s = format!("controller_ns={}\n", self.controller_ns);
        if let Some(p) = &self.inventory {
            s.push_str(&format!("inventory={}\n", p.display()));
        }
        for (k, v) in &self.env {
            s.push_str(&format!("env={k}={v}\n"));
        }
        for (p, t) in &self.pids {
            s.push_str(&format!("pid={p} {t}\n"));
        }
        s
    }

    /// Parses the file of the lab in `dir` (the inventory must lie inside `dir`).
    pub fn decode(text: &str, dir: &Path) -> Result<State, LabError> {
        if text.len() > MAX {
            return Err(LabError("lab state: too large".into()));
        }
        let mut st = State::default();
        for line in text.lines() {
            if line.chars().any(char::is_control) {
                return Err(bad(line));
            }
            let (k, v) = line.split_once('=').ok_or_else(|| bad(line))?;
            match k {
                "controller_ns" if owner::is_ns_name(v) => st.controller_ns = v.into(),
                "inventory" => {
                    let p = PathBuf::from(v);
                    let inside = p.starts_with(dir)
                        && p.components().all(|c| c != std::path::Component::ParentDir);
                    if !inside {
                        return Err(bad(line));
                    }
                    st.inventory = Some(p);
                }
                "env" => match v.split_once('=') {
                    Some((n, val)) if env_name_ok(n) => st.env.push((n.into(), val.into())),
                    _ => return Err(bad(line)),
                },
                "pid" => {
                    let mut it = v.split(' ').map(str::parse::<u64>);
                    match (it.next(), it.next(), it.next()) {
                        (Some(Ok(p)), Some(Ok(t)), None) if p > 1 && p <= u64::from(u32::MAX) => {
                            st.pids.push((p as u32, t));
                        }
                        _ => return Err(bad(line)),
                    }
                }
                _ => return Err(bad(line)),
            }
        }
        if st.controller_ns.is_empty() {
            return Err(LabError("lab state: no controller namespace".into()));
        }
        Ok(st)
    }

    /// Writes the record into the lab directory `dir` (mode 0600).
    pub fn write(&self, dir: &Path) -> Result<(), LabError> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let p = dir.join(FILE);
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&p)
            .and_then(|mut f| f.write_all(self.encode().as_bytes()))
            .map_err(|e| LabError(format!("writing {}: {e}", p.display())))
    }

    /// Reads the record of the lab in `dir`.
    pub fn read(dir: &Path) -> Result<State, LabError> {
        let p = dir.join(FILE);
        let text = std::fs::read_to_string(&p)
            .map_err(|e| LabError(format!("{}: {e} (not a kept lab)", p.display())))?;
        State::decode(&text, dir)
    }

    /// Kills every recorded process that is still the one recorded.
    /// Returns how many it killed.
    pub fn kill_recorded(&self) -> usize {
        let mut n = 0;
        for &(pid, t) in &self.pids {
            if start_time(pid) == Some(t) {
                super::kill_pid(pid);
                n += 1;
            }
        }
        n
    }
}

impl Lab {
    /// Keeps the lab after this process exits (`harden-lab down ID` removes it).
    pub fn keep(&mut self) -> Result<(), LabError> {
        self.keep_for(None, &[])
    }

    /// Keeps the lab and records what it made (see [`State`]): the
    /// processes, the inventory and environment `harden-lab exec` gives harden.
    pub fn keep_for(
        &mut self,
        inventory: Option<&Path>,
        env: &[(&str, &str)],
    ) -> Result<(), LabError> {
        let mut pids: Vec<u32> = self.hosts.iter().map(|h| h.anchor_pid).collect();
        if let Ok(v) = self.helpers.lock() {
            pids.extend(v.iter().map(std::process::Child::id));
        }
        let st = State {
            controller_ns: self.controller_ns(),
            inventory: inventory.map(Path::to_path_buf),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            pids: pids
                .into_iter()
                .filter_map(|p| start_time(p).map(|t| (p, t)))
                .collect(),
        };
        st.write(&self.dir)?;
        std::fs::write(self.dir.join("keep"), "").map_err(|e| LabError(e.to_string()))?;
        self.keep = true;
        Ok(())
    }
}

/// The directory and record of the kept lab `id` (exactly that id).
pub fn kept(id: &str) -> Result<(PathBuf, State), LabError> {
    let dir = owner::Registry::system().lab_dir(id)?;
    let st = State::read(&dir)?;
    Ok((dir, st))
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
