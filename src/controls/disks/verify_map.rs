//! What the block-device tree and the swap table must show: each declared
//! mount point backed by a dm-crypt mapping of exactly the declared
//! device (lsblk: the mounted device has TYPE `crypt` and that device as
//! its only PKNAME), the declared device present, its key file root-only,
//! and every swap area absent or encrypted (its `/sys/block/dm-N/dm/uuid`
//! starts with `CRYPT-`; zram is not disk-backed). Report-only
//! ([`Fix::None`]).

use crate::contract::kinds::{BlockDevice, DevType, FileInfo, FileType};
use crate::contract::Fix;
use crate::report::model::Finding;

use super::host_kind::DiskHostFacts;
use super::model::Disk;

const C: &str = "disks";
const TOM: &str = crate::tom::DISK_ENCRYPTION.id;
const LSBLK: &str =
    "read by `lsblk --json --list --bytes -o NAME,PATH,TYPE,FSTYPE,UUID,MOUNTPOINTS,PKNAME,SIZE`";

fn kind_name(k: &DevType) -> String {
    match k {
        DevType::Disk => "disk".into(),
        DevType::Part => "part".into(),
        DevType::Crypt => "crypt".into(),
        DevType::Loop => "loop".into(),
        DevType::Lvm => "lvm".into(),
        DevType::Rom => "rom".into(),
        DevType::Raid(s) | DevType::Other(s) => s.clone(),
    }
}

/// The mapping check of `d`, whose device resolved to `node`.
pub fn mapping(d: &Disk, item: &str, node: &str, devs: &[BlockDevice]) -> Finding {
    let kname = devs
        .iter()
        .find(|b| b.path == node)
        .map(|b| b.name.clone())
        .unwrap_or_else(|| node.rsplit('/').next().unwrap_or(node).to_string());
    let fs = d.fs.as_str();
    let want = format!(
        "{} mounted from crypt mapping `{}` ({fs}) of {kname}",
        d.mount, d.name
    );
    let actual = match devs.iter().find(|b| b.mountpoints.contains(&d.mount)) {
        None => format!("nothing is mounted at {}", d.mount),
        Some(m) if m.kind != DevType::Crypt => format!(
            "{} mounted from {} (TYPE {}), not a crypt mapping",
            d.mount,
            m.path,
            kind_name(&m.kind)
        ),
        Some(m) if m.parents != [kname.clone()] => format!(
            "{} mounted from crypt mapping `{}` of {}, not of {kname}",
            d.mount,
            m.name,
            if m.parents.is_empty() {
                "no parent".into()
            } else {
                m.parents.join(", ")
            }
        ),
        Some(m) => format!(
            "{} mounted from crypt mapping `{}` ({}) of {kname}",
            d.mount,
            m.name,
            m.fstype.as_deref().unwrap_or("unknown filesystem")
        ),
    };
    Finding::new(C, "crypt-mount", item, TOM)
        .compare(want, actual, Fix::None)
        .with_message(LSBLK)
}

/// The device-present check; `None` when the device resolved.
pub fn missing(item: &str, uuid: bool) -> Finding {
    let how = if uuid {
        format!("`blkid -U` finds no device with {item}")
    } else {
        format!("`readlink -e {item}` finds no device")
    };
    Finding::new(C, "device-present", item, TOM)
        .drift("the declared device exists", how, Fix::None)
        .with_message(
            "check the device name (ls -l /dev/disk/by-id) and that the volume is attached",
        )
}

/// The key file check: a regular file, owned by root, no group or other
/// access (read by `stat -c '%f %u %g %s %U %G'`).
pub fn key_file(item: &str, path: &str, info: Option<&FileInfo>) -> Finding {
    let want = format!("{path}: a regular file owned by root, mode 0400 or 0600");
    let actual = match info {
        None => format!("{path}: absent"),
        Some(i) if i.kind != FileType::Regular => format!("{path}: not a regular file"),
        Some(i) if i.uid != 0 || i.mode & 0o077 != 0 || i.mode & 0o7000 != 0 => {
            format!("{path}: owner {}, mode {:04o}", i.owner, i.mode)
        }
        Some(_) => want.clone(),
    };
    Finding::new(C, "key-file", item, TOM)
        .compare(want, actual, Fix::None)
        .with_message(format!("read by `stat -c '%f %u %g %s %U %G' {path}`"))
}

/// The swap check of a host that holds data.
pub fn swap(h: &DiskHostFacts) -> Finding {
    let mut problems = Vec::new();
    let mut seen = Vec::new();
    for s in &h.swaps {
        let kname = s.path.strip_prefix("/dev/").unwrap_or("");
        if kname.starts_with("zram") {
            seen.push(format!("{} (zram, not disk-backed)", s.path));
            continue;
        }
        match kname.starts_with("dm-").then(|| h.dm_uuid(kname)).flatten() {
            Some(u) if u.starts_with("CRYPT-") => {
                let t = u.split('-').nth(1).unwrap_or("?");
                seen.push(format!("{} (dm-crypt, CRYPT-{t})", s.path));
            }
            Some(u) => problems.push(format!(
                "{} is a device-mapper device whose dm uuid `{}` does not start with CRYPT-",
                s.path,
                super::section_values::shown(u)
            )),
            None => problems.push(format!("{} ({}) is plain swap", s.path, s.kind)),
        }
    }
    let src = "read from /proc/swaps and /sys/block/dm-*/dm/uuid";
    let f = Finding::new(C, "swap", "swap", TOM);
    let want = "no swap, or swap on dm-crypt only";
    if problems.is_empty() {
        let ok = if seen.is_empty() {
            "no swap".to_string()
        } else {
            seen.join("; ")
        };
        f.ok(ok).with_message(src)
    } else {
        f.drift(want, problems.join("; "), Fix::None).with_message(format!(
            "{src}; swap holds pages of the data in clear: put it on a crypt mapping (crypttab `swap` with a random key) or turn it off"
        ))
    }
}
