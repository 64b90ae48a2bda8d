//! The crypttab/fstab rows and the table editor under them
//! ([`crate::contract::keyed::table`]): rows compare as words, comments
//! and other rows stay byte for byte, applying twice changes nothing,
//! and a field that would split or comment out a row is refused.

use super::*;
use crate::contract::keyed::table::{apply, read, TableSpec};
use crate::controls::disks::model::{DeviceRef, Disk, Fs, KeySource};

fn disk(key: KeySource) -> Disk {
    Disk {
        device: DeviceRef::Path("/dev/disk/by-id/virtio-data1".into()),
        name: "data".into(),
        mount: "/srv/data".into(),
        fs: Fs::Ext4,
        key,
    }
}

#[test]
fn rows_per_key_source() {
    let row = |k| crypttab_row(&disk(k)).join(" ");
    assert_eq!(
        row(KeySource::Prompt),
        "data /dev/disk/by-id/virtio-data1 none luks"
    );
    assert_eq!(
        row(KeySource::File("/etc/luks-keys/d.key".into())),
        "data /dev/disk/by-id/virtio-data1 /etc/luks-keys/d.key luks"
    );
    assert_eq!(
        row(KeySource::Tpm2),
        "data /dev/disk/by-id/virtio-data1 none luks,tpm2-device=auto"
    );
    assert_eq!(
        row(KeySource::Clevis),
        "data /dev/disk/by-id/virtio-data1 none luks,_netdev"
    );
    assert_eq!(
        fstab_row(&disk(KeySource::Clevis)).join(" "),
        "/dev/mapper/data /srv/data ext4 defaults,nofail,_netdev 0 2"
    );
    assert_eq!(
        fstab_row(&disk(KeySource::Prompt)).join(" "),
        "/dev/mapper/data /srv/data ext4 defaults,nofail 0 2"
    );
}

fn spec() -> TableSpec {
    fstab_spec(&[disk(KeySource::Prompt)])
}

#[test]
fn realigned_columns_are_in_place_and_other_lines_are_kept() {
    let have = b"# /srv/data was here:\n#/dev/mapper/data /srv/data ext4 defaults 0 0\n\t/dev/mapper/data\t/srv/data  ext4\tdefaults,nofail 0   2\nproc /proc proc defaults 0 0";
    let st = read(have, &spec()).expect("read");
    assert!(st[0].in_place(), "{st:?}");
    assert_eq!(apply(have, &spec()).expect("apply"), have.to_vec());
}

#[test]
fn a_differing_row_is_rewritten_in_place_and_a_missing_one_appended() {
    let have = b"UUID=x / ext4 defaults 0 1\n  /dev/vdb /srv/data ext4 defaults 0 0\n";
    let st = read(have, &spec()).expect("read");
    assert_eq!(
        st[0].have.as_deref(),
        Some("/dev/vdb /srv/data ext4 defaults 0 0")
    );
    assert!(!st[0].in_place());
    let out = apply(have, &spec()).expect("apply");
    assert_eq!(
        out,
        b"UUID=x / ext4 defaults 0 1\n  /dev/mapper/data /srv/data ext4 defaults,nofail 0 2\n"
            .to_vec()
    );
    assert_eq!(apply(&out, &spec()).expect("again"), out, "idempotent");
    // Missing, with no newline at the end of the file.
    let out = apply(b"UUID=x / ext4 defaults 0 1", &spec()).expect("apply");
    assert_eq!(
        out,
        b"UUID=x / ext4 defaults 0 1\n# harden: managed keys\n/dev/mapper/data /srv/data ext4 defaults,nofail 0 2\n".to_vec()
    );
    assert_eq!(apply(&out, &spec()).expect("again"), out);
    assert!(read(&out, &spec()).expect("read")[0].in_place());
    // An empty file.
    assert_eq!(
        apply(b"", &spec()).expect("apply"),
        b"# harden: managed keys\n/dev/mapper/data /srv/data ext4 defaults,nofail 0 2\n".to_vec()
    );
}

#[test]
fn a_second_row_for_the_key_is_stale_until_rewritten() {
    let have = b"/dev/mapper/data /srv/data ext4 defaults,nofail 0 2\n/dev/sdz /srv/data ext4 defaults 0 0\n";
    let st = read(have, &spec()).expect("read");
    assert_eq!(st[0].stale, 1);
    assert!(!st[0].in_place(), "the last row wins for mount -a");
    let out = apply(have, &spec()).expect("apply");
    assert!(read(&out, &spec()).expect("read")[0].in_place());
}

#[test]
fn fields_that_would_split_or_comment_a_row_are_refused() {
    for bad in ["de fault", "", "#x", "a\u{1b}b", "a\nb", "a\u{202e}b"] {
        let mut s = spec();
        s.rows[0][3] = bad.to_string();
        assert!(apply(b"", &s).is_err(), "{bad:?}");
        assert!(read(b"", &s).is_err(), "{bad:?}");
    }
    let mut s = spec();
    s.rows.push(s.rows[0].clone());
    assert_eq!(
        apply(b"", &s).map_err(|e| e.code()),
        Err("keyed-duplicate-key")
    );
    let s = TableSpec {
        key_field: 9,
        rows: vec![vec!["a".into()]],
    };
    assert!(apply(b"", &s).is_err(), "a row without its key field");
    assert!(apply(&vec![b'a'; crate::contract::keyed::MAX_FILE + 1], &spec()).is_err());
}
