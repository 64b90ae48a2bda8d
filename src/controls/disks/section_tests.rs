//! The disks section through the real loader: the typed settings, the
//! floor that may only be raised, located `inv-disk-…` errors and the
//! data-host policy.

use std::path::Path;

use super::super::model::{DeviceRef, Disk, DiskSettings, Fs, KeySource, LuksFloor};
use crate::controls::sections::sections;
use crate::inventory::{load_str, Inventory};

const HEAD: &str =
    "[defaults]\ncontroller_sources = [\"10.213.0.2\"]\nknown_hosts = \"known_hosts\"\n";

fn host(role: &str, extra: &str) -> String {
    format!("\n[[hosts]]\nname = \"db-1\"\naddress = \"10.0.0.1\"\nprovider = \"telekom\"\nenvironment = \"test\"\nroles = [\"{role}\"]\n{extra}")
}

fn load(text: &str) -> Result<Inventory, String> {
    load_str(Path::new("/x/inv.toml"), text.to_string(), sections()).map_err(|e| e.to_string())
}

fn errors(text: &str) -> String {
    match load(text) {
        Ok(_) => panic!("the inventory loaded: {text}"),
        Err(e) => e,
    }
}

const DISK: &str = "{ device = \"/dev/disk/by-id/virtio-data1\", name = \"data\", mount = \"/srv/data\", fs = \"ext4\", key = \"prompt\" }";

#[test]
fn a_host_declares_its_disks_and_the_floor_can_be_raised() {
    let text = format!(
        "{HEAD}[defaults.disks]\nkey_bits = 512\npbkdf_memory_kib = 1048576\nciphers = [\"aes-xts-plain64\", \"serpent-xts-plain64\"]\n{}",
        host("data", &format!("disks = [{DISK}, {{ device = \"UUID=0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0\", name = \"logs\", mount = \"/srv/logs\", fs = \"xfs\", key = \"/etc/luks-keys/logs.key\" }}]\n"))
    );
    let inv = load(&text).expect("loads");
    let s = inv.hosts[0].settings::<DiskSettings>();
    assert!(s.declared && s.require_encrypted_swap);
    assert_eq!(
        s.disks,
        vec![
            Disk {
                device: DeviceRef::Path("/dev/disk/by-id/virtio-data1".into()),
                name: "data".into(),
                mount: "/srv/data".into(),
                fs: Fs::Ext4,
                key: KeySource::Prompt,
            },
            Disk {
                device: DeviceRef::Uuid("0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0".into()),
                name: "logs".into(),
                mount: "/srv/logs".into(),
                fs: Fs::Xfs,
                key: KeySource::File("/etc/luks-keys/logs.key".into()),
            }
        ]
    );
    assert_eq!(s.floor.pbkdf_memory_kib, 1_048_576, "raised");
    assert_eq!(
        s.floor.pbkdf_time_cost,
        LuksFloor::default().pbkdf_time_cost
    );
    assert_eq!(s.floor.ciphers.len(), 2);
    // An app host without the table: nothing declared, nothing required.
    let inv = load(&format!("{HEAD}{}", host("app", ""))).expect("loads");
    assert_eq!(
        inv.hosts[0].settings::<DiskSettings>(),
        &DiskSettings::default()
    );
}

#[test]
fn bad_values_are_located_with_stable_codes() {
    let bad = |field: &str, value: &str| {
        let mut v = [
            ("device", "/dev/disk/by-id/virtio-data1"),
            ("name", "data"),
            ("mount", "/srv/data"),
            ("fs", "ext4"),
            ("key", "prompt"),
        ];
        for kv in v.iter_mut().filter(|kv| kv.0 == field) {
            kv.1 = value;
        }
        let d: Vec<String> = v.iter().map(|(k, v)| format!("{k} = \"{v}\"")).collect();
        let d = format!("{{ {} }}", d.join(", "));
        errors(&format!(
            "{HEAD}{}",
            host("data", &format!("disks = [{d}]\n"))
        ))
    };
    let cases = [
        (
            "device",
            "/dev/sdb",
            "inv-disk-device",
            "not a stable device name",
        ),
        (
            "device",
            "/dev/disk/by-id/../sda",
            "inv-disk-device",
            "not a plain name",
        ),
        ("device", "UUID=ABC", "inv-disk-device", "UUID="),
        ("name", "Data Vol", "inv-disk-name", "[a-z0-9_-]"),
        ("mount", "/", "inv-disk-mount", "system directory"),
        ("mount", "/srv/../etc", "inv-disk-mount", "absolute path"),
        ("fs", "btrfs", "inv-disk-fs", "not supported"),
        ("key", "keys/data.key", "inv-disk-key", "neither"),
        ("key", "/tmp/data.key", "inv-disk-key", "neither"),
    ];
    for (field, value, code, text) in cases {
        let e = bad(field, value);
        assert!(
            e.contains("/x/inv.toml:11:")
                && e.contains(&format!("error[{code}]: hosts[0].disks[0].{field}:")),
            "{field}={value}: {e}"
        );
        assert!(e.contains(text), "{field}={value}: {e}");
        assert!(
            e.contains("help:") || e.contains("= help"),
            "a fix is shown: {e}"
        );
    }
    // The same mapping name twice.
    let two = DISK
        .replace("virtio-data1", "virtio-data2")
        .replace("/srv/data", "/srv/b");
    let e = errors(&format!(
        "{HEAD}{}",
        host("data", &format!("disks = [{DISK}, {two}]\n"))
    ));
    assert!(
        e.contains("error[inv-disk-duplicate]: hosts[0].disks[1].name"),
        "{e}"
    );
    // An unknown key: serde's inv-schema at its place.
    let e = errors(&format!("{HEAD}{}", host("data", "disks = [{ device = \"UUID=0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0\", name = \"d\", mount = \"/srv/d\", fs = \"ext4\", key = \"prompt\", cipher = \"x\" }]\n")));
    assert!(e.contains("error[inv-schema]: hosts[0].disks[0]"), "{e}");
}

#[test]
fn the_floor_is_never_loosened_below_hardens_minimums() {
    for (line, key) in [
        ("key_bits = 256", "defaults.disks.key_bits"),
        (
            "pbkdf_memory_kib = 32768",
            "defaults.disks.pbkdf_memory_kib",
        ),
        ("pbkdf_time_cost = 1", "defaults.disks.pbkdf_time_cost"),
        (
            "ciphers = [\"aes-cbc-essiv:sha256\"]",
            "defaults.disks.ciphers[0]",
        ),
    ] {
        let e = errors(&format!(
            "{HEAD}[defaults.disks]\n{line}\n{}",
            host("data", "disks = []\n")
        ));
        assert!(
            e.contains(&format!("error[pol-disk-floor]: {key}")),
            "{line}: {e}"
        );
        assert!(e.contains("TOM-1.2-disk-encryption"), "{e}");
    }
    let e = errors(&format!(
        "{HEAD}[defaults.disks]\nciphers = []\n{}",
        host("app", "")
    ));
    assert!(
        e.contains("error[inv-disk-cipher]: defaults.disks.ciphers"),
        "{e}"
    );
}

#[test]
fn a_data_host_declares_its_disks() {
    let e = errors(&format!("{HEAD}{}", host("data", "")));
    assert!(
        e.contains("/x/inv.toml:10:9: error[pol-data-disks-undeclared]: hosts[0].roles: data host `db-1` does not declare its data disks"),
        "{e}"
    );
    assert!(
        e.contains("TOM-1.2-disk-encryption") && e.contains("disks = ["),
        "{e}"
    );
    // `disks = []` declares that it has none of its own: it loads, with a
    // warning that nothing on the host is verified as encrypted.
    let inv = load(&format!("{HEAD}{}", host("data", "disks = []\n"))).expect("loads");
    assert!(inv.hosts[0].settings::<DiskSettings>().declared);
    let warned: Vec<String> = inv.warnings.iter().map(|d| d.to_string()).collect();
    assert!(
        warned
            .iter()
            .any(|w| w.contains("warning[pol-data-disks-none]")
                && w.contains("data host `db-1` declares no data disks")),
        "{warned:?}"
    );
    // A data host with a declared disk gets no such warning.
    let inv = load(&format!(
        "{HEAD}{}",
        host("data", &format!("disks = [{DISK}]\n"))
    ))
    .expect("loads");
    assert!(
        !inv.warnings
            .iter()
            .any(|d| d.to_string().contains("pol-data-disks-none")),
        "{:?}",
        inv.warnings
    );
    // A host that declares disks holds data (the gatekeeper rule reads this).
    let inv = load(&format!(
        "{HEAD}{}",
        host("app", &format!("disks = [{DISK}]\n"))
    ))
    .expect("loads");
    let why = crate::controls::haproxy::section::policy::holds_data(&inv.hosts[0]);
    assert_eq!(
        why.as_deref(),
        Some("`db-1` declares 1 data disk(s) (hosts[].disks)")
    );
    let inv = load(&format!("{HEAD}{}", host("app", "disks = []\n"))).expect("loads");
    assert_eq!(
        crate::controls::haproxy::section::policy::holds_data(&inv.hosts[0]),
        None
    );
}
