//! The crypttab and fstab lines of a new volume and the line-level edit
//! that puts them in: the one line for this target (crypttab field 1) or
//! mount point (fstab field 2) is replaced or appended; every other line
//! stays byte for byte.

use super::device::Target;
use crate::controls::disks::files;
use crate::controls::disks::model::{DeviceRef, Disk, KeySource};

/// The declared disk `t` sets up, as the disks control sees it: both
/// render their crypttab and fstab rows through the same functions.
fn as_disk(t: &Target) -> Disk {
    Disk {
        device: DeviceRef::Path(t.device.clone()),
        name: t.name.clone(),
        mount: t.mount.clone(),
        fs: t.fs,
        key: KeySource::File(t.key_file.clone()),
    }
}

/// `<name> <device> <key file> luks`: the row the disks control expects.
pub fn crypttab_line(t: &Target) -> String {
    files::crypttab_row(&as_disk(t)).join(" ")
}

/// `/dev/mapper/<name> <mount> <fs> defaults,nofail 0 2` (`nofail`: a
/// missing key or disk does not stop the boot at an emergency shell).
pub fn fstab_line(t: &Target) -> String {
    files::fstab_row(&as_disk(t)).join(" ")
}

/// What [`upsert`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edit {
    /// The line was added at the end.
    Appended,
    /// These lines were replaced (the first) or removed (duplicates).
    Replaced(Vec<String>),
    /// The line was already there, alone.
    Unchanged,
}

fn key_of(line: &str, field: usize) -> Option<&str> {
    let t = line.trim_start();
    if t.starts_with('#') {
        return None;
    }
    t.split_whitespace().nth(field)
}

/// `text` (None: no file) with `line` as the only non-comment line whose
/// field `field` (0-based) is `key`.
pub fn upsert(text: Option<&str>, field: usize, key: &str, line: &str) -> (String, Edit) {
    let text = text.unwrap_or("");
    let mut out = String::with_capacity(text.len() + line.len() + 1);
    let mut replaced = Vec::new();
    let mut placed = false;
    for l in text.split_inclusive('\n') {
        let body = l.strip_suffix('\n').unwrap_or(l);
        if key_of(body, field) == Some(key) {
            replaced.push(body.to_string());
            if !placed {
                out.push_str(line);
                out.push('\n');
                placed = true;
            }
            continue;
        }
        out.push_str(l);
    }
    if placed {
        if replaced.len() == 1 && replaced[0] == line {
            return (text.to_string(), Edit::Unchanged);
        }
        return (out, Edit::Replaced(replaced));
    }
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(line);
    out.push('\n');
    (out, Edit::Appended)
}
