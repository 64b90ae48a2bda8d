//! Is the device empty? One probe round trip and the pure parsers that
//! read its answers as hostile input (bounded, no control characters,
//! typed errors), each finding naming the command it came from.
//!
//! A device is empty only when every source agrees: it resolves to a
//! writable block device of non-zero size, `blkid -p` exits 2 (nothing
//! found), `wipefs -n` lists nothing, `sfdisk -d` (where installed) dumps
//! no partition table, `/sys/class/block/<dev>` shows no
//! holders (device-mapper, LVM, RAID) and no partitions, its major:minor is
//! in no line of `/proc/self/mountinfo`, it is no active swap, and neither
//! `/etc/fstab` nor `/etc/crypttab` names it. Besides, the mapping name,
//! the mount point and the key file must be unused.

use std::collections::BTreeSet;
use std::fmt;

use super::device::Target;
use crate::contract::{sh_quote, Facts, Probe};

pub use super::parse::{blkid, lines, mountinfo, sfdisk, state, swaps, tab_refs, wipefs, State};

/// Probe ids.
pub mod id {
    /// Resolution and `/sys` state.
    pub const STATE: &str = "disk.state";
    /// `blkid -p -o export`.
    pub const BLKID: &str = "disk.blkid";
    /// `wipefs -n`.
    pub const WIPEFS: &str = "disk.wipefs";
    /// `sfdisk -d` (where util-linux ships it).
    pub const SFDISK: &str = "disk.sfdisk";
    /// `/proc/self/mountinfo`.
    pub const MOUNTINFO: &str = "disk.mountinfo";
    /// `/proc/swaps`.
    pub const SWAPS: &str = "disk.swaps";
}

/// The files read whole.
pub const FSTAB: &str = "/etc/fstab";
/// See [`FSTAB`].
pub const CRYPTTAB: &str = "/etc/crypttab";

/// Largest fstab/crypttab harden edits.
pub const MAX_TAB: usize = 256 << 10;

/// Something that makes the device (or the names it would take) not
/// provably free.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occupant {
    /// What was found.
    pub found: String,
    /// The command or file that said so.
    pub source: String,
}

impl fmt::Display for Occupant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (from `{}`)", self.found, self.source)
    }
}

/// What the probe round found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inspection {
    /// The device node the declared path resolves to (`/dev/sdb`).
    pub kernel_path: String,
    /// Its kernel name (`sdb`).
    pub kname: String,
    /// `major:minor`.
    pub devno: String,
    /// Size in 512-byte sectors.
    pub sectors: u64,
    /// `/etc/fstab` as read (None: absent).
    pub fstab: Option<String>,
    /// `/etc/crypttab` as read (None: absent).
    pub crypttab: Option<String>,
    /// Everything that is in the way; empty means provably empty.
    pub occupants: Vec<Occupant>,
}

/// The probes of one inspection.
pub fn probes(t: &Target) -> BTreeSet<Probe> {
    let dev = sh_quote(&t.device);
    let state = format!(
        r#"d=$(readlink -f -- {dev}) || {{ echo "resolve=failed"; exit 0; }}
echo "path=$d"
if [ ! -b "$d" ]; then echo "block=0"; exit 0; fi
echo "block=1"
k=${{d##*/}}
s=/sys/class/block/$k
echo "kname=$k"
echo "devno=$(cat "$s/dev")"
echo "size=$(cat "$s/size")"
echo "ro=$(cat "$s/ro")"
for h in "$s"/holders/*; do if [ -e "$h" ]; then echo "holder=${{h##*/}}"; fi; done
for p in "$s"/*/partition; do if [ -e "$p" ]; then p=${{p%/partition}}; echo "part=${{p##*/}}"; fi; done
if [ -e /dev/mapper/{name} ] || [ -L /dev/mapper/{name} ]; then echo "mapper=1"; fi
if [ -e {key} ] || [ -L {key} ]; then echo "key=1"; fi
true"#,
        name = sh_quote(&t.name),
        key = sh_quote(&t.key_file),
    );
    [
        Probe::cmd(id::STATE, state),
        Probe::cmd(id::BLKID, format!("blkid -p -o export -- {dev}")),
        Probe::cmd(id::WIPEFS, format!("wipefs -n -- {dev}")),
        Probe::cmd(
            id::SFDISK,
            format!("if command -v sfdisk >/dev/null 2>&1; then sfdisk -d -- {dev}; else echo '#no-sfdisk'; fi"),
        ),
        Probe::cmd(id::MOUNTINFO, "cat /proc/self/mountinfo"),
        Probe::cmd(id::SWAPS, "cat /proc/swaps"),
        Probe::File(FSTAB.into()),
        Probe::File(CRYPTTAB.into()),
    ]
    .into_iter()
    .collect()
}

fn tab_text(facts: &Facts, path: &str) -> Result<Option<String>, String> {
    let f = facts.file(path);
    if f.not_regular {
        return Err(format!("{path} is not a regular file"));
    }
    if !f.present {
        return Ok(None);
    }
    if f.content.len() > MAX_TAB {
        return Err(format!("{path} is larger than {MAX_TAB} bytes"));
    }
    String::from_utf8(f.content)
        .map(Some)
        .map_err(|_| format!("{path} is not UTF-8; harden does not edit it"))
}

/// Reads one inspection from its facts.
pub fn read(t: &Target, facts: &Facts) -> Result<Inspection, String> {
    let cmd = |id: &str| facts.cmd(id).ok_or_else(|| format!("no answer to {id}"));
    let st = cmd(id::STATE)?;
    let s = state(t, st.rc, &st.stdout)?;
    let mut occupants = s.occupants.clone();
    let fstab = tab_text(facts, FSTAB)?;
    let crypttab = tab_text(facts, CRYPTTAB)?;
    if s.kname.is_empty() {
        return Ok(Inspection {
            kernel_path: s.path,
            kname: s.kname,
            devno: s.devno,
            sectors: 0,
            fstab,
            crypttab,
            occupants,
        });
    }
    let b = cmd(id::BLKID)?;
    occupants.extend(blkid(b.rc, &b.stdout)?);
    let w = cmd(id::WIPEFS)?;
    occupants.extend(wipefs(w.rc, &w.stdout, &w.stderr)?);
    if let Some(sf) = facts.cmd(id::SFDISK) {
        occupants.extend(sfdisk(sf.rc, &sf.stdout)?);
    }
    let m = cmd(id::MOUNTINFO)?;
    if m.rc != 0 {
        return Err(format!("cat /proc/self/mountinfo: exit {}", m.rc));
    }
    occupants.extend(mountinfo(&s.devno, &t.mount, &m.stdout)?);
    let names = [t.device.as_str(), s.path.as_str()];
    let sw = cmd(id::SWAPS)?;
    occupants.extend(swaps(&names, &sw.stdout)?);
    if let Some(text) = &fstab {
        occupants.extend(tab_refs(FSTAB, text, 0, &names)?);
    }
    if let Some(text) = &crypttab {
        occupants.extend(tab_refs(CRYPTTAB, text, 1, &names)?);
    }
    Ok(Inspection {
        kernel_path: s.path,
        kname: s.kname,
        devno: s.devno,
        sectors: s.sectors,
        fstab,
        crypttab,
        occupants,
    })
}
