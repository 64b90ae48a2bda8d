//! Checks of one disk's values as the inventory writes them: each
//! returns the typed value or the message and fix of an `inv-disk-…`
//! error. Nothing that fails here reaches a crypttab or fstab line or a
//! shell command.

use super::model::{DeviceRef, Fs, KeySource};

/// Mount points harden never puts a data volume on.
const SYSTEM_DIRS: &[&str] = &[
    "/", "/bin", "/boot", "/dev", "/etc", "/lib", "/lib64", "/proc", "/root", "/run", "/sbin",
    "/sys", "/tmp", "/usr", "/var",
];

/// A problem: message and fix.
pub type Problem = (String, &'static str);

fn plain_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "/._-".contains(c)
}

/// An absolute path of `[A-Za-z0-9/._-]`, no empty, `.` or `..` segment.
fn plain_abs(p: &str, max: usize) -> bool {
    p.len() <= max
        && p.starts_with('/')
        && p.chars().all(plain_path_char)
        && p[1..]
            .split('/')
            .all(|s| !s.is_empty() && s != "." && s != "..")
}

/// `UUID=…`, `/dev/disk/by-id/…` or `/dev/disk/by-path/…`.
pub fn device(v: &str) -> Result<DeviceRef, Problem> {
    const FIX: &str = "name the device by a stable path, e.g. \"/dev/disk/by-id/virtio-data1\", or by its LUKS header's UUID, \"UUID=0f1e…\" (ls -l /dev/disk/by-id; cryptsetup luksUUID)";
    if let Some(u) = v.strip_prefix("UUID=") {
        return if is_uuid(u) {
            Ok(DeviceRef::Uuid(u.to_string()))
        } else {
            Err((
                format!("`{}` is not UUID=<8-4-4-4-12 lower-case hex>", shown(v)),
                FIX,
            ))
        };
    }
    for dir in ["/dev/disk/by-id/", "/dev/disk/by-path/"] {
        if let Some(rest) = v.strip_prefix(dir) {
            let ok = !rest.is_empty()
                && rest.len() <= 200
                && rest != "."
                && rest != ".."
                && rest
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._:+@-".contains(c));
            return if ok {
                Ok(DeviceRef::Path(v.to_string()))
            } else {
                Err((
                    format!("`{}` is not a plain name under {dir}", shown(v)),
                    FIX,
                ))
            };
        }
    }
    Err((
        format!(
            "`{}` is not a stable device name (kernel names such as /dev/sdb change between boots)",
            shown(v)
        ),
        FIX,
    ))
}

/// A lower-case, dashed UUID.
pub fn is_uuid(u: &str) -> bool {
    let parts: Vec<&str> = u.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    parts.len() == 5
        && parts.iter().zip(lens).all(|(p, n)| {
            p.len() == n
                && p.chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        })
}

/// The dm mapping name: `[a-z0-9_-]{1,32}`.
pub fn name(v: &str) -> Result<String, Problem> {
    let ok = !v.is_empty()
        && v.len() <= 32
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        && !v.starts_with('-');
    if ok {
        Ok(v.to_string())
    } else {
        Err((
            format!("mapping name `{}` is not 1-32 of [a-z0-9_-]", shown(v)),
            "use a short name such as \"data\"; it becomes /dev/mapper/<name>",
        ))
    }
}

/// The mount point: plain, absolute, not a system directory.
pub fn mount(v: &str) -> Result<String, Problem> {
    const FIX: &str = "mount data volumes below a directory of their own, e.g. \"/srv/data\"";
    if SYSTEM_DIRS.contains(&v) {
        return Err((format!("mount `{v}` is a system directory"), FIX));
    }
    if !plain_abs(v, 200) {
        return Err((
            format!(
                "mount `{}` is not an absolute path of [A-Za-z0-9/._-]",
                shown(v)
            ),
            FIX,
        ));
    }
    Ok(v.to_string())
}

/// The filesystem.
pub fn fs(v: &str) -> Result<Fs, Problem> {
    match v {
        "ext4" => Ok(Fs::Ext4),
        "xfs" => Ok(Fs::Xfs),
        _ => Err((
            format!("filesystem `{}` is not supported", shown(v)),
            "use fs = \"ext4\" or fs = \"xfs\"",
        )),
    }
}

/// The key source.
pub fn key(v: &str) -> Result<KeySource, Problem> {
    match v {
        "prompt" => Ok(KeySource::Prompt),
        "tpm2" => Ok(KeySource::Tpm2),
        "clevis" => Ok(KeySource::Clevis),
        p if plain_abs(p, 200) && !p.starts_with("/tmp/") && !p.starts_with("/dev/") => {
            Ok(KeySource::File(p.to_string()))
        }
        _ => Err((
            format!("key `{}` is neither a key-file path nor prompt, tpm2 or clevis", shown(v)),
            "write key = \"prompt\" (typed at boot), \"tpm2\", \"clevis\", or the absolute path of a root-only key file, e.g. \"/etc/luks-keys/data.key\"",
        )),
    }
}

/// `v` safe to show in a message: control characters escaped, cut short.
pub fn shown(v: &str) -> String {
    let mut out: String = v.chars().take(80).flat_map(char::escape_default).collect();
    if v.chars().count() > 80 {
        out.push('…');
    }
    out
}
