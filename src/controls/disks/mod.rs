//! Disk encryption on data-holding hosts (TOM-1.2-disk-encryption): the
//! declared LUKS2 volumes, verified from the host, and the one-time
//! set-up of a new, provably empty data volume (`harden disk encrypt`).
//!
//! The `disks` control manages hosts that declare disks or have the data
//! role. First phase: the block devices (`lsblk`), `/etc/crypttab`,
//! `/etc/fstab`, the swap and dm tables and where each declared device
//! resolves ([`host_kind::DiskHost`]), each key file's `stat`. Second
//! phase ([`Control::probes_after`]): `cryptsetup luksDump` of each
//! declared device that exists. Findings ([`verify_luks`],
//! [`verify_map`]) are report-only; only the crypttab and fstab rows are
//! written by apply ([`files`]), key by key.

pub mod files;
pub mod host_kind;
pub mod model;
pub mod section;
mod section_codes;
pub mod section_values;
pub mod verify_luks;
pub mod verify_map;

use crate::contract::kinds::{BlockDevices, FileStat};
use crate::contract::{Control, Facts, HostCtx, Plan, Probe, RenderError};
use crate::inventory::Role;
use crate::report::model::Finding;
use host_kind::{declared, DiskHost};
use model::{DeviceRef, DiskSettings, KeySource};

const TOM: &str = crate::tom::DISK_ENCRYPTION.id;

/// The disks control.
pub struct Disks;

fn settings<'a>(ctx: &HostCtx<'a>) -> &'a DiskSettings {
    ctx.host.settings::<DiskSettings>()
}

fn host_kind(s: &DiskSettings) -> DiskHost {
    DiskHost {
        devices: s.disks.iter().map(|d| d.device.clone()).collect(),
    }
}

/// The node whose header is read: the declared path for a stable path
/// (cryptsetup follows the link), the resolved node for a UUID.
fn header_node<'f>(d: &'f model::Disk, node: &'f str) -> &'f str {
    match &d.device {
        DeviceRef::Path(p) => p,
        DeviceRef::Uuid(_) => node,
    }
}

fn failed(check: &'static str, item: &str, e: impl std::fmt::Display) -> Finding {
    Finding::new("disks", check, item, TOM).failed(format!("could not be read: {e}"))
}

impl Control for Disks {
    fn id(&self) -> &'static str {
        "disks"
    }

    fn section(&self) -> Option<&'static dyn crate::contract::section::Section> {
        Some(&section::DisksSection)
    }

    fn measures(&self) -> &'static [&'static crate::tom::Tom] {
        &[crate::tom::DISK_ENCRYPTION]
    }

    fn applies(&self, ctx: &HostCtx<'_>) -> bool {
        let s = settings(ctx);
        s.declared || ctx.host.has_role(Role::Data)
    }

    fn probes(&self, ctx: &HostCtx<'_>) -> Result<Vec<Probe>, RenderError> {
        let s = settings(ctx);
        let mut p = vec![
            Probe::kind(&BlockDevices),
            Probe::kind(&host_kind(s)),
            Probe::File(files::CRYPTTAB.into()),
            Probe::File(files::FSTAB.into()),
        ];
        for d in &s.disks {
            if let KeySource::File(k) = &d.key {
                let k = FileStat::new(k).map_err(|e| RenderError(e.to_string()))?;
                p.push(Probe::kind(&k));
            }
        }
        Ok(p)
    }

    fn probes_after(&self, ctx: &HostCtx<'_>, facts: &Facts) -> Result<Vec<Probe>, RenderError> {
        let s = settings(ctx);
        let Ok(h) = facts.kind(&host_kind(s)) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for d in &s.disks {
            if let Some(node) = h.node(&declared(&d.device)) {
                if let Some(k) = verify_luks::probe_kind(header_node(d, node)) {
                    out.push(Probe::kind(&k));
                }
            }
        }
        Ok(out)
    }

    fn plan(&self, ctx: &HostCtx<'_>, facts: &Facts) -> Result<Plan, RenderError> {
        let mut p = Plan::new(self.id());
        let s = settings(ctx);
        files::plan_files(&mut p, &s.disks, facts, TOM)?;
        if facts.assumed {
            return Ok(p);
        }
        verify(&mut p, ctx, s, facts);
        Ok(p)
    }
}

/// A data host with `disks = []`: the guest layer evidences nothing. That
/// is accepted when the provider's volumes are checked instead (an OTC
/// account: the `evs` control) or the estate waives it with a reason;
/// otherwise it is drift an auditor reads.
fn no_volumes(ctx: &HostCtx<'_>, s: &DiskSettings) -> Finding {
    let f = Finding::new("disks", "data-volumes", "disks", TOM);
    let cloud = ctx
        .host
        .settings::<crate::backend::http::cloud::CloudSettings>()
        .account(ctx.host);
    if matches!(cloud, Some(crate::backend::http::cloud::CloudKey::Otc(_))) {
        return f.info(
            "no guest-encrypted (LUKS) volume is declared (`disks = []`); the encryption of this host's provider volumes is evidenced by the evs check (EVS KMS metadata)",
        );
    }
    if let Some(w) = &s.waiver {
        return f.info(format!(
            "no encrypted volume is declared (`disks = []`) and no provider check is configured; waived in [defaults.disks]: {w}"
        ));
    }
    f.drift(
        "encrypted data volumes declared (disks) or the provider's volumes checked (cloud.otc)",
        "disks = [] and no provider account",
        crate::report::model::Fix::None,
    )
    .with_message(
        "TOM-1.2-disk-encryption is not evidenced for this data host: it declares no LUKS volume and harden cannot read its provider volumes; declare the volumes that hold its data, configure [defaults.cloud.otc] so the EVS encryption is checked, or record why in [defaults.disks] waiver",
    )
}

/// The report-only findings, from the facts of both phases.
fn verify(p: &mut Plan, ctx: &HostCtx<'_>, s: &DiskSettings, facts: &Facts) {
    let devs = facts.kind(&BlockDevices);
    let host = match facts.kind(&host_kind(s)) {
        Ok(h) => h,
        Err(e) => {
            p.push(failed("swap", "swap", e));
            return;
        }
    };
    if s.require_encrypted_swap || ctx.host.has_role(Role::Data) {
        p.push(verify_map::swap(&host));
    }
    if ctx.host.has_role(Role::Data) && s.disks.is_empty() {
        p.push(no_volumes(ctx, s));
    }
    for d in &s.disks {
        let item = declared(&d.device);
        if let KeySource::File(k) = &d.key {
            match FileStat::new(k).map(|f| facts.kind(&f)) {
                Ok(Ok(info)) => p.push(verify_map::key_file(&item, k, info.as_ref())),
                Ok(Err(e)) => p.push(failed("key-file", &item, e)),
                Err(e) => p.push(failed("key-file", &item, e)),
            }
        }
        let Some(node) = host.node(&item) else {
            p.push(verify_map::missing(
                &item,
                matches!(d.device, DeviceRef::Uuid(_)),
            ));
            continue;
        };
        match verify_luks::probe_kind(header_node(d, node)).map(|k| facts.kind(&k)) {
            Some(Ok(h)) => p.extend(verify_luks::findings(
                &item,
                header_node(d, node),
                h.as_ref(),
                &s.floor,
            )),
            Some(Err(e)) => p.push(failed("luks-version", &item, e)),
            None => p.push(failed("luks-version", &item, "the device path was refused")),
        }
        match &devs {
            Ok(devs) => p.push(verify_map::mapping(d, &item, node, devs)),
            Err(e) => p.push(failed("crypt-mount", &item, e)),
        }
    }
}

#[cfg(test)]
mod tests;
