//! `FileStat`: whether one path exists, and its type, mode, owner, group
//! and size (`stat -c` of the path itself: a symlink is not followed).

use super::error::accept;
use super::text::{check_path, check_value, sh_quote};
use super::{CmdOutput, Kind, KindError};

const KIND: &str = "kind.stat";
const CMD: &str = "stat";

/// The metadata of one path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileStat {
    path: String,
}

impl FileStat {
    /// The metadata of `path` (absolute).
    pub fn new(path: &str) -> Result<Self, KindError> {
        check_path("path", path)
            .map_err(|detail| KindError::BadParameter { kind: KIND, detail })?;
        Ok(FileStat {
            path: path.to_string(),
        })
    }
}

/// File type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    /// Regular file.
    Regular,
    /// Directory.
    Directory,
    /// Symbolic link (not followed).
    Symlink,
    /// Character device.
    CharDevice,
    /// Block device.
    BlockDevice,
    /// Named pipe.
    Fifo,
    /// Unix socket.
    Socket,
}

/// What is at the path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileInfo {
    /// Its type.
    pub kind: FileType,
    /// Permission bits including setuid, setgid and sticky (0o7777 at most).
    pub mode: u32,
    /// Owner uid.
    pub uid: u32,
    /// Group gid.
    pub gid: u32,
    /// Owner name (`UNKNOWN` when the uid has none).
    pub owner: String,
    /// Group name (`UNKNOWN` when the gid has none).
    pub group: String,
    /// Size in bytes.
    pub size: u64,
}

impl Kind for FileStat {
    /// `None` when nothing is at the path.
    type Value = Option<FileInfo>;

    fn id(&self) -> String {
        format!("{KIND}:{}", self.path)
    }

    fn script(&self) -> String {
        format!(
            "p={}\nif [ -e \"$p\" ] || [ -h \"$p\" ]; then exec stat -c '%f %u %g %s %U %G' -- \"$p\"; \
             else echo @@absent; fi\n",
            sh_quote(&self.path)
        )
    }

    fn parse(&self, out: &CmdOutput<'_>) -> Result<Option<FileInfo>, KindError> {
        let id = self.id();
        accept(out, &id, CMD, 4096)?;
        let bad = |detail: &str| KindError::Malformed {
            id: id.clone(),
            command: CMD,
            detail: detail.to_string(),
        };
        let line = out
            .stdout
            .strip_suffix('\n')
            .filter(|l| !l.contains('\n'))
            .ok_or_else(|| bad("not exactly one line"))?;
        if line == "@@absent" {
            return Ok(None);
        }
        let f: Vec<&str> = line.split(' ').collect();
        if f.len() != 6 {
            return Err(bad("not 6 fields (a name with a space?)"));
        }
        let raw = u32::from_str_radix(f[0], 16).map_err(|_| bad("a mode that is not hex"))?;
        if raw > 0o177777 {
            return Err(bad("a mode beyond 16 bits"));
        }
        let kind = match raw & 0o170000 {
            0o100000 => FileType::Regular,
            0o040000 => FileType::Directory,
            0o120000 => FileType::Symlink,
            0o020000 => FileType::CharDevice,
            0o060000 => FileType::BlockDevice,
            0o010000 => FileType::Fifo,
            0o140000 => FileType::Socket,
            _ => return Err(bad("an unknown file type")),
        };
        let num = |s: &str, what: &str| s.parse::<u32>().map_err(|_| bad(what));
        for (name, what) in [(f[4], "owner name"), (f[5], "group name")] {
            check_value(what, name, 256).map_err(|e| bad(&e))?;
            if name.is_empty() {
                return Err(bad("an empty owner or group"));
            }
        }
        Ok(Some(FileInfo {
            kind,
            mode: raw & 0o7777,
            uid: num(f[1], "a uid that is not a number")?,
            gid: num(f[2], "a gid that is not a number")?,
            size: f[3]
                .parse()
                .map_err(|_| bad("a size that is not a number"))?,
            owner: f[4].to_string(),
            group: f[5].to_string(),
        }))
    }
}

#[cfg(test)]
#[path = "filestat_tests.rs"]
mod tests;
