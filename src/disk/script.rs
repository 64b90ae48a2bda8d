//! The steps of a set-up, as shown without `--yes` and as the one remote
//! script that carries them out under the host lock.
//!
//! The script re-checks that the device is empty immediately before
//! `luksFormat` (a race with anything that wrote meanwhile), prints a
//! nonce-framed marker after every step (so a failure reports exactly what
//! was done), and stops at the first failing step with its own exit code.
//! Tool output goes to stderr; stdout carries only the markers. The key
//! file is written by the host from `/dev/urandom` and never read back.

use super::device::Target;
use super::tabs::{self, Edit};
use super::HEADER_DIR;
use crate::contract::sh_quote;

pub use crate::backend::ssh::script::EXIT_LOCKED;
/// Exit: the re-check before `luksFormat` found the device in use.
pub const EXIT_NOT_EMPTY: i32 = 80;
/// Exit: the key file could not be created (or already exists).
pub const EXIT_KEY: i32 = 81;
/// Exit: `luksFormat` failed.
pub const EXIT_FORMAT: i32 = 82;
/// Exit: the UUID or the header backup failed.
pub const EXIT_BACKUP: i32 = 83;
/// Exit: `cryptsetup open` failed because the kernel has no device-mapper.
pub const EXIT_NO_DM: i32 = 84;
/// Exit: `cryptsetup open` failed otherwise.
pub const EXIT_OPEN: i32 = 85;
/// Exit: mkfs failed.
pub const EXIT_MKFS: i32 = 86;
/// Exit: crypttab or fstab changed since it was read.
pub const EXIT_TAB_CHANGED: i32 = 87;
/// Exit: writing crypttab or fstab failed.
pub const EXIT_TABS: i32 = 88;
/// Exit: mounting failed.
pub const EXIT_MOUNT: i32 = 89;

/// One file edit: path, SHA-256 of what was read (None: absent), the new
/// text and what changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TabEdit {
    /// The file.
    pub path: String,
    /// SHA-256 (hex) of the content read, None when absent.
    pub read_sha: Option<String>,
    /// The new content.
    pub text: String,
    /// The line written.
    pub line: String,
    /// What the edit does.
    pub edit: Edit,
}

/// Everything the script needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The volume.
    pub target: Target,
    /// The resolved device node (what cryptsetup is given).
    pub kernel_path: String,
    /// Its kernel name.
    pub kname: String,
    /// Its major:minor.
    pub devno: String,
    /// crypttab then fstab.
    pub tabs: Vec<TabEdit>,
    /// Run id (for the backups of the edited files).
    pub run_id: String,
}

fn sha_hex(b: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// The tab edits for `t` given the files as read.
pub fn tab_edits(t: &Target, crypttab: Option<&str>, fstab: Option<&str>) -> Vec<TabEdit> {
    let mk = |path: &str, read: Option<&str>, field: usize, key: &str, line: String| {
        let (text, edit) = tabs::upsert(read, field, key, &line);
        TabEdit {
            path: path.to_string(),
            read_sha: read.map(|r| sha_hex(r.as_bytes())),
            text,
            line,
            edit,
        }
    };
    vec![
        mk(
            super::inspect::CRYPTTAB,
            crypttab,
            0,
            &t.name,
            tabs::crypttab_line(t),
        ),
        mk(
            super::inspect::FSTAB,
            fstab,
            1,
            &t.mount,
            tabs::fstab_line(t),
        ),
    ]
}

/// The header backup path for `uuid` (`<uuid>` when not known yet).
pub fn header_backup(name: &str, uuid: &str) -> String {
    format!("{HEADER_DIR}/{name}-{uuid}.img")
}

/// The `luksFormat` command line (no key material: the key is a file the
/// host wrote).
pub fn format_cmd(p: &Plan) -> String {
    let q = &p.target.params;
    format!(
        "cryptsetup luksFormat --batch-mode --type luks2 --cipher {} --key-size {} --pbkdf argon2id --pbkdf-memory {} --pbkdf-force-iterations {} --key-file {} {}",
        q.cipher,
        q.key_bits,
        q.pbkdf_memory_kib,
        q.pbkdf_time_cost,
        sh_quote(&p.target.key_file),
        sh_quote(&p.kernel_path)
    )
}

fn open_cmd(p: &Plan) -> String {
    format!(
        "cryptsetup open --type luks2 --key-file {} {} {}",
        sh_quote(&p.target.key_file),
        sh_quote(&p.kernel_path),
        p.target.name
    )
}

fn mkfs_cmd(p: &Plan) -> String {
    format!(
        "mkfs.{} -q /dev/mapper/{}",
        p.target.fs.as_str(),
        p.target.name
    )
}

fn mount_cmd(p: &Plan) -> String {
    format!(
        "mkdir -p {m} && mount -t {} /dev/mapper/{} {m}",
        p.target.fs.as_str(),
        p.target.name,
        m = sh_quote(&p.target.mount)
    )
}

/// What will be done, one line per step, for the operator.
pub fn steps(p: &Plan) -> Vec<String> {
    let t = &p.target;
    let mut v = vec![
        format!(
            "re-check under the host lock that {} ({}, {}) is still empty: blkid -p, wipefs -n, holders, partitions, mountinfo",
            t.device, p.kernel_path, p.devno
        ),
        format!(
            "create the key file {} on the host: 64 bytes from /dev/urandom, umask 077 (mode 0600); the key is never printed and never leaves the host",
            t.key_file
        ),
        format_cmd(p),
        format!(
            "cryptsetup luksHeaderBackup {} --header-backup-file {} (directory 0700, file 0600)",
            sh_quote(&p.kernel_path),
            header_backup(&t.name, "<uuid>")
        ),
        open_cmd(p),
        mkfs_cmd(p),
    ];
    for e in &p.tabs {
        v.push(match &e.edit {
            Edit::Appended => format!("{}: append the line `{}`", e.path, e.line),
            Edit::Replaced(old) => format!(
                "{}: replace {} with `{}` (other lines kept)",
                e.path,
                old.iter()
                    .map(|o| format!("`{o}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                e.line
            ),
            Edit::Unchanged => format!("{}: already holds `{}`", e.path, e.line),
        });
    }
    v.push(mount_cmd(p));
    v
}

/// The remote script; `nonce` frames the progress markers.
pub fn script(p: &Plan, nonce: &str) -> String {
    let t = &p.target;
    let dev = sh_quote(&p.kernel_path);
    let sys = sh_quote(&format!("/sys/class/block/{}", p.kname));
    let key = sh_quote(&t.key_file);
    let name = &t.name;
    let mut s = crate::backend::ssh::script::lock(true);
    s.push_str(&format!(
        r#"M='@@{nonce}'
fail() {{ rc=$1; shift; printf '%s\n' "$*" >&2; exit "$rc"; }}
[ "$(readlink -f -- {decl})" = {dev} ] || fail {nf} "the declared device no longer resolves to the inspected device node"
[ -b {dev} ] || fail {nf} "the device node is no longer a block device"
blkid -p -- {dev} >/dev/null 2>&1; r=$?
[ "$r" -eq 2 ] || fail {nf} "blkid -p now exits $r (2 is nothing found): the device is no longer empty"
w=$(wipefs -n -- {dev} 2>&1) || fail {nf} "wipefs -n failed: $w"
[ -z "$w" ] || fail {nf} "wipefs -n now lists: $w"
for h in {sys}/holders/*; do if [ -e "$h" ]; then fail {nf} "now held by ${{h##*/}}"; fi; done
for x in {sys}/*/partition; do if [ -e "$x" ]; then fail {nf} "now has a partition"; fi; done
awk -v d={devno} '$3 == d {{ f = 1 }} END {{ exit f }}' /proc/self/mountinfo || fail {nf} "now mounted"
if [ -e /dev/mapper/{name} ]; then fail {nf} "/dev/mapper/{name} now exists"; fi
echo "$M checked"
if [ -e {key} ] || [ -L {key} ]; then fail {ek} "the key file exists already"; fi
mkdir -p -- "$(dirname -- {key})" || fail {ek} "cannot create the key file's directory"
( set -C; head -c 64 /dev/urandom > {key} ) || fail {ek} "cannot write the key file"
chmod 0600 {key} || fail {ek} "cannot chmod the key file"
[ "$(stat -c %s {key})" = 64 ] || fail {ek} "the key file does not hold 64 bytes"
echo "$M key"
{format} >&2 || fail {ef} "cryptsetup luksFormat failed"
echo "$M formatted"
U=$(cryptsetup luksUUID {dev}) || fail {eb} "cryptsetup luksUUID failed"
case "$U" in ''|*[!0-9a-f-]*) fail {eb} "cryptsetup luksUUID printed an unusable UUID";; esac
echo "$M uuid $U"
mkdir -p -m 0700 {hdir} && chmod 0700 {hdir} || fail {eb} "cannot create {hdir}"
B={hdir}/{name}-$U.img
cryptsetup luksHeaderBackup {dev} --header-backup-file "$B" >&2 || fail {eb} "cryptsetup luksHeaderBackup failed"
chmod 0600 "$B" || fail {eb} "cannot chmod the header backup"
echo "$M backup $B"
if ! o=$({open} 2>&1); then
  printf '%s\n' "$o" >&2
  case "$o" in *device-mapper*|*dm_mod*|*dm-crypt*) exit {nodm};; esac
  exit {eo}
fi
echo "$M opened"
{mkfs} >&2 || fail {em} "mkfs failed"
echo "$M mkfs"
"#,
        decl = sh_quote(&t.device),
        devno = sh_quote(&p.devno),
        nf = EXIT_NOT_EMPTY,
        ek = EXIT_KEY,
        ef = EXIT_FORMAT,
        eb = EXIT_BACKUP,
        nodm = EXIT_NO_DM,
        eo = EXIT_OPEN,
        em = EXIT_MKFS,
        hdir = HEADER_DIR,
        format = format_cmd(p),
        open = open_cmd(p),
        mkfs = mkfs_cmd(p),
    ));
    let bdir = sh_quote(&format!("/var/lib/harden/runs/{}/disk", p.run_id));
    for e in p.tabs.iter().filter(|e| e.edit != Edit::Unchanged) {
        let f = sh_quote(&e.path);
        let tmp = sh_quote(&format!("{}.harden-tmp", e.path));
        let want = e.read_sha.as_deref().unwrap_or("absent");
        s.push_str(&format!(
            r#"c=$(if [ -e {f} ]; then sha256sum < {f} | cut -c1-64; else echo absent; fi)
[ "$c" = {want} ] || fail {ec} "{f} changed since harden read it"
mkdir -p {bdir} || fail {et} "cannot create {bdir}"
if [ -e {f} ]; then cp -p {f} {bdir}/ || fail {et} "cannot back up {f}"; fi
printf '%s' {text} > {tmp} || {{ rm -f {tmp}; fail {et} "cannot write {f}"; }}
if [ -e {f} ]; then chmod --reference={f} {tmp} && chown --reference={f} {tmp}; else chmod 0644 {tmp}; fi || {{ rm -f {tmp}; fail {et} "cannot set the mode of {f}"; }}
mv -f {tmp} {f} || {{ rm -f {tmp}; fail {et} "cannot replace {f}"; }}
"#,
            ec = EXIT_TAB_CHANGED,
            et = EXIT_TABS,
            text = sh_quote(&e.text),
        ));
    }
    s.push_str(&format!(
        "echo \"$M tabs\"\n{} >&2 || fail {EXIT_MOUNT} \"mount failed\"\necho \"$M mounted\"\n",
        mount_cmd(p)
    ));
    s
}

/// How far a script got, read from its markers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// The re-check passed.
    pub checked: bool,
    /// The key file was created.
    pub key: bool,
    /// The LUKS header was written.
    pub formatted: bool,
    /// The header's UUID.
    pub uuid: Option<String>,
    /// The header backup's path.
    pub backup: Option<String>,
    /// The mapping was opened.
    pub opened: bool,
    /// The filesystem was created.
    pub mkfs: bool,
    /// crypttab and fstab were written.
    pub tabs: bool,
    /// The filesystem was mounted.
    pub mounted: bool,
}

fn uuid_ok(u: &str) -> bool {
    u.len() == 36
        && u.bytes().enumerate().all(|(i, b)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                b == b'-'
            } else {
                b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
            }
        })
}

impl Progress {
    /// Reads the markers of `stdout` (lines that do not start with the
    /// nonce are ignored; a malformed UUID or path is not taken).
    pub fn parse(stdout: &str, nonce: &str, name: &str) -> Progress {
        let m = format!("@@{nonce} ");
        let mut p = Progress::default();
        for l in stdout.lines().take(64) {
            let Some(rest) = l.strip_prefix(&m) else {
                continue;
            };
            let (k, v) = rest.split_once(' ').unwrap_or((rest, ""));
            match k {
                "checked" => p.checked = true,
                "key" => p.key = true,
                "formatted" => p.formatted = true,
                "uuid" if uuid_ok(v) => p.uuid = Some(v.to_string()),
                "backup"
                    if p.uuid
                        .as_deref()
                        .is_some_and(|u| v == header_backup(name, u)) =>
                {
                    p.backup = Some(v.to_string())
                }
                "opened" => p.opened = true,
                "mkfs" => p.mkfs = true,
                "tabs" => p.tabs = true,
                "mounted" => p.mounted = true,
                _ => {}
            }
        }
        p
    }

    /// One sentence of what was done.
    pub fn describe(&self) -> String {
        let mut v: Vec<String> = Vec::new();
        if self.key {
            v.push("the key file was created".into());
        }
        if self.formatted {
            v.push(format!(
                "the LUKS2 header exists (UUID {})",
                self.uuid.as_deref().unwrap_or("unknown")
            ));
        }
        if let Some(b) = &self.backup {
            v.push(format!("its header backup is {b}"));
        }
        if self.opened {
            v.push("the mapping is open".into());
        }
        if self.mkfs {
            v.push("the filesystem was created".into());
        }
        if self.tabs {
            v.push("crypttab and fstab were written".into());
        }
        if self.mounted {
            v.push("it is mounted".into());
        }
        if v.is_empty() {
            "nothing was written".into()
        } else {
            v.join("; ")
        }
    }
}
