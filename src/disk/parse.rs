//! The pure parsers behind [`super::inspect`]: each reads one command's
//! (hostile) output, bounded and free of control characters, and returns
//! what stands in the way, named with the command that said so.

use super::device::Target;
use super::inspect::Occupant;

const MAX_OUT: usize = 1 << 20;
const MAX_LINES: usize = 20_000;
const MAX_LINE: usize = 4096;

fn occ(found: String, source: &str) -> Occupant {
    Occupant {
        found,
        source: source.to_string(),
    }
}

/// Splits hostile output into lines: bounded, no control characters.
pub fn lines<'a>(what: &str, s: &'a str) -> Result<Vec<&'a str>, String> {
    if s.len() > MAX_OUT {
        return Err(format!("{what}: output larger than {MAX_OUT} bytes"));
    }
    let v: Vec<&str> = s.lines().collect();
    if v.len() > MAX_LINES {
        return Err(format!("{what}: more than {MAX_LINES} lines"));
    }
    for l in &v {
        if l.len() > MAX_LINE {
            return Err(format!("{what}: a line longer than {MAX_LINE} bytes"));
        }
        if l.chars().any(|c| c.is_control() && c != '\t') {
            return Err(format!("{what}: a control character in {l:?}"));
        }
    }
    Ok(v)
}

/// `/sys` and resolution state of the device.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct State {
    /// Resolved path.
    pub path: String,
    /// Kernel name.
    pub kname: String,
    /// major:minor.
    pub devno: String,
    /// Sectors.
    pub sectors: u64,
    /// Found problems.
    pub occupants: Vec<Occupant>,
}

fn devno_ok(s: &str) -> bool {
    let mut it = s.split(':');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| !p.is_empty() && p.len() <= 10 && p.bytes().all(|b| b.is_ascii_digit()))
    };
    ok(it.next()) && ok(it.next()) && it.next().is_none()
}

fn kname_ok(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'!' | b':'))
}

/// Parses the [`super::inspect::id::STATE`] probe.
pub fn state(t: &Target, rc: i32, out: &str) -> Result<State, String> {
    const SRC: &str = "readlink -f / /sys/class/block";
    if rc != 0 {
        return Err(format!("{SRC}: exit {rc}"));
    }
    let mut s = State::default();
    let mut block = None;
    for l in lines(SRC, out)? {
        let Some((k, v)) = l.split_once('=') else {
            return Err(format!("{SRC}: unexpected line {l:?}"));
        };
        match k {
            "resolve" => return Err(format!("{}: readlink -f failed", t.device)),
            "path" => s.path = v.to_string(),
            "block" => block = Some(v == "1"),
            "kname" if kname_ok(v) => s.kname = v.to_string(),
            "devno" if devno_ok(v) => s.devno = v.to_string(),
            "size" => {
                s.sectors = v
                    .parse()
                    .map_err(|_| format!("{SRC}: size {v:?} is not a number"))?
            }
            "ro" if v == "1" => s.occupants.push(occ("the device is read-only".into(), SRC)),
            "ro" => {}
            "holder" => s.occupants.push(occ(
                format!(
                    "held by {v:?} ({}): it is in use by device-mapper, LVM or RAID",
                    if v.starts_with("md") {
                        "a RAID array"
                    } else {
                        "a dm device"
                    }
                ),
                "ls /sys/class/block/<dev>/holders",
            )),
            "part" => s.occupants.push(occ(
                format!("it has a partition {v:?} (a partition table)"),
                "/sys/class/block/<dev>/*/partition",
            )),
            "mapper" => s.occupants.push(occ(
                format!("the mapping name /dev/mapper/{} is already in use", t.name),
                "test -e /dev/mapper/<name>",
            )),
            "key" => s.occupants.push(occ(
                format!(
                    "the key file {} already exists (harden never overwrites a key)",
                    t.key_file
                ),
                "test -e <key file>",
            )),
            _ => return Err(format!("{SRC}: unexpected value in {l:?}")),
        }
    }
    match block {
        Some(true) => {}
        Some(false) => {
            s.occupants.push(occ(
                format!(
                    "{} resolves to {:?}, which is not a block device",
                    t.device, s.path
                ),
                "readlink -f; test -b",
            ));
            return Ok(s);
        }
        None => return Err(format!("{SRC}: no answer")),
    }
    if !super::device::device_ok(&s.path) || s.kname.is_empty() || s.devno.is_empty() {
        return Err(format!(
            "{SRC}: the device resolved to an unusable name or number ({:?}, {:?}, {:?})",
            s.path, s.kname, s.devno
        ));
    }
    if s.sectors == 0 {
        s.occupants
            .push(occ("the device has size 0 (no medium?)".into(), SRC));
    }
    Ok(s)
}

fn article(word: &str) -> &'static str {
    match word.bytes().next() {
        Some(b'a' | b'e' | b'i' | b'o' | b'u' | b'A' | b'E' | b'I' | b'O' | b'U') => "an",
        _ => "a",
    }
}

/// Parses `blkid -p -o export`: exit 2 with no output is the only "empty".
pub fn blkid(rc: i32, out: &str) -> Result<Vec<Occupant>, String> {
    const SRC: &str = "blkid -p";
    let ls = lines(SRC, out)?;
    if rc == 2 && ls.iter().all(|l| l.trim().is_empty()) {
        return Ok(Vec::new());
    }
    if rc != 0 {
        return Ok(vec![occ(
            format!(
                "blkid -p exited {rc} (2 is \"nothing found\"): the device cannot be proven empty"
            ),
            SRC,
        )]);
    }
    let get = |key: &str| {
        ls.iter()
            .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
    };
    let mut v = Vec::new();
    if let Some(pt) = get("PTTYPE") {
        v.push(occ(format!("a partition table (PTTYPE={pt})"), SRC));
    }
    match get("TYPE") {
        Some("crypto_LUKS") => v.push(occ(
            format!(
                "a LUKS header (TYPE=crypto_LUKS VERSION={})",
                get("VERSION").unwrap_or("?")
            ),
            SRC,
        )),
        Some("LVM2_member") => v.push(occ(
            "an LVM physical volume (TYPE=LVM2_member): part of a volume group".into(),
            SRC,
        )),
        Some("linux_raid_member") => v.push(occ(
            "a RAID member (TYPE=linux_raid_member): part of an md array".into(),
            SRC,
        )),
        Some(t) => v.push(occ(
            format!(
                "{} {t} signature (TYPE={t} USAGE={})",
                article(t),
                get("USAGE").unwrap_or("?")
            ),
            SRC,
        )),
        None => {}
    }
    if v.is_empty() {
        v.push(occ(
            format!(
                "blkid -p found something it does not name: {:?}",
                ls.join(" ")
            ),
            SRC,
        ));
    }
    Ok(v)
}

/// Parses `wipefs -n`: any listed signature, or any failure, is in the way.
pub fn wipefs(rc: i32, out: &str, err: &str) -> Result<Vec<Occupant>, String> {
    const SRC: &str = "wipefs -n";
    if rc != 0 {
        let first = lines(SRC, err)?.first().copied().unwrap_or("").to_string();
        return Ok(vec![occ(format!("wipefs -n exited {rc}: {first:?}"), SRC)]);
    }
    let mut v = Vec::new();
    for l in lines(SRC, out)? {
        let f: Vec<&str> = l.split_whitespace().collect();
        match f.as_slice() {
            [] => {}
            ["DEVICE", "OFFSET", ..] => {}
            [_, offset, kind, ..] => v.push(occ(
                format!("{} {kind} signature at offset {offset}", article(kind)),
                SRC,
            )),
            _ => v.push(occ(format!("a signature: {l:?}"), SRC)),
        }
    }
    Ok(v)
}

/// Parses `sfdisk -d`: a dump with a `label:` line is a partition table.
/// sfdisk exits 1 when it finds none (and is absent on minimal systems),
/// so only a dump counts; `blkid -p` and `wipefs -n` cover the rest.
pub fn sfdisk(rc: i32, out: &str) -> Result<Vec<Occupant>, String> {
    const SRC: &str = "sfdisk -d";
    if rc != 0 {
        return Ok(Vec::new());
    }
    Ok(lines(SRC, out)?
        .into_iter()
        .find_map(|l| l.strip_prefix("label:"))
        .map(|label| {
            vec![occ(
                format!("a partition table (label: {})", label.trim()),
                SRC,
            )]
        })
        .unwrap_or_default())
}

/// Mounts of the device (by major:minor) and of the mount point.
pub fn mountinfo(devno: &str, mount: &str, out: &str) -> Result<Vec<Occupant>, String> {
    const SRC: &str = "/proc/self/mountinfo";
    let mut v = Vec::new();
    for l in lines(SRC, out)? {
        let f: Vec<&str> = l.split(' ').collect();
        if f.len() < 5 {
            return Err(format!("{SRC}: a line with fewer than 5 fields: {l:?}"));
        }
        if f[2] == devno {
            v.push(occ(format!("it is mounted at {:?}", f[4]), SRC));
        } else if f[4] == mount {
            v.push(occ(
                format!(
                    "the mount point {mount} already has device {} mounted",
                    f[2]
                ),
                SRC,
            ));
        }
    }
    Ok(v)
}

/// Active swap on the device.
pub fn swaps(names: &[&str], out: &str) -> Result<Vec<Occupant>, String> {
    const SRC: &str = "/proc/swaps";
    Ok(lines(SRC, out)?
        .into_iter()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .filter(|dev| names.contains(dev))
        .map(|dev| occ(format!("{dev} is active swap"), SRC))
        .collect())
}

/// Lines of fstab (`field` 0) or crypttab (`field` 1) whose source names
/// the device.
pub fn tab_refs(
    file: &str,
    text: &str,
    field: usize,
    names: &[&str],
) -> Result<Vec<Occupant>, String> {
    let mut v = Vec::new();
    for (n, l) in lines(file, text)?.into_iter().enumerate() {
        let t = l.trim_start();
        if t.starts_with('#') {
            continue;
        }
        if let Some(src) = t.split_whitespace().nth(field) {
            if names.contains(&src) {
                v.push(occ(format!("{file} line {} names it: {l:?}", n + 1), file));
            }
        }
    }
    Ok(v)
}
