use super::*;
use crate::contract::kinds::fixture;
use crate::contract::kinds::live::{out, run};

const LOOP_PARTS: &str = fixture!("lsblk/loop-parts-mounted.json");

fn parse(s: &str) -> Result<Vec<BlockDevice>, KindError> {
    BlockDevices.parse(&out(0, s, ""))
}

fn dev(s: &str) -> String {
    format!("{{\"blockdevices\":[{s}]}}")
}

#[test]
fn debian12_loop_partitions_and_mounts() {
    let d = parse(LOOP_PARTS).expect("fixture parses");
    assert_eq!(d.len(), 6);
    let p1 = d.iter().find(|d| d.name == "loop0p1").expect("partition");
    assert_eq!(p1.kind, DevType::Part);
    assert_eq!(p1.path, "/dev/loop0p1");
    assert_eq!(p1.parents, vec!["loop0".to_string()]);
    assert_eq!(p1.size, 25_165_824);
    // No udev on the capture machine: no signature even on the LUKS partition.
    assert_eq!(p1.fstype, None);
    let loop1 = d.iter().find(|d| d.name == "loop1").expect("loop");
    assert_eq!(loop1.kind, DevType::Loop);
    assert_eq!(loop1.mountpoints, vec!["/tmp/kindsfx.iend/mnt".to_string()]);
    let vda = d.iter().find(|d| d.name == "vda").expect("disk");
    assert_eq!(vda.kind, DevType::Disk);
    assert_eq!(vda.mountpoints, vec!["/run/netns".to_string(), "/".into()]);
    assert!(vda.parents.is_empty());
}

#[test]
fn crypt_and_raid_types_and_two_parents_merge() {
    let a = r#"{"name":"md0","path":"/dev/md0","type":"raid1","fstype":"crypto_LUKS","uuid":"u","mountpoints":[null],"pkname":"sda1","size":10}"#;
    let b = r#"{"name":"md0","path":"/dev/md0","type":"raid1","fstype":"crypto_LUKS","uuid":"u","mountpoints":[null],"pkname":"sdb1","size":10}"#;
    let c = r#"{"name":"root","path":"/dev/mapper/root","type":"crypt","fstype":"ext4","uuid":null,"mountpoints":["/"],"pkname":"md0","size":"9"}"#;
    let d = parse(&dev(&format!("{a},{b},{c}"))).expect("parses");
    assert_eq!(d.len(), 2);
    assert_eq!(d[0].kind, DevType::Raid("raid1".into()));
    assert_eq!(d[0].parents, vec!["sda1".to_string(), "sdb1".into()]);
    assert_eq!(d[0].fstype.as_deref(), Some("crypto_LUKS"));
    assert_eq!(d[1].kind, DevType::Crypt);
    assert_eq!(d[1].size, 9, "older lsblk prints sizes as strings");
}

#[test]
fn hostile_lsblk_output_is_a_typed_error() {
    let shape = |s: &str| matches!(parse(s), Err(KindError::Malformed { .. }));
    assert!(shape(""), "empty output");
    assert!(shape(&LOOP_PARTS[..LOOP_PARTS.len() / 2]), "truncated JSON");
    assert!(shape("not json"));
    let one = |name: &str, path: &str, ty: &str, size: &str| {
        dev(&format!(
            r#"{{"name":{name},"path":{path},"type":"{ty}","mountpoints":[null],"size":{size}}}"#
        ))
    };
    assert!(
        shape(&one("\"sda\"", "\"/dev/sda\"", "disk", "1e400")),
        "huge number"
    );
    assert!(
        shape(&one("\"sda\"", "\"/dev/sda\"", "disk", "-1")),
        "negative size"
    );
    assert!(
        shape(&one("\"sda\"", "\"/dev/sda\"", "disk", "\"12x\"")),
        "size text"
    );
    assert!(
        shape(&one("\"s\\u001bda\"", "\"/dev/sda\"", "disk", "1")),
        "escape in name"
    );
    assert!(
        shape(&one("\"sda\"", "\"/dev/sd\\na\"", "disk", "1")),
        "newline in path"
    );
    assert!(
        shape(&one("\"sda\"", "\"/etc/passwd\"", "disk", "1")),
        "path outside /dev"
    );
    assert!(
        shape(&one("\"../x\"", "\"/dev/sda\"", "disk", "1")),
        "slashed name"
    );
    assert!(shape(&one("\"sda\"", "null", "disk", "1")), "no path");
    assert!(
        shape(&one("\"sda\"", "\"/dev/sda\"", "", "1")),
        "empty type"
    );
    let rel = dev(r#"{"name":"a","path":"/dev/a","type":"disk","mountpoints":["mnt"],"size":1}"#);
    assert!(shape(&rel), "relative mountpoint");
    let clash = dev(
        r#"{"name":"a","path":"/dev/a","type":"disk","size":1},{"name":"b","path":"/dev/a","type":"disk","size":1}"#,
    );
    assert!(shape(&clash), "two devices at one path");
}

#[test]
fn bounds_and_exit_codes() {
    let many = dev(&vec![r#"{"name":"a"}"#; MAX_DEVICES + 1].join(","));
    assert!(matches!(
        parse(&many),
        Err(KindError::TooLarge {
            what: "devices",
            ..
        })
    ));
    let huge = " ".repeat(MAX_BYTES + 1);
    assert!(matches!(
        parse(&huge),
        Err(KindError::TooLarge { what: "bytes", .. })
    ));
    let e = BlockDevices
        .parse(&out(32, "", "lsblk: unknown column: MOUNTPOINTS\n"))
        .expect_err("rc 32");
    assert_eq!(e.code(), "FACT-EXIT");
    assert_eq!(
        e.to_string(),
        "[FACT-EXIT] kind.lsblk: `lsblk` exited 32: lsblk: unknown column: MOUNTPOINTS"
    );
}

#[test]
fn live_lsblk_on_this_machine_parses() {
    let d = run(&BlockDevices).expect("this machine's lsblk parses");
    assert!(d.iter().any(|d| d.kind == DevType::Disk), "{d:?}");
    assert!(d.iter().all(|d| d.path.starts_with("/dev/")));
}
