//! Tests of the line-level crypttab/fstab edit.

use super::tabs::{upsert, Edit};

#[test]
fn appends_to_a_missing_or_unterminated_file() {
    assert_eq!(
        upsert(None, 0, "data1", "data1 /dev/x /k luks"),
        ("data1 /dev/x /k luks\n".into(), Edit::Appended)
    );
    let (t, e) = upsert(
        Some("# c\nother /dev/y none luks"),
        0,
        "data1",
        "data1 /dev/x /k luks",
    );
    assert_eq!(t, "# c\nother /dev/y none luks\ndata1 /dev/x /k luks\n");
    assert_eq!(e, Edit::Appended);
}

#[test]
fn replaces_only_the_line_for_the_key_and_keeps_others_byte_for_byte() {
    let before = "# /etc/fstab\tkept\nUUID=1 / ext4 errors=remount-ro 0 1\n\n/dev/mapper/old  /srv/data ext4 defaults 0 2\n# /dev/mapper/x /srv/data\n/dev/sdz /srv/data xfs defaults 0 0\ntmpfs /tmp tmpfs defaults 0 0";
    let line = "/dev/mapper/data1 /srv/data ext4 defaults,nofail 0 2";
    let (after, e) = upsert(Some(before), 1, "/srv/data", line);
    assert_eq!(
        after,
        "# /etc/fstab\tkept\nUUID=1 / ext4 errors=remount-ro 0 1\n\n/dev/mapper/data1 /srv/data ext4 defaults,nofail 0 2\n# /dev/mapper/x /srv/data\ntmpfs /tmp tmpfs defaults 0 0"
    );
    assert_eq!(
        e,
        Edit::Replaced(vec![
            "/dev/mapper/old  /srv/data ext4 defaults 0 2".into(),
            "/dev/sdz /srv/data xfs defaults 0 0".into()
        ])
    );
    let (again, e) = upsert(Some(&after), 1, "/srv/data", line);
    assert_eq!((again.as_str(), e), (after.as_str(), Edit::Unchanged));
}
