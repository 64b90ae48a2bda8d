//! The `/etc/crypttab` and `/etc/fstab` rows of the declared disks, kept
//! in sync key by key ([`TableSpec`]: crypttab keyed by the target name,
//! fstab by the mount point); every other line of both files stays as it
//! is. `harden disk encrypt` writes the same rows ([`crypttab_row`],
//! [`fstab_row`]).

use crate::contract::keyed::table::TableSpec;
use crate::contract::{Facts, Plan, RenderError};

use super::host_kind::declared;
use super::model::{Disk, KeySource};

/// The crypttab path.
pub const CRYPTTAB: &str = "/etc/crypttab";
/// The fstab path.
pub const FSTAB: &str = "/etc/fstab";
/// Mode of a new crypttab or fstab (neither holds a secret: a key is
/// named by its path, never written here).
pub const MODE: u32 = 0o644;

/// `<name> <device> <key file|none> <options>`.
pub fn crypttab_row(d: &Disk) -> Vec<String> {
    let (key, opts) = match &d.key {
        KeySource::File(p) => (p.as_str(), "luks"),
        KeySource::Prompt => ("none", "luks"),
        KeySource::Tpm2 => ("none", "luks,tpm2-device=auto"),
        KeySource::Clevis => ("none", "luks,_netdev"),
    };
    vec![d.name.clone(), declared(&d.device), key.into(), opts.into()]
}

/// `/dev/mapper/<name> <mount> <fs> defaults,nofail 0 2` (`nofail`: a
/// volume that is not unlocked does not stop the boot).
pub fn fstab_row(d: &Disk) -> Vec<String> {
    let extra = match d.key {
        KeySource::Clevis => "defaults,nofail,_netdev",
        _ => "defaults,nofail",
    };
    vec![
        format!("/dev/mapper/{}", d.name),
        d.mount.clone(),
        d.fs.as_str().into(),
        extra.into(),
        "0".into(),
        "2".into(),
    ]
}

/// The crypttab rows (keyed by target name).
pub fn crypttab_spec(disks: &[Disk]) -> TableSpec {
    TableSpec {
        key_field: 0,
        rows: disks.iter().map(crypttab_row).collect(),
    }
}

/// The fstab rows (keyed by mount point).
pub fn fstab_spec(disks: &[Disk]) -> TableSpec {
    TableSpec {
        key_field: 1,
        rows: disks.iter().map(fstab_row).collect(),
    }
}

/// Adds both files' `file-rows` findings and their guarded writes.
pub fn plan_files(
    p: &mut Plan,
    disks: &[Disk],
    facts: &Facts,
    tom: &'static str,
) -> Result<(), RenderError> {
    if disks.is_empty() {
        return Ok(());
    }
    for (path, spec) in [(CRYPTTAB, crypttab_spec(disks)), (FSTAB, fstab_spec(disks))] {
        p.table_rows(path, &spec, &facts.file(path), MODE, tom)
            .map_err(|e| RenderError(format!("{path}: {e}")))?;
    }
    // systemd's generators turn both files into units: reload them.
    p.activate
        .push("if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi".into());
    Ok(())
}

#[cfg(test)]
#[path = "files_tests.rs"]
mod tests;
