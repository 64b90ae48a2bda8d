//! Tests of the shown steps, the set-up script and its progress markers.

use super::device::{Params, Target};
use super::script::*;
use super::tabs::Edit;
use crate::controls::disks::model::Fs;

fn plan() -> Plan {
    let target = Target {
        device: "/dev/disk/by-id/virtio-data1".into(),
        name: "data1".into(),
        mount: "/srv/data".into(),
        fs: Fs::Ext4,
        key_file: "/etc/cryptsetup-keys.d/data1.key".into(),
        params: Params {
            cipher: "aes-xts-plain64".into(),
            key_bits: 512,
            pbkdf_memory_kib: 262144,
            pbkdf_time_cost: 4,
        },
    };
    Plan {
        tabs: tab_edits(&target, Some("# crypttab\n"), None),
        target,
        kernel_path: "/dev/vdb".into(),
        kname: "vdb".into(),
        devno: "254:16".into(),
        run_id: "20261202T030000Z-0badcafe".into(),
    }
}

#[test]
fn the_shown_steps_name_every_command_with_its_parameters() {
    let p = plan();
    let s = steps(&p);
    let all = s.join("\n");
    for want in [
        "cryptsetup luksFormat --batch-mode --type luks2 --cipher aes-xts-plain64 --key-size 512 --pbkdf argon2id --pbkdf-memory 262144 --pbkdf-force-iterations 4 --key-file /etc/cryptsetup-keys.d/data1.key /dev/vdb",
        "luksHeaderBackup /dev/vdb --header-backup-file /var/lib/harden/luks-headers/data1-<uuid>.img",
        "cryptsetup open --type luks2 --key-file /etc/cryptsetup-keys.d/data1.key /dev/vdb data1",
        "mkfs.ext4 -q /dev/mapper/data1",
        "/etc/crypttab: append the line `data1 /dev/disk/by-id/virtio-data1 /etc/cryptsetup-keys.d/data1.key luks`",
        "/etc/fstab: append the line `/dev/mapper/data1 /srv/data ext4 defaults,nofail 0 2`",
        "mount -t ext4 /dev/mapper/data1 /srv/data",
        "/dev/urandom",
    ] {
        assert!(all.contains(want), "{want}\n{all}");
    }
    let sc = script(&p, "n0nce");
    for cmd in [format_cmd(&p), "mkfs.ext4 -q /dev/mapper/data1".to_string()] {
        assert!(sc.contains(&cmd), "{cmd}");
    }
}

#[test]
fn the_script_rechecks_before_luks_format_under_the_exclusive_lock() {
    let sc = script(&plan(), "n0nce");
    let at = |needle: &str| {
        sc.find(needle)
            .unwrap_or_else(|| panic!("{needle} missing"))
    };
    assert!(at("flock -x") < at("blkid -p"));
    for check in [
        "blkid -p",
        "wipefs -n",
        "/holders/*",
        "/proc/self/mountinfo",
        "/dev/mapper/data1 ]",
    ] {
        assert!(
            at(check) < at("cryptsetup luksFormat"),
            "{check} must come before luksFormat"
        );
    }
    assert!(at("head -c 64 /dev/urandom") < at("cryptsetup luksFormat"));
    assert!(
        at("set -C") < at("head -c 64"),
        "the key file is never overwritten"
    );
    assert!(at("luksHeaderBackup") < at("cryptsetup open"));
    assert!(at("cryptsetup open") < at("mkfs.ext4") && at("mkfs.ext4") < at("/etc/crypttab"));
    assert!(sc.contains(&format!("exit {EXIT_NO_DM}")));
    assert!(
        !sc.contains("cat /etc/cryptsetup-keys.d"),
        "the key is never read back"
    );
    // crypttab was read: its hash guards the write; fstab was absent.
    assert!(sc.contains("[ \"$c\" = absent ]"));
}

#[test]
fn unchanged_tabs_are_not_rewritten() {
    let mut p = plan();
    p.tabs = tab_edits(
        &p.target,
        Some("data1 /dev/disk/by-id/virtio-data1 /etc/cryptsetup-keys.d/data1.key luks\n"),
        Some("/dev/mapper/data1 /srv/data ext4 defaults,nofail 0 2\n"),
    );
    assert!(p.tabs.iter().all(|t| t.edit == Edit::Unchanged));
    assert!(!script(&p, "n").contains(".harden-tmp"));
}

#[test]
fn progress_reads_only_framed_well_formed_markers() {
    let u = "0b6e3f0e-1111-2222-3333-444455556666";
    let out = format!(
        "@@n checked\n@@n key\n@@n formatted\n@@n uuid {u}\n@@n backup /var/lib/harden/luks-headers/data1-{u}.img\n@@x opened\n"
    );
    let p = Progress::parse(&out, "n", "data1");
    assert!(p.checked && p.key && p.formatted && !p.opened);
    assert_eq!(p.uuid.as_deref(), Some(u));
    assert!(p
        .describe()
        .contains("header backup is /var/lib/harden/luks-headers/data1-"));
    let bad = Progress::parse("@@n uuid ../../etc\n@@n backup /etc/shadow\n", "n", "data1");
    assert_eq!((bad.uuid, bad.backup), (None, None));
    assert_eq!(Progress::default().describe(), "nothing was written");
}

#[test]
fn the_header_read_back_is_checked_against_the_parameters() {
    use super::remote::header_problems;
    use crate::contract::kinds::{Kdf, LuksHeader, LuksKeyslot, LuksSegment};
    let want = plan().target.params;
    let good = LuksHeader {
        version: 2,
        segments: vec![LuksSegment {
            id: 0,
            kind: "crypt".into(),
            encryption: Some("aes-xts-plain64".into()),
            key_bits: Some(512),
            flags: vec![],
        }],
        keyslots: vec![LuksKeyslot {
            id: 0,
            kind: "luks2".into(),
            key_bits: Some(512),
            kdf: Some(Kdf::Argon2 {
                id: true,
                time: 4,
                memory_kib: 262144,
                parallel: 4,
            }),
        }],
        tokens: vec![],
        requirements: vec![],
    };
    assert_eq!(header_problems(&good, &want), Vec::<String>::new());
    let mut weak = good.clone();
    weak.version = 1;
    weak.segments[0].encryption = Some("aes-cbc-essiv:sha256".into());
    weak.segments[0].key_bits = Some(256);
    weak.keyslots[0].kdf = Some(Kdf::Pbkdf2 {
        hash: "sha256".into(),
        iterations: 1000,
    });
    let p = header_problems(&weak, &want);
    assert_eq!(p.len(), 4, "{p:?}");
    let mut cheap = good;
    cheap.keyslots[0].kdf = Some(Kdf::Argon2 {
        id: true,
        time: 4,
        memory_kib: 32768,
        parallel: 4,
    });
    assert_eq!(header_problems(&cheap, &want).len(), 1);
}
