use super::*;
use crate::contract::kinds::fixture;
use crate::contract::kinds::live::{out, run};

fn k() -> FileStat {
    FileStat::new("/etc/x").expect("path")
}

fn parse(s: &str) -> Result<Option<FileInfo>, KindError> {
    k().parse(&out(0, s, ""))
}

fn malformed(s: &str) -> bool {
    matches!(parse(s), Err(KindError::Malformed { .. }))
}

#[test]
fn debian12_every_file_type() {
    let f = parse(fixture!("stat/file.out"))
        .expect("parses")
        .expect("present");
    assert_eq!(
        (f.kind, f.mode, f.owner.as_str(), f.size),
        (FileType::Regular, 0o644, "root", 1321)
    );
    let s = parse(fixture!("stat/shadow.out"))
        .expect("parses")
        .expect("present");
    assert_eq!((s.mode, s.gid, s.group.as_str()), (0o640, 42, "shadow"));
    let d = parse(fixture!("stat/dir.out"))
        .expect("parses")
        .expect("present");
    assert_eq!(
        (d.kind, d.mode),
        (FileType::Directory, 0o1777),
        "sticky /tmp"
    );
    let l = parse(fixture!("stat/link.out"))
        .expect("parses")
        .expect("present");
    assert_eq!((l.kind, l.mode), (FileType::Symlink, 0o777));
    let c = parse(fixture!("stat/dev.out"))
        .expect("parses")
        .expect("present");
    assert_eq!((c.kind, c.mode), (FileType::CharDevice, 0o666));
    let u = parse(fixture!("stat/sock.out"))
        .expect("parses")
        .expect("present");
    assert_eq!((u.kind, u.mode), (FileType::Socket, 0o600));
    assert_eq!(parse(fixture!("stat/absent.out")).expect("parses"), None);
}

#[test]
fn hostile_stat_output_is_a_typed_error() {
    assert!(malformed(""), "empty");
    assert!(malformed("81a4 0 0 1321 root"), "no newline, 5 fields");
    assert!(
        malformed("81a4 0 0 1321 root root\n81a4 0 0 1 root root\n"),
        "two lines"
    );
    assert!(malformed("81a4 0 0 1321 ro ot root\n"), "space in a name");
    assert!(malformed("81a4 0 0 1321 r\u{7f}t root\n"), "DEL in a name");
    assert!(malformed("zz 0 0 1 root root\n"), "mode not hex");
    assert!(malformed("1081a4 0 0 1 root root\n"), "mode too big");
    assert!(malformed("01a4 0 0 1 root root\n"), "no file type");
    assert!(malformed("81a4 99999999999 0 1 root root\n"), "uid too big");
    assert!(malformed("81a4 0 0 -1 root root\n"), "negative size");
    assert!(matches!(
        parse(&"x".repeat(5000)),
        Err(KindError::TooLarge { .. })
    ));
    let e = k().parse(&out(
        1,
        "",
        "stat: cannot statx '/etc/x': Permission denied\n",
    ));
    assert_eq!(
        e.expect_err("rc 1").to_string(),
        "[FACT-EXIT] kind.stat:/etc/x: `stat` exited 1: stat: cannot statx '/etc/x': Permission denied"
    );
    assert!(FileStat::new("etc/x").is_err());
    assert!(FileStat::new("/etc/\nx").is_err());
}

#[test]
fn live_stat_on_this_machine_parses() {
    let f = run(&FileStat::new("/etc/passwd").expect("path")).expect("parses");
    let f = f.expect("/etc/passwd exists");
    assert_eq!(
        (f.kind, f.uid, f.owner.as_str()),
        (FileType::Regular, 0, "root")
    );
    let odd = run(&FileStat::new("/etc/no such 'file'").expect("path")).expect("parses");
    assert_eq!(odd, None);
    let dir = run(&FileStat::new("/").expect("path")).expect("parses");
    assert_eq!(dir.map(|d| d.kind), Some(FileType::Directory));
}
