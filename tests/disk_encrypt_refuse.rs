//! `harden disk encrypt` refuses a device that holds anything — a
//! filesystem, a mounted filesystem, a partition table, a LUKS header —
//! naming what it found and from which command, and writes nothing: the
//! image's SHA-256 is unchanged and no key file appears. Helpers are in
//! `tests/disk_encrypt.rs`.

use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::process::Command;

use crate::disk_encrypt::{audit_log, disk, encrypt, lab, on_host, Loop, HOST, KEY};
use crate::util::run;

fn sh(cmd: &str) {
    let mut c = Command::new("sh");
    c.args(["-c", cmd]);
    run(c).code(0);
}

fn ext4(p: &Path) {
    sh(&format!("mkfs.ext4 -q -F {}", p.display()));
}

/// Refuses, names each finding with its source, and leaves the image as it was.
#[track_caller]
fn refuses(t: &crate::util::TestLab, d: &Loop, wants: &[&str]) {
    let before = d.sha();
    let said = encrypt(t, disk(&d.dev), true);
    let e = said.error();
    assert!(
        e.contains("[disk-not-empty]") && e.contains("nothing was written"),
        "{e}"
    );
    for w in wants {
        assert!(e.contains(w), "missing `{w}` in\n{e}");
    }
    assert_eq!(d.sha(), before, "the device is byte for byte unchanged");
    assert!(!on_host(t, KEY).exists(), "no key file was created");
    assert!(
        !said.out.contains("harden will:"),
        "no steps offered: {}",
        said.out
    );
}

#[test]
fn refuses_filesystems_mounts_partition_tables_and_luks_headers() {
    let t = lab();

    // Through the real binary: a device that is not declared is refused.
    t.harden(&[
        "disk",
        "encrypt",
        "--host",
        HOST,
        "--device",
        "/dev/loop0",
        "--yes",
    ])
    .code(1)
    .says("[disk-not-declared]");

    let fs = Loop::new(ext4);
    refuses(
        &t,
        &fs,
        &[
            "an ext4 signature (TYPE=ext4 USAGE=filesystem) (from `blkid -p`)",
            "an ext4 signature at offset 0x438 (from `wipefs -n`)",
        ],
    );

    let mounted = Loop::new(ext4);
    t.on(
        HOST,
        &format!("mkdir -p /mnt/busy && mount {} /mnt/busy", mounted.dev),
    );
    refuses(
        &t,
        &mounted,
        &["it is mounted at \"/mnt/busy\" (from `/proc/self/mountinfo`)"],
    );
    t.on(HOST, "umount /mnt/busy");

    let table = Loop::new(|p| {
        // An MBR with one Linux partition from sector 2048.
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(p)
            .expect("image");
        let mut entry = [0u8; 16];
        entry[4] = 0x83;
        entry[8..12].copy_from_slice(&2048u32.to_le_bytes());
        entry[12..16].copy_from_slice(&65536u32.to_le_bytes());
        f.seek(SeekFrom::Start(446))
            .and_then(|_| f.write_all(&entry))
            .expect("entry");
        f.seek(SeekFrom::Start(510))
            .and_then(|_| f.write_all(&[0x55, 0xaa]))
            .expect("sig");
    });
    refuses(
        &t,
        &table,
        &[
            "a partition table (PTTYPE=dos) (from `blkid -p`)",
            "a dos signature at offset 0x1fe",
        ],
    );

    let luks = Loop::new(|p| {
        let key = p.with_extension("key");
        std::fs::write(&key, b"test key, not a secret").expect("key");
        sh(&format!(
            "cryptsetup luksFormat --batch-mode --type luks2 --pbkdf-memory 32768 --pbkdf-force-iterations 4 --key-file {} {}",
            key.display(),
            p.display()
        ));
    });
    refuses(
        &t,
        &luks,
        &[
            "a LUKS header (TYPE=crypto_LUKS VERSION=2) (from `blkid -p`)",
            "crypto_LUKS signature",
        ],
    );

    let log = String::from_utf8_lossy(&audit_log(&t)).into_owned();
    assert_eq!(log.matches("\"disk-encrypt-refused\"").count(), 4, "{log}");
    assert!(!log.contains("\"disk-encrypt\""));
}

/// The set-up script itself re-checks right before `luksFormat`: a
/// filesystem written after harden inspected the device stops it there.
#[test]
fn the_script_rechecks_emptiness_immediately_before_luks_format() {
    use harden::disk::script::{script, tab_edits, Plan, EXIT_NOT_EMPTY};
    let t = lab();
    let d = Loop::new(|_| {});
    let target =
        harden::disk::device::target(&disk(&d.dev), &crate::disk_encrypt::floor()).expect("target");
    let kname = d.dev.trim_start_matches("/dev/").to_string();
    let devno = std::fs::read_to_string(format!("/sys/class/block/{kname}/dev")).expect("devno");
    let plan = Plan {
        tabs: tab_edits(&target, None, None),
        target,
        kernel_path: d.dev.clone(),
        kname,
        devno: devno.trim().to_string(),
        run_id: "recheck-test".into(),
    };
    // Between harden's inspection (blank) and its script, someone writes.
    sh(&format!("mkfs.ext4 -q -F {}", d.dev));
    let before = d.sha();
    let out = t
        .lab
        .host(HOST)
        .sh(&script(&plan, "n0nce"))
        .expect("run script");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(EXIT_NOT_EMPTY), "{err}");
    assert!(err.contains("blkid -p now exits 0"), "{err}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("@@n0nce key"));
    assert_eq!(d.sha(), before, "nothing written");
    assert!(!on_host(&t, KEY).exists(), "no key file");
}
