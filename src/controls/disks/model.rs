//! The disk control's typed settings: what its section loads from
//! `hosts[].disks` (with floors from `[defaults.disks]`), read by the
//! verification on the host and by `harden disk encrypt`.
//!
//! Every string here was validated at load: devices are stable paths
//! (`/dev/disk/by-id/…`) or a `UUID=`, names are dm-safe, mount points are
//! absolute and config-safe.

/// Effective disk settings of one host (`disks` empty: nothing declared).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiskSettings {
    /// Declared data disks, in inventory order.
    pub disks: Vec<Disk>,
    /// Whether the host writes `disks` at all (`disks = []` declares that
    /// it keeps no data on volumes of its own; absent on a data host is a
    /// `pol-data-disks-undeclared` error).
    pub declared: bool,
    /// What every LUKS keyslot and segment must meet.
    pub floor: LuksFloor,
    /// Swap must be absent or encrypted (always true on data hosts).
    pub require_encrypted_swap: bool,
    /// Why data hosts with `disks = []` and no provider volume check are
    /// accepted (`[defaults.disks] waiver`, shown in every report); without
    /// it such a host drifts (`data-volumes`).
    pub waiver: Option<String>,
}

/// One encrypted data volume.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disk {
    /// The block device holding the LUKS2 container.
    pub device: DeviceRef,
    /// The dm-crypt mapping name (`/dev/mapper/<name>`): `[a-z0-9_-]{1,32}`.
    pub name: String,
    /// Where the opened filesystem is mounted (absolute).
    pub mount: String,
    /// The filesystem inside.
    pub fs: Fs,
    /// How the container is unlocked at boot.
    pub key: KeySource,
}

/// A device named so that it survives reboots and re-enumeration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceRef {
    /// `/dev/disk/by-id/…` (or `/dev/disk/by-path/…`).
    Path(String),
    /// `UUID=<uuid>` of the LUKS header (lower-case, dashed).
    Uuid(String),
}

/// The filesystem inside the container.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fs {
    /// ext4.
    Ext4,
    /// XFS.
    Xfs,
}

impl Fs {
    /// The name `mkfs.<fs>`, fstab and lsblk use.
    pub fn as_str(self) -> &'static str {
        match self {
            Fs::Ext4 => "ext4",
            Fs::Xfs => "xfs",
        }
    }
}

/// How the container is unlocked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// A root-only key file on the host (absolute path).
    File(String),
    /// A passphrase typed at the console at boot (`none` in crypttab).
    Prompt,
    /// A TPM2-bound token (systemd-cryptenroll; documented option).
    Tpm2,
    /// A network-bound key (clevis/tang; documented option).
    Clevis,
}

/// Minimum LUKS parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LuksFloor {
    /// Accepted data-segment ciphers (default `aes-xts-plain64` only).
    pub ciphers: Vec<String>,
    /// Minimum volume key size in bits (default 512: AES-256 in XTS).
    pub key_bits: u32,
    /// Minimum argon2id memory in KiB.
    pub pbkdf_memory_kib: u32,
    /// Minimum argon2id time cost (iterations).
    pub pbkdf_time_cost: u32,
}

impl Default for LuksFloor {
    fn default() -> Self {
        LuksFloor {
            ciphers: vec!["aes-xts-plain64".into()],
            key_bits: 512,
            pbkdf_memory_kib: 262_144,
            pbkdf_time_cost: 4,
        }
    }
}
