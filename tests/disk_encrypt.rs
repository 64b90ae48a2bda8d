//! `harden disk encrypt` with real cryptsetup on loop devices inside a lab
//! host: what it refuses (and that the device is byte for byte unchanged
//! afterwards), what it shows without `--yes`, and a blank device set up
//! with `--yes` (see `tests/disk_encrypt_refuse.rs` for the refusals).
//!
//! Until the `disks` inventory section lands the disk is declared by hand:
//! the loaded inventory's host gets a `DiskSettings`, and the command runs
//! through `harden::cli::disk::encrypt` on a thread that entered the lab's
//! controller network namespace (so its ssh reaches the lab host as the
//! binary's would). Loop devices are global: each test detaches exactly
//! the ones it attached, by path, and removes their images. PBKDF cost is
//! lowered through the declared floor (argon2id 32 MiB, 4 iterations).

use std::os::unix::fs::PermissionsExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::Command;

use harden::cli::disk::EncryptArgs;
use harden::controls::disks::model::{DeviceRef, Disk, DiskSettings, Fs, KeySource, LuksFloor};

use crate::util::{run, Run, TestLab};

/// The host every test encrypts on (role app: no disk policy applies).
pub const HOST: &str = "otc-db-1";
/// The declared key file.
pub const KEY: &str = "/etc/cryptsetup-keys.d/data1.key";

const ONE_HOST: &str = r#"{defaults}
[[hosts]]
name = "otc-db-1"
address = "10.213.0.11"
extra_addresses = ["fd00:213::11"]
provider = "telekom"
environment = "production"
tenant = "clinic-a"
roles = ["app"]
"#;

/// A lab with the one host.
pub fn lab() -> TestLab {
    TestLab::new(&[HOST], ONE_HOST)
}

/// A loop device over a 64 MiB image; detached (by path) and removed on drop.
pub struct Loop {
    /// `/dev/loopN`.
    pub dev: String,
    /// The image file.
    pub image: PathBuf,
    _dir: tempfile::TempDir,
}

fn local(cmd: &str) -> Run {
    let mut c = Command::new("sh");
    c.args(["-c", cmd]);
    run(c)
}

impl Loop {
    /// `prep` fills the image (a file) before it is attached.
    pub fn new(prep: impl FnOnce(&Path)) -> Loop {
        let dir = tempfile::tempdir().expect("tempdir");
        let image = dir.path().join("disk.img");
        std::fs::File::create(&image)
            .and_then(|f| f.set_len(64 << 20))
            .expect("image");
        prep(&image);
        let out = local(&format!("losetup -f --show {}", image.display()));
        out.code(0);
        let dev = out.stdout.trim().to_string();
        assert!(dev.starts_with("/dev/loop"), "losetup printed {dev:?}");
        Loop {
            dev,
            image,
            _dir: dir,
        }
    }

    /// SHA-256 of the whole image.
    pub fn sha(&self) -> String {
        use sha2::{Digest, Sha256};
        let bytes = std::fs::read(&self.image).expect("read image");
        Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl Drop for Loop {
    fn drop(&mut self) {
        let _ = local(&format!("losetup -d {}", self.dev));
    }
}

/// A test LUKS floor (cheap argon2id).
pub fn floor() -> LuksFloor {
    LuksFloor {
        pbkdf_memory_kib: 32768,
        pbkdf_time_cost: 4,
        ..LuksFloor::default()
    }
}

/// The declared disk on `dev`.
pub fn disk(dev: &str) -> Disk {
    Disk {
        device: DeviceRef::Path(dev.into()),
        name: "data1".into(),
        mount: "/srv/data1".into(),
        fs: Fs::Ext4,
        key: KeySource::File(KEY.into()),
    }
}

/// What one `disk encrypt` said.
pub struct Said {
    /// Exit code, or the error (with its code).
    pub result: Result<u8, String>,
    /// What it printed.
    pub out: String,
}

impl Said {
    /// The error text (panics when it succeeded).
    #[track_caller]
    pub fn error(&self) -> &str {
        match &self.result {
            Err(e) => e,
            Ok(c) => panic!("expected an error, got exit {c}\n{}", self.out),
        }
    }
}

/// Runs `disk encrypt --host otc-db-1 --device <dev>` with `disk` declared.
pub fn encrypt(t: &TestLab, disk: Disk, yes: bool) -> Said {
    let mut inv = harden::cli::run::load(&t.inv).expect("inventory");
    let device = match &disk.device {
        DeviceRef::Path(p) => p.clone(),
        DeviceRef::Uuid(u) => format!("UUID={u}"),
    };
    let host = inv.hosts.iter_mut().find(|h| h.name == HOST).expect("host");
    host.sections.insert(
        "disks",
        Box::new(DiskSettings {
            disks: vec![disk],
            floor: floor(),
            require_encrypted_swap: false,
            declared: true,
            waiver: None,
        }),
    );
    let args = EncryptArgs {
        host: HOST.into(),
        device,
        yes,
        command_timeout: 60,
    };
    let ns = format!("/run/netns/{}", t.lab.controller_ns());
    std::thread::scope(|s| {
        s.spawn(|| {
            let f = std::fs::File::open(&ns).expect("controller netns");
            // SAFETY: setns on this thread only, with a valid fd.
            let rc = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
            assert_eq!(rc, 0, "setns into {ns}");
            let mut out = Vec::new();
            let result = harden::cli::disk::encrypt(&inv, &args, false, &mut out)
                .map_err(|e| format!("{e:#}"));
            Said {
                result,
                out: String::from_utf8_lossy(&out).into_owned(),
            }
        })
        .join()
        .expect("encrypt thread")
    })
}

/// The local audit log's text.
pub fn audit_log(t: &TestLab) -> Vec<u8> {
    let inv = harden::cli::run::load(&t.inv).expect("inventory");
    std::fs::read(&inv.audit.log).unwrap_or_default()
}

/// A path inside the host's overlay.
pub fn on_host(t: &TestLab, path: &str) -> PathBuf {
    t.lab.host(HOST).upper(path)
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o7777
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn without_yes_shows_every_step_and_changes_nothing() {
    let t = lab();
    let d = Loop::new(|_| {});
    let before = d.sha();
    let said = encrypt(&t, disk(&d.dev), false);
    let e = said.error();
    assert!(
        e.contains("[disk-not-confirmed]") && e.contains("nothing was written"),
        "{e}"
    );
    let wants: Vec<String> = vec![
        format!("cryptsetup luksFormat --batch-mode --type luks2 --cipher aes-xts-plain64 --key-size 512 --pbkdf argon2id --pbkdf-memory 32768 --pbkdf-force-iterations 4 --key-file {KEY} {}", d.dev),
        "cryptsetup luksHeaderBackup".into(),
        "/var/lib/harden/luks-headers/data1-<uuid>.img".into(),
        "mkfs.ext4 -q /dev/mapper/data1".into(),
        format!("/etc/crypttab: append the line `data1 {} {KEY} luks`", d.dev),
        "/etc/fstab: append the line `/dev/mapper/data1 /srv/data1 ext4 defaults,nofail 0 2`".into(),
    ];
    for want in &wants {
        assert!(said.out.contains(want), "missing {want}\n{}", said.out);
    }
    assert_eq!(d.sha(), before, "the device was not touched");
    assert!(!on_host(&t, KEY).exists(), "no key file was created");
    assert!(!on_host(&t, "/var/lib/harden/luks-headers").exists());
    assert!(!contains(&audit_log(&t), b"\"disk-encrypt\""));
}

#[test]
fn encrypts_a_blank_device_with_the_declared_parameters() {
    let t = lab();
    let d = Loop::new(|_| {});
    let dm =
        Path::new("/sys/module/dm_crypt").exists() && Path::new("/dev/mapper/control").exists();
    let said = encrypt(&t, disk(&d.dev), true);

    // The header has the declared parameters, whatever happened after it.
    let dump = local(&format!(
        "cryptsetup luksDump --dump-json-metadata {}",
        d.image.display()
    ));
    dump.code(0);
    let j: serde_json::Value = serde_json::from_str(&dump.stdout).expect("luksDump JSON");
    assert_eq!(j["segments"]["0"]["encryption"], "aes-xts-plain64", "{j}");
    assert_eq!(j["keyslots"]["0"]["key_size"], 64, "512-bit key: {j}");
    assert_eq!(j["keyslots"]["0"]["kdf"]["type"], "argon2id");
    assert_eq!(j["keyslots"]["0"]["kdf"]["memory"], 32768);
    assert_eq!(j["keyslots"]["0"]["kdf"]["time"], 4);
    let uuid = local(&format!("cryptsetup luksUUID {}", d.image.display()));
    let uuid = uuid.stdout.trim();

    // Header backup and key file: root only.
    let hdir = on_host(&t, "/var/lib/harden/luks-headers");
    assert_eq!(mode(&hdir), 0o700);
    let backup = hdir.join(format!("data1-{uuid}.img"));
    assert_eq!(mode(&backup), 0o600, "{}", backup.display());
    local(&format!("cryptsetup isLuks {}", backup.display())).code(0);
    let keyf = on_host(&t, KEY);
    assert_eq!(mode(&keyf), 0o600);
    let key = std::fs::read(&keyf).expect("key file");
    assert_eq!(key.len(), 64);

    // The key is nowhere in harden's output, its errors or the audit logs.
    use base64ct::Encoding;
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    let b64 = base64ct::Base64::encode_string(&key);
    let text = format!(
        "{}{}",
        said.out,
        said.result.as_ref().err().cloned().unwrap_or_default()
    );
    let log = audit_log(&t);
    let host_log = std::fs::read(on_host(&t, "/var/log/harden/audit.jsonl")).unwrap_or_default();
    for hay in [text.as_bytes(), &log, &host_log] {
        for needle in [
            &key[..],
            &key[..16],
            hex.as_bytes(),
            &hex.as_bytes()[..32],
            b64.as_bytes(),
        ] {
            assert!(!contains(hay, needle), "key material leaked");
        }
    }
    let log = String::from_utf8_lossy(&log);
    assert!(
        log.contains(&d.dev) && log.contains(uuid),
        "the event names device and uuid"
    );

    if dm {
        assert_eq!(said.result, Ok(0), "{}", said.out);
        assert!(log.contains("\"disk-encrypt\"") && log.contains("\"encrypted\""));
        let crypttab = std::fs::read_to_string(on_host(&t, "/etc/crypttab")).expect("crypttab");
        assert!(
            crypttab.contains(&format!("data1 {} {KEY} luks\n", d.dev)),
            "{crypttab}"
        );
        let fstab = std::fs::read_to_string(on_host(&t, "/etc/fstab")).expect("fstab");
        assert!(fstab.contains("/dev/mapper/data1 /srv/data1 ext4 defaults,nofail 0 2\n"));
        assert!(t
            .on(HOST, "cat /proc/self/mountinfo")
            .contains(" /srv/data1 "));
        t.on(HOST, "umount /srv/data1 && cryptsetup close data1");
    } else {
        let e = said.error();
        assert!(
            e.contains("[disk-no-device-mapper]") && e.contains("the kernel has no device-mapper"),
            "{e}"
        );
        assert!(
            e.contains(&format!("the LUKS2 header exists (UUID {uuid})")),
            "{e}"
        );
        assert!(
            e.contains(&format!(
                "its header backup is /var/lib/harden/luks-headers/data1-{uuid}.img"
            )),
            "{e}"
        );
        assert!(log.contains("\"disk-encrypt-failed\"") && log.contains("\"no-device-mapper\""));
        assert!(
            !on_host(&t, "/etc/crypttab").exists() && !on_host(&t, "/etc/fstab").exists(),
            "tabs untouched"
        );
        eprintln!(
            "NOTE: this kernel has no device-mapper: `cryptsetup open` fails, so the mapping, mkfs, crypttab/fstab and mount steps were skipped for that reason; the key file, LUKS2 header and header backup were checked"
        );
    }
}
