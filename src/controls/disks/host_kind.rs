//! `DiskHost`: the disk facts no shared kind reads, in one command probe:
//! the active swap areas (`/proc/swaps`), the dm UUID of every
//! device-mapper device (`/sys/block/dm-*/dm/uuid`: `CRYPT-LUKS2-…` for
//! an opened LUKS2 volume) and where each declared device resolves now
//! (`readlink -e` of a stable path, `blkid -c /dev/null -U` of a UUID,
//! confirmed by probing the node itself with `blkid -p`: the lookup may
//! answer from a stale udev link of a device detached since).
//!
//! Host output is hostile: sizes and counts are bounded, a control
//! character in a value is refused.

use crate::contract::kinds::{CmdOutput, Kind, KindError};
use crate::contract::sh_quote;

use super::model::DeviceRef;

const ID: &str = "kind.disks-host";
const CMD: &str = "cat /proc/swaps; cat /sys/block/dm-*/dm/uuid; readlink -e / blkid -U";
const MAX_BYTES: usize = 1 << 20;
const MAX_LINES: usize = 4096;

/// The probe, for the declared devices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiskHost {
    /// Declared devices, validated by the section.
    pub devices: Vec<DeviceRef>,
}

/// One active swap area.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Swap {
    /// Its `Filename` column (`/dev/dm-1`, `/dev/zram0`, `/swapfile`).
    pub path: String,
    /// Its `Type` column (`partition`, `file`).
    pub kind: String,
}

/// What the probe read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiskHostFacts {
    /// Active swap areas.
    pub swaps: Vec<Swap>,
    /// `(dm-N, uuid)` of every device-mapper device.
    pub dm_uuids: Vec<(String, String)>,
    /// `(declared device, node it resolves to)`; `None`: it does not exist.
    pub resolved: Vec<(String, Option<String>)>,
}

impl DiskHostFacts {
    /// The dm UUID of kernel device `dm-N`, if it has one.
    pub fn dm_uuid(&self, kname: &str) -> Option<&str> {
        self.dm_uuids
            .iter()
            .find(|(n, _)| n == kname)
            .map(|(_, u)| u.as_str())
    }

    /// The node a declared device (as [`declared`] spells it) resolves to.
    pub fn node(&self, declared: &str) -> Option<&str> {
        self.resolved
            .iter()
            .find(|(d, _)| d == declared)
            .and_then(|(_, r)| r.as_deref())
    }
}

/// A device as the inventory writes it (`/dev/disk/by-id/x`, `UUID=…`).
pub fn declared(d: &DeviceRef) -> String {
    match d {
        DeviceRef::Path(p) => p.clone(),
        DeviceRef::Uuid(u) => format!("UUID={u}"),
    }
}

impl Kind for DiskHost {
    type Value = DiskHostFacts;

    fn id(&self) -> String {
        ID.to_string()
    }

    fn script(&self) -> String {
        let mut s = String::from(
            "echo @@swaps\nhead -n 1000 /proc/swaps 2>/dev/null\necho @@dm\n\
             for f in /sys/block/dm-*/dm/uuid; do [ -r \"$f\" ] || continue; \
             n=${f#/sys/block/}; n=${n%%/*}; printf '%s %s\\n' \"$n\" \"$(head -c 256 \"$f\")\"; done\n\
             echo @@dev\n",
        );
        for d in &self.devices {
            // `blkid -U` may answer from a stale udev link of a detached
            // device: the node must carry the UUID when probed itself.
            let (label, cmd, check) = match d {
                DeviceRef::Path(p) => (p.clone(), format!("readlink -e -- {}", sh_quote(p)), String::new()),
                DeviceRef::Uuid(u) => (
                    format!("UUID={u}"),
                    format!("blkid -c /dev/null -U {}", sh_quote(u)),
                    format!(
                        " && [ \"$(blkid -c /dev/null -p -s UUID -o value -- \"$r\" 2>/dev/null)\" = {} ]",
                        sh_quote(u)
                    ),
                ),
            };
            s.push_str(&format!(
                "if r=$({cmd} 2>/dev/null) && [ -n \"$r\" ]{check}; then printf '%s %s\\n' {l} \"$r\"; \
                 else printf '%s @@missing\\n' {l}; fi\n",
                l = sh_quote(&label)
            ));
        }
        s
    }

    fn parse(&self, out: &CmdOutput<'_>) -> Result<DiskHostFacts, KindError> {
        let bad = |detail: String| KindError::Malformed {
            id: ID.to_string(),
            command: CMD,
            detail,
        };
        if out.rc != 0 {
            return Err(KindError::Failed {
                id: ID.to_string(),
                command: CMD,
                rc: out.rc,
                stderr: out
                    .stderr
                    .lines()
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(120)
                    .collect(),
            });
        }
        if out.stdout.len() > MAX_BYTES || out.stdout.lines().count() > MAX_LINES {
            return Err(KindError::TooLarge {
                id: ID.to_string(),
                command: CMD,
                what: "bytes or lines",
                limit: MAX_BYTES,
            });
        }
        let mut f = DiskHostFacts::default();
        let mut part = "";
        for (n, line) in out.stdout.lines().enumerate() {
            let at = |what: &str| bad(format!("line {}: {what}", n + 1));
            if line.chars().any(|c| c.is_control() && c != '\t') {
                return Err(at("a control character"));
            }
            if line.starts_with("@@") {
                part = line;
                continue;
            }
            let cols: Vec<&str> = line.split_whitespace().collect();
            match part {
                "@@swaps" => {
                    if cols.first() == Some(&"Filename") || cols.is_empty() {
                        continue;
                    }
                    let [path, kind, ..] = cols[..] else {
                        return Err(at("a swap line without a type"));
                    };
                    f.swaps.push(Swap {
                        path: path.to_string(),
                        kind: kind.to_string(),
                    });
                }
                "@@dm" => match cols[..] {
                    [name] if name.starts_with("dm-") => {
                        f.dm_uuids.push((name.into(), String::new()))
                    }
                    [name, uuid] if name.starts_with("dm-") => {
                        f.dm_uuids.push((name.into(), uuid.into()))
                    }
                    _ => return Err(at("not `dm-N <uuid>`")),
                },
                "@@dev" => match cols[..] {
                    [d, "@@missing"] => f.resolved.push((d.into(), None)),
                    [d, r] if r.starts_with("/dev/") => f.resolved.push((d.into(), Some(r.into()))),
                    _ => return Err(at("not `<device> <node>`")),
                },
                _ => return Err(at("output before the first section marker")),
            }
        }
        if part != "@@dev" {
            return Err(bad("the output ends before the device section".into()));
        }
        Ok(f)
    }
}
