//! The facts a host's probes returned, as the controls read them.
//!
//! Files keep their bytes (a revocation list is binary), commands their
//! exit code, stdout and stderr. Typed readings go through a
//! [`Kind`](crate::contract::kinds::Kind): [`Facts::kind`] finds the
//! command result under the kind's id and parses it, so no control parses
//! raw output by hand.

use std::collections::BTreeMap;

use crate::contract::kinds::{CmdOutput, Kind, KindError};

/// What was found at a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileFact {
    /// The path.
    pub path: String,
    /// Whether it exists (as a regular file).
    pub present: bool,
    /// Whether something other than a regular file is there.
    pub not_regular: bool,
    /// Octal permission bits.
    pub mode: u32,
    /// Owner name.
    pub owner: String,
    /// Group name.
    pub group: String,
    /// Content.
    pub content: Vec<u8>,
}

impl FileFact {
    /// Nothing at `path`.
    pub fn absent(path: &str) -> Self {
        FileFact {
            path: path.to_string(),
            present: false,
            not_regular: false,
            mode: 0,
            owner: String::new(),
            group: String::new(),
            content: Vec::new(),
        }
    }

    /// Content as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.content).into_owned()
    }
}

/// The result of a command probe.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CmdFact {
    /// Exit code.
    pub rc: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl CmdFact {
    /// True when the command exited 0.
    pub fn ok(&self) -> bool {
        self.rc == 0
    }
}

/// Facts every run gathers, whatever the controls ask for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BaseFacts {
    /// Address the host sees harden connecting from (`$SSH_CONNECTION`).
    pub client_addr: Option<std::net::IpAddr>,
    /// Effective uid of the probe (0 expected).
    pub uid: Option<u32>,
    /// systemd is PID 1.
    pub systemd: bool,
    /// `uname -n`.
    pub hostname: String,
}

/// Everything known about one host.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// Always-gathered basics.
    pub base: BaseFacts,
    pub(crate) files: BTreeMap<String, FileFact>,
    pub(crate) dirs: BTreeMap<String, Vec<FileFact>>,
    pub(crate) cmds: BTreeMap<String, CmdFact>,
    pub(crate) api: BTreeMap<String, serde_json::Value>,
    pub(crate) tls: BTreeMap<String, crate::contract::outside::TlsSeen>,
    /// True for facts that were not read from a host (offline `render`).
    pub assumed: bool,
}

impl Facts {
    /// Empty facts for offline rendering.
    pub fn assumed() -> Self {
        Facts {
            assumed: true,
            ..Default::default()
        }
    }

    /// The file at `path` (absent when it was not probed or does not exist).
    pub fn file(&self, path: &str) -> FileFact {
        self.files
            .get(path)
            .cloned()
            .unwrap_or_else(|| FileFact::absent(path))
    }

    /// Entries of a probed directory.
    pub fn dir(&self, path: &str) -> &[FileFact] {
        self.dirs.get(path).map(Vec::as_slice).unwrap_or(&[])
    }

    /// A command result, if the command was probed.
    pub fn cmd(&self, id: &str) -> Option<&CmdFact> {
        self.cmds.get(id)
    }

    /// Adds the facts of a later probe round (the second phase).
    pub fn merge(&mut self, more: Facts) {
        self.files.extend(more.files);
        self.dirs.extend(more.dirs);
        self.cmds.extend(more.cmds);
        self.api.extend(more.api);
        self.tls.extend(more.tls);
    }

    /// What an outside TLS probe saw, if it was probed.
    pub fn tls(&self, id: &str) -> Option<&crate::contract::outside::TlsSeen> {
        self.tls.get(id)
    }

    /// Sets an outside TLS probe's result (the engine and tests).
    pub fn set_tls(&mut self, id: &str, seen: crate::contract::outside::TlsSeen) {
        self.tls.insert(id.to_string(), seen);
    }

    /// The JSON answer of an API probe, if it was probed.
    pub fn api(&self, id: &str) -> Option<&serde_json::Value> {
        self.api.get(id)
    }

    /// Sets an API answer (the HTTP backend and tests).
    pub fn set_api(&mut self, id: &str, answer: serde_json::Value) {
        self.api.insert(id.to_string(), answer);
    }

    /// The typed value of fact kind `k`, parsed from its command probe
    /// ([`Probe::kind`](crate::contract::Probe::kind)).
    pub fn kind<K: Kind>(&self, k: &K) -> Result<K::Value, KindError> {
        let id = k.id();
        let c = self
            .cmds
            .get(&id)
            .ok_or_else(|| KindError::not_probed(&id))?;
        k.parse(&CmdOutput {
            rc: c.rc,
            stdout: &c.stdout,
            stderr: &c.stderr,
        })
    }

    /// Sets a command result (tests and offline rendering).
    pub fn set_cmd(&mut self, id: &str, fact: CmdFact) {
        self.cmds.insert(id.to_string(), fact);
    }

    /// Sets a file (tests).
    pub fn set_file(&mut self, path: &str, content: &str, mode: u32) {
        self.files.insert(
            path.to_string(),
            FileFact {
                path: path.to_string(),
                present: true,
                not_regular: false,
                mode,
                owner: "root".into(),
                group: "root".into(),
                content: content.as_bytes().to_vec(),
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::kinds::listeners::Listeners;
    use crate::contract::Probe;

    #[test]
    fn a_kind_is_read_from_its_own_probe_and_an_unprobed_kind_is_an_error() {
        let k = Listeners;
        let Probe::Cmd { id, .. } = Probe::kind(&k) else {
            panic!("a kind is a command probe");
        };
        let mut f = Facts::default();
        assert_eq!(f.kind(&k).map_err(|e| e.code()), Err("FACT-MISSING"));
        f.set_cmd(
            &id,
            CmdFact {
                rc: 0,
                stdout: "tcp   LISTEN 0      128          0.0.0.0:22        0.0.0.0:*    users:((\"sshd\",pid=1,fd=3))".into(),
                stderr: String::new(),
            },
        );
        let got = f.kind(&k).expect("parsed");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].port, 22);
        let mut later = Facts::default();
        later.set_api("fw", serde_json::json!({"firewalls": []}));
        f.merge(later);
        assert!(
            f.api("fw").is_some() && f.kind(&k).is_ok(),
            "merge keeps both rounds"
        );
    }
}
