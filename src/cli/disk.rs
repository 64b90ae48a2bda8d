//! `harden disk encrypt --host H --device D [--yes]`: set up a new LUKS2
//! data volume on a declared, provably empty device (see `crate::disk`).
//!
//! The device must be one of the host's declared `disks` (matched by its
//! path, or `UUID=`); its name, mount point, filesystem and key file come
//! from the inventory, the LUKS parameters from the host's floor. Without
//! `--yes` the command proves the device empty, shows every step with its
//! parameters and asks on a terminal (only `yes` is accepted), as `apply`
//! does; without a terminal it changes nothing and exits 1.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;

use crate::controls::disks::model::{DeviceRef, Disk, DiskSettings};
use crate::disk::session::{self, Outcome};
use crate::engine::context::RunContext;
use crate::events::Reporter;
use crate::inventory::{Host, Inventory};

/// `disk` and its subcommands.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: Sub,
}

/// Subcommands of `disk`.
#[derive(Debug, Subcommand)]
pub enum Sub {
    /// Set up a declared, empty device as a LUKS2 volume (key, header
    /// backup, filesystem, crypttab, fstab, mount).
    Encrypt(EncryptArgs),
}

/// Flags of `disk encrypt`.
#[derive(Debug, clap::Args)]
pub struct EncryptArgs {
    /// The host (its exact name).
    #[arg(long)]
    pub host: String,
    /// The device, as declared in the host's `disks` (path or UUID=…).
    #[arg(long)]
    pub device: String,
    /// Carry out the steps without asking.
    #[arg(long)]
    pub yes: bool,
    /// Upper bound, in seconds, for one remote read.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(5..=3600))]
    pub command_timeout: u64,
}

/// The declared disk of `host` that `device` names.
pub fn find<'a>(host: &'a Host, device: &str) -> Result<&'a Disk> {
    let disks = &host.settings::<DiskSettings>().disks;
    let matches = |d: &Disk| match &d.device {
        DeviceRef::Path(p) => p == device,
        DeviceRef::Uuid(u) => device == u || device.strip_prefix("UUID=") == Some(u.as_str()),
    };
    disks.iter().find(|d| matches(d)).ok_or_else(|| {
        let declared: Vec<String> = disks
            .iter()
            .map(|d| match &d.device {
                DeviceRef::Path(p) => p.clone(),
                DeviceRef::Uuid(u) => format!("UUID={u}"),
            })
            .collect();
        anyhow!(
            "[disk-not-declared] {}: {device:?} is not one of the host's declared disks ({}); declare it under hosts[].disks first",
            host.name,
            if declared.is_empty() { "none declared".to_string() } else { declared.join(", ") }
        )
    })
}

fn host<'a>(inv: &'a Inventory, name: &str) -> Result<&'a Host> {
    inv.hosts
        .iter()
        .find(|h| h.name == name)
        .ok_or_else(|| anyhow!("[disk-unknown-host] no host named {name:?} in the inventory"))
}

/// Prints the steps and decides: `--yes`, or `yes` typed on a terminal.
fn confirm(
    out: &mut dyn Write,
    host: &str,
    device: &str,
    steps: &[String],
    yes: bool,
    interactive: bool,
) -> bool {
    let _ = writeln!(out, "{host}: {device} is empty (blkid -p, wipefs -n, /sys, mountinfo, swaps, fstab, crypttab agree). harden will:");
    for (i, s) in steps.iter().enumerate() {
        let _ = writeln!(out, "  {}. {s}", i + 1);
    }
    let _ = out.flush();
    if yes {
        return true;
    }
    if !interactive {
        return false;
    }
    eprint!("\nEncrypt {device} on {host}? Only 'yes' is accepted: ");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).is_ok() && answer.trim() == "yes"
}

/// Runs `disk …`; returns the exit code.
pub fn run(inv_path: &std::path::Path, args: &Args) -> Result<u8> {
    let Sub::Encrypt(a) = &args.command;
    let inv = super::run::load(inv_path)?;
    for w in &inv.warnings {
        eprintln!("{w}");
    }
    encrypt(
        &inv,
        a,
        std::io::stdin().is_terminal(),
        &mut std::io::stdout(),
    )
}

/// `disk encrypt` against a loaded inventory, the report written to
/// `out`; `interactive` says whether to ask on the terminal without
/// `--yes`. Errors carry their `disk-…` code.
pub fn encrypt(
    inv: &Inventory,
    a: &EncryptArgs,
    interactive: bool,
    out: &mut dyn Write,
) -> Result<u8> {
    let h = host(inv, &a.host)?;
    let disk = find(h, &a.device)?;
    let floor = &h.settings::<DiskSettings>().floor;
    crate::disk::device::target(disk, floor).map_err(|e| anyhow!("{}: {e}", h.name))?;
    let ctx = RunContext::new(inv, Duration::from_secs(a.command_timeout))?;
    let reporter = Reporter::new(inv, &ctx).map_err(|e| anyhow!("{e}"))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let result = rt.block_on(async {
        reporter.flush().await;
        session::encrypt(&ctx, &reporter, h, disk, floor, |steps| {
            confirm(&mut *out, &h.name, &a.device, steps, a.yes, interactive)
        })
        .await
    });
    match result.map_err(|e| anyhow!("{e}"))? {
        Outcome::NotConfirmed => bail!(
            "[disk-not-confirmed] not encrypted: pass --yes to carry out these steps{}; nothing was written",
            if interactive { " (the answer was not 'yes')" } else { " (stdin is not a terminal)" }
        ),
        Outcome::Done(d) => {
            writeln!(
                out,
                "{}: {} ({}) is LUKS2 ({}, {} bits, argon2id) as /dev/mapper/{}, {} mounted on {}",
                h.name,
                d.target.device,
                d.kernel_path,
                d.target.params.cipher,
                d.target.params.key_bits,
                d.target.name,
                d.target.fs.as_str(),
                d.target.mount
            )?;
            writeln!(
                out,
                "{}: UUID {}; header backup {} (0600): copy it off the host, then delete it there (docs/disks.md)",
                h.name,
                d.progress.uuid.as_deref().unwrap_or("?"),
                d.progress.backup.as_deref().unwrap_or("?")
            )?;
            if !d.header_problems.is_empty() {
                bail!(
                    "[disk-header-mismatch] {}: the new header does not match the declared parameters: {}",
                    h.name,
                    d.header_problems.join("; ")
                );
            }
            Ok(if reporter.trouble() { 1 } else { 0 })
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::cli::{Cli, Command};
    use clap::Parser;

    use super::Sub;

    #[test]
    fn the_device_must_be_a_declared_disk_of_the_host() {
        use crate::controls::disks::model::{DeviceRef, Disk, DiskSettings, Fs, KeySource};
        let mut inv = crate::testkit::inventory()
            .host("otc-db-1", "10.213.0.11", "app")
            .load();
        let h = &inv.hosts[0];
        let e = super::find(h, "/dev/disk/by-id/x").unwrap_err().to_string();
        assert!(
            e.contains("[disk-not-declared]") && e.contains("none declared"),
            "{e}"
        );
        let disk = |device| Disk {
            device,
            name: "data1".into(),
            mount: "/srv/data".into(),
            fs: Fs::Ext4,
            key: KeySource::File("/etc/k".into()),
        };
        inv.hosts[0].sections.insert(
            "disks",
            Box::new(DiskSettings {
                disks: vec![
                    disk(DeviceRef::Path("/dev/disk/by-id/x".into())),
                    disk(DeviceRef::Uuid(
                        "0b6e3f0e-1111-2222-3333-444455556666".into(),
                    )),
                ],
                ..DiskSettings::default()
            }),
        );
        let h = &inv.hosts[0];
        assert!(super::find(h, "/dev/disk/by-id/x").is_ok());
        assert!(super::find(h, "UUID=0b6e3f0e-1111-2222-3333-444455556666").is_ok());
        let e = super::find(h, "/dev/sdb").unwrap_err().to_string();
        assert!(
            e.contains("/dev/disk/by-id/x, UUID=0b6e3f0e-1111-2222-3333-444455556666"),
            "{e}"
        );
        assert!(super::host(&inv, "otc-db-2").is_err());
    }

    #[test]
    fn encrypt_flags() {
        let c = Cli::try_parse_from([
            "harden",
            "disk",
            "encrypt",
            "--host",
            "otc-db-1",
            "--device",
            "/dev/disk/by-id/x",
        ])
        .unwrap();
        let Command::Disk(d) = c.command else {
            panic!("not disk")
        };
        let Sub::Encrypt(e) = d.command;
        assert_eq!(
            (e.host.as_str(), e.device.as_str(), e.yes),
            ("otc-db-1", "/dev/disk/by-id/x", false)
        );
        for missing in [
            &["harden", "disk", "encrypt", "--host", "a"][..],
            &["harden", "disk", "encrypt", "--device", "/dev/x"][..],
            &["harden", "disk"][..],
        ] {
            assert!(Cli::try_parse_from(missing).is_err(), "{missing:?}");
        }
    }
}
