//! The disks control against REAL LUKS headers: loop devices formatted
//! with cryptsetup 2.6.1 in the root namespace (loop devices and /dev are
//! shared with the lab hosts, whose /dev is a bind of the root's), read by
//! `harden drift` on lab host otc-db-1, which declares them by `UUID=`
//! (resolved on the host with `blkid -c /dev/null -U`, no cache).
//!
//! A LUKS2 header at the floor passes every header check; a plain ext4
//! device, a LUKS1 header, a weak cipher (aes-cbc-essiv:sha256, 256-bit
//! key) and a PBKDF2 keyslot are each a drift finding of their own check.
//! This kernel has no device-mapper, so no mapping can be opened: the
//! mount check reports "nothing is mounted" for every device here, and
//! the mapping and mount checks themselves are covered by parsing real
//! lsblk and cryptsetup output captured as fixtures (unit tests in
//! `src/controls/disks/tests.rs`).
//!
//! Every loop device is detached by its own path and its image removed,
//! also when an assertion fails (Drop). Nothing here touches the root
//! namespace's network.

use std::path::PathBuf;
use std::process::Command;

use crate::util::TestLab;

/// One image file attached to a loop device; detached and removed on drop.
struct Loop {
    image: PathBuf,
    dev: String,
}

impl Loop {
    fn new(dir: &std::path::Path, name: &str) -> Loop {
        let image = dir.join(format!("{name}.img"));
        let f = std::fs::File::create(&image).expect("image");
        f.set_len(32 << 20).expect("size");
        let out = Command::new("losetup")
            .args(["-f", "--show"])
            .arg(&image)
            .output()
            .expect("losetup");
        assert!(
            out.status.success(),
            "losetup: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let dev = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert!(dev.starts_with("/dev/loop"), "{dev}");
        Loop { image, dev }
    }

    fn sh(&self, script: &str) {
        let out = Command::new("sh")
            .args(["-c", script, "sh", &self.dev])
            .output()
            .expect("sh");
        assert!(
            out.status.success(),
            "{script}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Loop {
    fn drop(&mut self) {
        let _ = Command::new("losetup").args(["-d", &self.dev]).status();
        let _ = std::fs::remove_file(&self.image);
    }
}

fn uuid() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/uuid")
        .expect("uuid")
        .trim()
        .to_string()
}

/// `(check, status, actual)` of the disks findings for item `item`.
fn of(report: &serde_json::Value, item: &str) -> Vec<(String, String, String)> {
    let mut v = Vec::new();
    for h in report["hosts"].as_array().into_iter().flatten() {
        for f in h["findings"].as_array().into_iter().flatten() {
            if f["control"] == "disks" && f["item"] == item {
                let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
                v.push((s("check"), s("status"), s("actual")));
            }
        }
    }
    v
}

fn status<'a>(f: &'a [(String, String, String)], check: &str) -> (&'a str, &'a str) {
    f.iter()
        .find(|(c, _, _)| c == check)
        .map(|(_, s, a)| (s.as_str(), a.as_str()))
        .unwrap_or_else(|| panic!("no {check} finding in {f:?}"))
}

#[test]
fn real_luks_headers_through_drift_on_a_lab_host() {
    // Declared first, dropped last: after every loop is detached.
    let dir = TempDir::new();
    let dir = &dir.0;
    let good = Loop::new(dir, "good");
    let luks1 = Loop::new(dir, "luks1");
    let weak = Loop::new(dir, "weak");
    let pbkdf2 = Loop::new(dir, "pbkdf2");
    let plain = Loop::new(dir, "plain");
    let ids: Vec<String> = (0..5).map(|_| uuid()).collect();
    let fmt = |l: &Loop, u: &str, opts: &str| {
        l.sh(&format!(
            "printf pw | cryptsetup luksFormat -q --uuid {u} {opts} --key-file - \"$1\""
        ))
    };
    // At the floor: argon2id, 256 MiB, time cost 4, aes-xts-plain64/512.
    fmt(
        &good,
        &ids[0],
        "--type luks2 --pbkdf argon2id --pbkdf-memory 262144 --pbkdf-force-iterations 4",
    );
    fmt(
        &luks1,
        &ids[1],
        "--type luks1 --pbkdf-force-iterations 1000",
    );
    fmt(&weak, &ids[2], "--type luks2 --cipher aes-cbc-essiv:sha256 --key-size 256 --pbkdf argon2id --pbkdf-memory 262144 --pbkdf-force-iterations 4");
    fmt(
        &pbkdf2,
        &ids[3],
        "--type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000",
    );
    plain.sh(&format!("mkfs.ext4 -q -F -U {} \"$1\"", ids[4]));

    let disks: Vec<String> = ["good", "luks1", "weak", "pbkdf2", "plain"]
        .iter()
        .zip(&ids)
        .map(|(n, u)| format!("{{ device = \"UUID={u}\", name = \"{n}\", mount = \"/srv/{n}\", fs = \"ext4\", key = \"prompt\" }}"))
        .collect();
    let inv = crate::util::PAIR.replace("disks = []", &format!("disks = [{}]", disks.join(", ")));
    let t = TestLab::new(&["otc-db-1", "otc-app-1"], &inv);
    let r = t.harden(&["drift", "--format", "json"]);
    r.code(2);
    let rep = r.json();
    let item = |i: usize| format!("UUID={}", ids[i]);

    // LUKS2 at the floor: every header check passes.
    let f = of(&rep, &item(0));
    for c in [
        "luks-version",
        "luks-cipher",
        "luks-keyslot",
        "luks-reencrypt",
    ] {
        assert_eq!(status(&f, c).0, "in-sync", "{c}: {f:?}");
    }
    assert!(
        status(&f, "luks-cipher")
            .1
            .contains("aes-xts-plain64, 512-bit key"),
        "{f:?}"
    );
    // No device-mapper here: nothing can be mounted from a mapping.
    assert_eq!(
        status(&f, "crypt-mount"),
        ("drift", "nothing is mounted at /srv/good")
    );
    // LUKS1 (and its PBKDF2 keyslot).
    let f = of(&rep, &item(1));
    assert_eq!(status(&f, "luks-version"), ("drift", "LUKS1"));
    assert_eq!(status(&f, "luks-keyslot").0, "drift");
    assert!(status(&f, "luks-keyslot").1.contains("pbkdf2"), "{f:?}");
    // A weak cipher and key size.
    let f = of(&rep, &item(2));
    assert_eq!(status(&f, "luks-version").0, "in-sync");
    assert_eq!(
        status(&f, "luks-cipher"),
        (
            "drift",
            "segment 0: cipher aes-cbc-essiv:sha256; segment 0: 256-bit key"
        )
    );
    assert_eq!(status(&f, "luks-keyslot").0, "in-sync", "{f:?}");
    // A PBKDF2 keyslot on LUKS2.
    let f = of(&rep, &item(3));
    assert_eq!(status(&f, "luks-version").0, "in-sync");
    assert_eq!(status(&f, "luks-cipher").0, "in-sync");
    let (s, a) = status(&f, "luks-keyslot");
    assert!(
        s == "drift" && a.starts_with("keyslot 0: pbkdf2 (sha256, 1000 iterations)"),
        "{f:?}"
    );
    // A plain ext4 device: not encrypted at all.
    let f = of(&rep, &item(4));
    assert_eq!(
        status(&f, "luks-version"),
        ("drift", "no LUKS header: the device is not encrypted")
    );
    // The rows harden keeps in sync, and swap (none on this machine, or
    // whatever the root namespace has: it is reported either way).
    assert!(
        crate::util::drifting(&rep).contains(&(
            "otc-db-1".into(),
            "file-rows".into(),
            "/etc/crypttab".into()
        )),
        "{rep}"
    );
    // A declared device that is not attached.
    drop(plain);
    let r = t.harden(&["drift", "--format", "json"]);
    r.code(2);
    let f = of(&r.json(), &item(4));
    assert_eq!(status(&f, "device-present").0, "drift", "{f:?}");
}

/// A private directory for the images, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let d = std::env::temp_dir().join(format!("harden-disks-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("tempdir");
        TempDir(d)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// apply writes the crypttab and fstab rows of the declared disks and
/// nothing else: every other line stays byte for byte, a second apply
/// changes nothing, and the report-only findings (the device is not
/// attached) stay drift. No loop device is needed: rows are rendered
/// from the inventory.
#[test]
fn crypttab_and_fstab_rows_are_applied_key_level_and_settle() {
    let u = uuid();
    let disk = format!("{{ device = \"UUID={u}\", name = \"data\", mount = \"/srv/data\", fs = \"xfs\", key = \"/etc/luks-keys/data.key\" }}");
    let inv = crate::util::PAIR.replace("disks = []", &format!("disks = [{disk}]"));
    let t = TestLab::new(&["otc-db-1", "otc-app-1"], &inv);
    let crypttab = "# <target name>\t<source device>\t\t<key file>\t<options>\r\nswap_x\t/dev/vda2\t/dev/urandom\tswap,cipher=aes-xts-plain64,size=512\r\n";
    let fstab = "# static file system information\nUUID=5b4d1e0e-8a4f-4a8c-9a62-2f7f6c1d9a01 / ext4 errors=remount-ro 0 1\n/dev/mapper/data   /srv/data   ext4   defaults   0 0\n";
    t.on(
        "otc-db-1",
        &format!("printf '%s' '{crypttab}' > /etc/crypttab && printf '%s' '{fstab}' > /etc/fstab && chmod 0640 /etc/crypttab"),
    );
    let r = t.harden(&["apply", "--yes", "--format", "json"]);
    let _ = r.json();
    assert_eq!(
        t.on("otc-db-1", "cat /etc/crypttab"),
        format!(
            "{crypttab}# harden: managed keys\r\ndata UUID={u} /etc/luks-keys/data.key luks\r\n"
        )
    );
    assert_eq!(
        t.on("otc-db-1", "cat /etc/fstab"),
        "# static file system information\nUUID=5b4d1e0e-8a4f-4a8c-9a62-2f7f6c1d9a01 / ext4 errors=remount-ro 0 1\n/dev/mapper/data /srv/data xfs defaults,nofail 0 2\n"
    );
    assert_eq!(
        t.on("otc-db-1", "stat -c %a /etc/crypttab").trim(),
        "640",
        "mode kept"
    );
    // Settled: a second apply writes nothing; the device findings remain.
    let r = t.harden(&["apply", "--yes", "--format", "json"]);
    let rep = r.json();
    for h in rep["hosts"].as_array().expect("hosts") {
        assert_eq!(h["changes_applied"], 0, "{h}");
    }
    let d = crate::util::drifting(&rep);
    assert!(
        d.contains(&(
            "otc-db-1".into(),
            "device-present".into(),
            format!("UUID={u}")
        )),
        "{d:?}"
    );
    assert!(
        d.contains(&("otc-db-1".into(), "key-file".into(), format!("UUID={u}"))),
        "{d:?}"
    );
    assert!(!d.iter().any(|(_, c, _)| c == "file-rows"), "{d:?}");
}
