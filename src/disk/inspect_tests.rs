//! Tests of the emptiness parsers, with output captured from blkid 2.38.1,
//! wipefs and /proc on Debian 12 (loop devices in the lab).

use super::device::{Params, Target};
use super::inspect::*;
use crate::contract::{CmdFact, Facts};
use crate::controls::disks::model::Fs;

fn target() -> Target {
    Target {
        device: "/dev/disk/by-id/virtio-data1".into(),
        name: "data1".into(),
        mount: "/srv/data".into(),
        fs: Fs::Ext4,
        key_file: "/etc/cryptsetup-keys.d/data1.key".into(),
        params: Params {
            cipher: "aes-xts-plain64".into(),
            key_bits: 512,
            pbkdf_memory_kib: 32768,
            pbkdf_time_cost: 4,
        },
    }
}

const STATE: &str = "path=/dev/loop3\nblock=1\nkname=loop3\ndevno=7:3\nsize=131072\nro=0\n";
const MOUNTINFO: &str = "22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/root rw\n30 22 0:25 / /proc rw - proc proc rw\n";

fn facts(
    state: &str,
    blkid: (i32, &str),
    wipefs: &str,
    mountinfo: &str,
    fstab: &str,
    crypttab: &str,
) -> Facts {
    let mut f = Facts::default();
    let c = |rc, out: &str| CmdFact {
        rc,
        stdout: out.into(),
        stderr: String::new(),
    };
    f.set_cmd(id::STATE, c(0, state));
    f.set_cmd(id::BLKID, c(blkid.0, blkid.1));
    f.set_cmd(id::WIPEFS, c(0, wipefs));
    f.set_cmd(id::MOUNTINFO, c(0, mountinfo));
    f.set_cmd(
        id::SWAPS,
        c(0, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"),
    );
    f.set_file(FSTAB, fstab, 0o644);
    f.set_file(CRYPTTAB, crypttab, 0o644);
    f
}

#[test]
fn a_blank_device_is_empty() {
    let i = read(
        &target(),
        &facts(
            STATE,
            (2, ""),
            "",
            MOUNTINFO,
            "UUID=1 / ext4 defaults 0 1\n",
            "",
        ),
    )
    .unwrap();
    assert_eq!(i.occupants, vec![]);
    assert_eq!(
        (
            i.kernel_path.as_str(),
            i.kname.as_str(),
            i.devno.as_str(),
            i.sectors
        ),
        ("/dev/loop3", "loop3", "7:3", 131072)
    );
}

#[test]
fn every_kind_of_content_is_named_with_its_command() {
    let ext4 = "DEVNAME=/dev/loop0\nUUID=06174429-362b-4e6a-9b95-a631027be8e6\nVERSION=1.0\nBLOCK_SIZE=1024\nTYPE=ext4\nUSAGE=filesystem\n";
    let cases: &[(&str, (i32, &str), &str)] = &[
        (
            "an ext4 signature (TYPE=ext4 USAGE=filesystem)",
            (0, ext4),
            "blkid -p",
        ),
        (
            "a partition table (PTTYPE=dos)",
            (0, "DEVNAME=/dev/loop0\nPTTYPE=dos\n"),
            "blkid -p",
        ),
        (
            "a LUKS header (TYPE=crypto_LUKS VERSION=2)",
            (
                0,
                "DEVNAME=/dev/loop0\nVERSION=2\nTYPE=crypto_LUKS\nUSAGE=crypto\n",
            ),
            "blkid -p",
        ),
        (
            "an LVM physical volume",
            (0, "TYPE=LVM2_member\nUSAGE=raid\n"),
            "blkid -p",
        ),
        ("a RAID member", (0, "TYPE=linux_raid_member\n"), "blkid -p"),
        ("cannot be proven empty", (8, ""), "blkid -p"),
        (
            "found something it does not name",
            (0, "DEVNAME=/dev/loop0\n"),
            "blkid -p",
        ),
    ];
    for (want, b, src) in cases {
        let i = read(&target(), &facts(STATE, *b, "", MOUNTINFO, "", "")).unwrap();
        assert!(
            i.occupants
                .iter()
                .any(|o| o.found.contains(want) && o.source == *src),
            "{want}: {:?}",
            i.occupants
        );
    }
    let w = "DEVICE OFFSET TYPE UUID                                 LABEL\nloop0  0x438  ext4 06174429-362b-4e6a-9b95-a631027be8e6 \n";
    let i = read(&target(), &facts(STATE, (2, ""), w, MOUNTINFO, "", "")).unwrap();
    assert_eq!(i.occupants.len(), 1);
    assert_eq!(
        i.occupants[0].to_string(),
        "an ext4 signature at offset 0x438 (from `wipefs -n`)"
    );
}

#[test]
fn an_sfdisk_dump_is_a_partition_table() {
    let dump = "label: gpt\nlabel-id: 3C1B2F6E-0D6A-4D7B-9A57-5D9B1E4A2C11\ndevice: /dev/loop0\nunit: sectors\n\n/dev/loop0p1 : start=2048, size=129024, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n";
    let mut f = facts(STATE, (2, ""), "", MOUNTINFO, "", "");
    f.set_cmd(
        id::SFDISK,
        CmdFact {
            rc: 0,
            stdout: dump.into(),
            stderr: String::new(),
        },
    );
    let i = read(&target(), &f).unwrap();
    assert_eq!(i.occupants.len(), 1, "{:?}", i.occupants);
    assert_eq!(
        i.occupants[0].to_string(),
        "a partition table (label: gpt) (from `sfdisk -d`)"
    );
    for (rc, out) in [(1, ""), (0, "#no-sfdisk\n")] {
        f.set_cmd(
            id::SFDISK,
            CmdFact {
                rc,
                stdout: out.into(),
                stderr: String::new(),
            },
        );
        assert_eq!(
            read(&target(), &f).unwrap().occupants,
            vec![],
            "{rc} {out:?}"
        );
    }
}

#[test]
fn holders_partitions_mounts_swap_and_tab_references_are_in_the_way() {
    let st = format!("{STATE}holder=dm-0\nholder=md127\npart=loop3p1\nmapper=1\nkey=1\n");
    let mi = format!("{MOUNTINFO}41 22 7:3 / /mnt/old rw - ext4 /dev/loop3 rw\n42 22 7:9 / /srv/data rw - ext4 /dev/loop9 rw\n");
    let mut f = facts(
        &st,
        (2, ""),
        "",
        &mi,
        "# /dev/loop3 commented\n/dev/loop3 /mnt/old ext4 defaults 0 2\n",
        "old /dev/disk/by-id/virtio-data1 none luks\n",
    );
    f.set_cmd(
        id::SWAPS,
        CmdFact {
            rc: 0,
            stdout: "Filename Type Size Used Priority\n/dev/loop3 partition 1 0 -2\n".into(),
            stderr: String::new(),
        },
    );
    let i = read(&target(), &f).unwrap();
    let all: Vec<String> = i.occupants.iter().map(|o| o.to_string()).collect();
    for want in [
        "dm-0",
        "RAID",
        "loop3p1",
        "/dev/mapper/data1",
        "key file",
        "mounted at \"/mnt/old\"",
        "mount point /srv/data",
        "active swap",
        "/etc/fstab line 2",
        "/etc/crypttab line 1",
    ] {
        assert!(all.iter().any(|o| o.contains(want)), "{want}: {all:#?}");
    }
    assert_eq!(all.len(), 10, "{all:#?}");
}

#[test]
fn not_a_block_device_and_hostile_output() {
    let i = read(
        &target(),
        &facts(
            "path=/etc/passwd\nblock=0\n",
            (2, ""),
            "",
            MOUNTINFO,
            "",
            "",
        ),
    )
    .unwrap();
    assert!(
        i.occupants[0].found.contains("not a block device"),
        "{:?}",
        i.occupants
    );
    for bad in [
        "path=/dev/loop3\nblock=1\nkname=loop3\ndevno=7:3\x1b[2J\nsize=1\n",
        "path=/dev/loop3\nblock=1\nkname=lo op\ndevno=7:3\nsize=1\n",
        "path=/dev/loop3\nblock=1\nkname=loop3\ndevno=7;3\nsize=1\n",
        "path=/dev/lo'op3\nblock=1\nkname=loop3\ndevno=7:3\nsize=1\n",
        "path=/dev/loop3\nblock=1\nkname=loop3\ndevno=7:3\nsize=lots\n",
        "surprise\n",
        "",
    ] {
        assert!(
            read(&target(), &facts(bad, (2, ""), "", MOUNTINFO, "", "")).is_err(),
            "{bad:?}"
        );
    }
    let huge = "x".repeat(5000);
    assert!(lines("t", &huge).is_err());
    assert!(mountinfo("7:3", "/srv", "1 2 3\n").is_err());
    let mut f = facts(STATE, (2, ""), "", MOUNTINFO, "", "");
    f.set_file(FSTAB, &"#".repeat(MAX_TAB + 1), 0o644);
    assert!(read(&target(), &f).unwrap_err().contains("larger"));
}
