//! The diagnostic codes only the disks section emits: `inv-disk-…` while
//! a host's `disks` list loads, `pol-disk-floor` for a floor below
//! harden's minimums and `pol-data-disks-undeclared` from the cross-host
//! rule; listed in `harden codes` through
//! [`Section::codes`](crate::contract::section::Section::codes).

use crate::contract::section::Unchecked;
use crate::inventory::validate::CodeInfo;

const TOM: Option<&str> = Some(crate::tom::DISK_ENCRYPTION.id);

/// Codes only this section emits.
pub(super) const CODES: &[CodeInfo] = &[
    CodeInfo {
        code: "inv-disk-device",
        severity: "error",
        tom: None,
        description: "a disk `device` is not `/dev/disk/by-id/…`, `/dev/disk/by-path/…` or `UUID=<uuid>`",
    },
    CodeInfo {
        code: "inv-disk-name",
        severity: "error",
        tom: None,
        description: "a disk mapping `name` is not 1-32 of `[a-z0-9_-]`",
    },
    CodeInfo {
        code: "inv-disk-mount",
        severity: "error",
        tom: None,
        description: "a disk `mount` is not an absolute, plain path outside the system directories",
    },
    CodeInfo {
        code: "inv-disk-fs",
        severity: "error",
        tom: None,
        description: "a disk `fs` is not `ext4` or `xfs`",
    },
    CodeInfo {
        code: "inv-disk-key",
        severity: "error",
        tom: None,
        description: "a disk `key` is not an absolute key-file path, `prompt`, `tpm2` or `clevis`",
    },
    CodeInfo {
        code: "inv-disk-duplicate",
        severity: "error",
        tom: None,
        description: "two disks of one host share a device, a mapping name or a mount point",
    },
    CodeInfo {
        code: "inv-disk-cipher",
        severity: "error",
        tom: None,
        description: "`[defaults.disks] ciphers` is empty or names a cipher twice",
    },
    CodeInfo {
        code: "pol-disk-floor",
        severity: "error",
        tom: TOM,
        description: "`[defaults.disks]` loosens the LUKS floor below harden's minimums (cipher, key size, argon2id memory or time)",
    },
    CodeInfo {
        code: "pol-data-disks-undeclared",
        severity: "error",
        tom: TOM,
        description: "a host with the data role does not declare its data disks (`disks = [...]`, or `disks = []` for none)",
    },
    CodeInfo {
        code: "pol-data-disks-none",
        severity: "warning",
        tom: TOM,
        description: "a data host declares `disks = []`: no volume of it is verified as encrypted, so TOM-1.2-disk-encryption rests on something harden does not check there",
    },
];

/// The warnings that leave a measure unchecked: a data host without
/// declared volumes has none verified as encrypted.
pub(super) const UNCHECKED: &[Unchecked] = &[Unchecked {
    code: "pol-data-disks-none",
    measures: &[crate::tom::DISK_ENCRYPTION],
    concerns: super::section::no_volumes,
}];
