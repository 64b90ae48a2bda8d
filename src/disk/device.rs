//! The declared disk turned into what `disk encrypt` acts on, checked
//! again here: the inventory validated it, but every value that reaches a
//! shell line, crypttab or fstab is checked where it is used.

use super::Error;
use crate::controls::disks::model::{DeviceRef, Disk, Fs, KeySource, LuksFloor};

/// The LUKS2 parameters `luksFormat` is given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    /// Data-segment cipher.
    pub cipher: String,
    /// Volume key size in bits.
    pub key_bits: u32,
    /// argon2id memory in KiB (`--pbkdf-memory`).
    pub pbkdf_memory_kib: u32,
    /// argon2id iterations (`--pbkdf-force-iterations`).
    pub pbkdf_time_cost: u32,
}

/// One volume to set up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The device as declared (`/dev/disk/by-id/…`).
    pub device: String,
    /// The mapping name.
    pub name: String,
    /// The mount point.
    pub mount: String,
    /// The filesystem.
    pub fs: Fs,
    /// The key file on the host.
    pub key_file: String,
    /// LUKS parameters.
    pub params: Params,
}

/// The default cipher, used whenever the floor accepts it.
pub const CIPHER: &str = "aes-xts-plain64";
/// Bounds cryptsetup accepts for argon2id memory (KiB) and iterations.
const MEMORY_KIB: std::ops::RangeInclusive<u32> = 32..=4_194_304;
const TIME_COST: std::ops::RangeInclusive<u32> = 4..=1_000;

fn path_ok(p: &str) -> bool {
    p.len() <= 255
        && p.starts_with('/')
        && p.len() > 1
        && !p.ends_with('/')
        && p.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'/' | b'.' | b'_' | b'-' | b':' | b'@' | b'+' | b'=' | b','
                )
        })
        && !p.split('/').any(|c| c == "." || c == "..")
        && !p.contains("//")
}

/// A device path `disk encrypt` may name: absolute under `/dev/`.
pub fn device_ok(p: &str) -> bool {
    path_ok(p) && p.starts_with("/dev/")
}

fn name_ok(n: &str) -> bool {
    (1..=32).contains(&n.len())
        && n.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

fn key_file_ok(p: &str) -> bool {
    path_ok(p)
        && !["/dev/", "/proc/", "/sys/", "/tmp/", "/run/", "/var/tmp/"]
            .iter()
            .any(|d| p.starts_with(d))
}

/// The parameters for `floor`: [`CIPHER`] if accepted (else the first
/// accepted cipher), at least a 512-bit key for XTS, the floor's memory and
/// iterations exactly (forced, so a slow benchmark cannot go below them).
pub fn params(floor: &LuksFloor) -> Result<Params, Error> {
    let cipher = if floor.ciphers.iter().any(|c| c == CIPHER) {
        CIPHER.to_string()
    } else {
        floor
            .ciphers
            .first()
            .cloned()
            .ok_or_else(|| Error::Request("the LUKS floor accepts no cipher".into()))?
    };
    if cipher.is_empty()
        || cipher.len() > 64
        || !cipher
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b':')
    {
        return Err(Error::Request(format!("unusable cipher name {cipher:?}")));
    }
    let key_bits = if cipher.contains("-xts-") {
        floor.key_bits.max(512)
    } else {
        floor.key_bits
    };
    if key_bits == 0 || key_bits % 8 != 0 || key_bits > 1024 {
        return Err(Error::Request(format!("unusable key size {key_bits} bits")));
    }
    if !MEMORY_KIB.contains(&floor.pbkdf_memory_kib) {
        return Err(Error::Request(format!(
            "argon2id memory {} KiB is outside {}..={} KiB",
            floor.pbkdf_memory_kib,
            MEMORY_KIB.start(),
            MEMORY_KIB.end()
        )));
    }
    if !TIME_COST.contains(&floor.pbkdf_time_cost) {
        return Err(Error::Request(format!(
            "argon2id time cost {} is outside {}..={}",
            floor.pbkdf_time_cost,
            TIME_COST.start(),
            TIME_COST.end()
        )));
    }
    Ok(Params {
        cipher,
        key_bits,
        pbkdf_memory_kib: floor.pbkdf_memory_kib,
        pbkdf_time_cost: floor.pbkdf_time_cost,
    })
}

/// What `disk encrypt` does for `disk` under `floor`, or why it cannot.
pub fn target(disk: &Disk, floor: &LuksFloor) -> Result<Target, Error> {
    let device = match &disk.device {
        DeviceRef::Path(p) if device_ok(p) => p.clone(),
        DeviceRef::Path(p) => {
            return Err(Error::Request(format!(
                "device {p:?} is not an absolute path under /dev/ of plain characters"
            )))
        }
        DeviceRef::Uuid(u) => {
            return Err(Error::Request(format!(
                "device UUID={u} names an existing LUKS header; a new volume must be declared by its stable path (/dev/disk/by-id/…)"
            )))
        }
    };
    if !name_ok(&disk.name) {
        return Err(Error::Request(format!(
            "mapping name {:?} is not [a-z0-9_-]{{1,32}}",
            disk.name
        )));
    }
    if !path_ok(&disk.mount) {
        return Err(Error::Request(format!(
            "mount point {:?} is not an absolute path of plain characters (and not /)",
            disk.mount
        )));
    }
    let key_file = match &disk.key {
        KeySource::File(p) if key_file_ok(p) => p.clone(),
        KeySource::File(p) => {
            return Err(Error::Request(format!(
                "key file {p:?} must be an absolute path of plain characters on persistent storage (not under /dev, /proc, /sys, /tmp, /run)"
            )))
        }
        other => {
            return Err(Error::Request(format!(
                "disk encrypt sets up volumes unlocked by a key file; key = {} is added afterwards (see docs/disks.md, \"Setting up a new volume\")",
                match other {
                    KeySource::Prompt => "prompt",
                    KeySource::Tpm2 => "tpm2",
                    _ => "clevis",
                }
            )))
        }
    };
    Ok(Target {
        device,
        name: disk.name.clone(),
        mount: disk.mount.clone(),
        fs: disk.fs,
        key_file,
        params: params(floor)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disk() -> Disk {
        Disk {
            device: DeviceRef::Path("/dev/disk/by-id/virtio-data1".into()),
            name: "data1".into(),
            mount: "/srv/data".into(),
            fs: Fs::Ext4,
            key: KeySource::File("/etc/cryptsetup-keys.d/data1.key".into()),
        }
    }

    #[test]
    fn a_declared_disk_becomes_a_target_with_the_floor() {
        let t = target(&disk(), &LuksFloor::default()).unwrap();
        assert_eq!(t.device, "/dev/disk/by-id/virtio-data1");
        assert_eq!(t.params.cipher, "aes-xts-plain64");
        assert_eq!(t.params.key_bits, 512);
        assert_eq!(t.params.pbkdf_memory_kib, 262_144);
        assert_eq!(t.params.pbkdf_time_cost, 4);
        let weak = LuksFloor {
            key_bits: 256,
            ..LuksFloor::default()
        };
        assert_eq!(params(&weak).unwrap().key_bits, 512, "XTS gets 512 bits");
    }

    #[test]
    fn hostile_or_unsupported_values_are_refused() {
        let mut cases: Vec<Disk> = Vec::new();
        for dev in [
            "/dev/sdb; rm -rf /",
            "dev/sdb",
            "/dev/../etc/passwd",
            "/etc/x",
            "/dev/a b",
        ] {
            let mut d = disk();
            d.device = DeviceRef::Path(dev.into());
            cases.push(d);
        }
        let mut d = disk();
        d.device = DeviceRef::Uuid("0b6e3f0e-1111-2222-3333-444455556666".into());
        cases.push(d);
        for name in ["", "Data", "a/b", "x\n", &"a".repeat(33)] {
            let mut d = disk();
            d.name = name.into();
            cases.push(d);
        }
        for mount in ["/", "srv", "/srv/a b", "/srv/$(x)"] {
            let mut d = disk();
            d.mount = mount.into();
            cases.push(d);
        }
        for key in [
            KeySource::Prompt,
            KeySource::Tpm2,
            KeySource::Clevis,
            KeySource::File("/tmp/k".into()),
            KeySource::File("/run/k".into()),
            KeySource::File("k".into()),
        ] {
            let mut d = disk();
            d.key = key;
            cases.push(d);
        }
        for d in cases {
            let e = target(&d, &LuksFloor::default()).expect_err(&format!("{d:?}"));
            assert_eq!(e.code(), "disk-request", "{d:?}");
        }
        for floor in [
            LuksFloor {
                ciphers: vec![],
                ..LuksFloor::default()
            },
            LuksFloor {
                ciphers: vec!["aes'; x".into()],
                ..LuksFloor::default()
            },
            LuksFloor {
                pbkdf_memory_kib: 8,
                ..LuksFloor::default()
            },
            LuksFloor {
                pbkdf_time_cost: 1,
                ..LuksFloor::default()
            },
        ] {
            assert!(params(&floor).is_err(), "{floor:?}");
        }
    }
}
