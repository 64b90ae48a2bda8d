//! `BlockDevices`: every block device of a host from `lsblk --json --list`
//! (util-linux 2.38 on Debian 12 has every column used here), as a flat list
//! whose entries name their parents.
//!
//! FSTYPE and UUID come from the udev database: on a host without udev
//! (containers) they are null even for a LUKS partition.

use serde::Deserialize;

use super::error::accept;
use super::text::check_value;
use super::{CmdOutput, Kind, KindError};

const ID: &str = "kind.lsblk";
const CMD: &str = "lsblk";
const MAX_BYTES: usize = 4 << 20;
const MAX_DEVICES: usize = 4096;
const MAX_MOUNTS: usize = 256;

/// The block devices of a host.
#[derive(Clone, Copy, Debug, Default)]
pub struct BlockDevices;

/// What kind of block device (lsblk's TYPE).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DevType {
    /// A whole disk.
    Disk,
    /// A partition.
    Part,
    /// A dm-crypt mapping (an opened LUKS volume).
    Crypt,
    /// A loop device.
    Loop,
    /// An LVM logical volume.
    Lvm,
    /// An MD RAID array (`raid0`, `raid1`, … kept as printed).
    Raid(String),
    /// An optical drive.
    Rom,
    /// Anything else lsblk prints (`dm`, `mpath`, …), kept as printed.
    Other(String),
}

/// One block device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockDevice {
    /// Kernel name, e.g. `sda1`.
    pub name: String,
    /// Device node, e.g. `/dev/sda1`.
    pub path: String,
    /// Its type.
    pub kind: DevType,
    /// Filesystem or container signature (`ext4`, `crypto_LUKS`, …).
    pub fstype: Option<String>,
    /// Filesystem or container UUID.
    pub uuid: Option<String>,
    /// Where it is mounted (empty when not).
    pub mountpoints: Vec<String>,
    /// Kernel names of its parents (a partition's disk, a crypt's partition).
    pub parents: Vec<String>,
    /// Size in bytes.
    pub size: u64,
}

#[derive(Deserialize)]
struct Raw {
    blockdevices: Vec<RawDev>,
}

#[derive(Deserialize)]
struct RawDev {
    name: String,
    path: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    fstype: Option<String>,
    uuid: Option<String>,
    #[serde(default)]
    mountpoints: Vec<Option<String>>,
    pkname: Option<String>,
    size: Option<Size>,
}

/// lsblk prints SIZE as a number with `--bytes` since 2.33, as a string before.
#[derive(Deserialize)]
#[serde(untagged)]
enum Size {
    Num(u64),
    Text(String),
}

impl Kind for BlockDevices {
    type Value = Vec<BlockDevice>;

    fn id(&self) -> String {
        ID.to_string()
    }

    fn script(&self) -> String {
        "lsblk --json --list --bytes -o NAME,PATH,TYPE,FSTYPE,UUID,MOUNTPOINTS,PKNAME,SIZE"
            .to_string()
    }

    fn parse(&self, out: &CmdOutput<'_>) -> Result<Vec<BlockDevice>, KindError> {
        let bad = |detail: String| KindError::Malformed {
            id: ID.to_string(),
            command: CMD,
            detail,
        };
        accept(out, ID, CMD, MAX_BYTES)?;
        // Count before building the list: a huge array is refused by its
        // size in bytes already, this bounds the number of entries.
        if out.stdout.matches("\"name\"").count() > MAX_DEVICES {
            return Err(KindError::TooLarge {
                id: ID.to_string(),
                command: CMD,
                what: "devices",
                limit: MAX_DEVICES,
            });
        }
        let raw: Raw =
            serde_json::from_str(out.stdout).map_err(|e| bad(format!("no lsblk JSON ({e})")))?;
        let mut devs: Vec<BlockDevice> = Vec::new();
        let mut at_path: std::collections::BTreeMap<String, usize> =
            std::collections::BTreeMap::new();
        for (i, r) in raw.blockdevices.into_iter().enumerate() {
            let d = device(r).map_err(|e| bad(format!("{e} (device {})", i + 1)))?;
            // In list mode a device with two parents (RAID, multipath) is
            // printed once per parent: keep one entry with both.
            if let Some(prev) = at_path.get(&d.path).and_then(|&j| devs.get_mut(j)) {
                if prev.name != d.name || prev.kind != d.kind {
                    return Err(bad(format!("two devices at one path (device {})", i + 1)));
                }
                for p in d.parents {
                    if !prev.parents.contains(&p) {
                        prev.parents.push(p);
                    }
                }
            } else {
                at_path.insert(d.path.clone(), devs.len());
                devs.push(d);
            }
        }
        Ok(devs)
    }
}

fn device(r: RawDev) -> Result<BlockDevice, String> {
    check_value("device name", &r.name, 255)?;
    if r.name.is_empty() || r.name.contains('/') {
        return Err("an empty or slashed device name".into());
    }
    let path = r.path.ok_or("a device without a path")?;
    if !path.starts_with("/dev/") {
        return Err("a device path outside /dev".into());
    }
    check_value("device path", &path, 4096)?;
    check_value("device type", &r.kind, 32)?;
    let kind = match r.kind.as_str() {
        "disk" => DevType::Disk,
        "part" => DevType::Part,
        "crypt" => DevType::Crypt,
        "loop" => DevType::Loop,
        "lvm" => DevType::Lvm,
        "rom" => DevType::Rom,
        "" => return Err("an empty device type".into()),
        t if t.starts_with("raid") => DevType::Raid(t.to_string()),
        t => DevType::Other(t.to_string()),
    };
    let opt = |field: &str, v: Option<String>| -> Result<Option<String>, String> {
        match v {
            Some(s) if s.is_empty() => Ok(None),
            Some(s) => check_value(field, &s, 255).map(|_| Some(s)),
            None => Ok(None),
        }
    };
    let fstype = opt("fstype", r.fstype)?;
    let uuid = opt("uuid", r.uuid)?;
    if r.mountpoints.len() > MAX_MOUNTS {
        return Err(format!("more than {MAX_MOUNTS} mountpoints"));
    }
    let mut mountpoints = Vec::new();
    for m in r.mountpoints.into_iter().flatten() {
        check_value("mountpoint", &m, 4096)?;
        if !m.starts_with('/') && m != "[SWAP]" {
            return Err("a mountpoint that is not an absolute path".into());
        }
        mountpoints.push(m);
    }
    let parents = match opt("parent name", r.pkname)? {
        Some(p) => vec![p],
        None => Vec::new(),
    };
    let size = match r.size {
        None => 0,
        Some(Size::Num(n)) => n,
        Some(Size::Text(s)) => s.parse().map_err(|_| "a size that is not a number")?,
    };
    Ok(BlockDevice {
        name: r.name,
        path,
        kind,
        fstype,
        uuid,
        mountpoints,
        parents,
        size,
    })
}

#[cfg(test)]
#[path = "block_tests.rs"]
mod tests;
