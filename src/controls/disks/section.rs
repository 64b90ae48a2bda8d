//! The disks section: `hosts[].disks = [{ device, name, mount, fs, key }]`
//! (an array of tables: the loader lifts any value named like a section,
//! so no change there) and `[defaults.disks]` with the LUKS floor
//! (`ciphers`, `key_bits`, `pbkdf_memory_kib`, `pbkdf_time_cost`), loaded
//! into [`DiskSettings`]. The floor may be tightened, never loosened below
//! [`LuksFloor::default`] (`pol-disk-floor`). Policy: a host with the data
//! role declares its disks (`pol-data-disks-undeclared`).

use std::any::Any;
use std::collections::HashSet;

use serde::Deserialize;

use super::model::{DeviceRef, Disk, DiskSettings, LuksFloor};
use super::section_values as values;
use crate::contract::section::{Section, SectionCx, Side};
use crate::inventory::source::{Diagnostic, Diags, KeyPath, Severity};
use crate::inventory::validate::CodeInfo;
use crate::inventory::{Inventory, Role};

/// Most disks one host may declare.
pub const MAX_DISKS: usize = 32;
/// Data-segment ciphers harden accepts in a floor (XTS, 512-bit keys).
pub const APPROVED_CIPHERS: &[&str] = &[
    "aes-xts-plain64",
    "serpent-xts-plain64",
    "twofish-xts-plain64",
];
/// Upper bounds that keep a floor satisfiable (cryptsetup's own limits).
const MAX_KEY_BITS: u32 = 4096;
const MAX_MEMORY_KIB: u32 = 4 * 1024 * 1024;
const MAX_TIME_COST: u32 = 1000;

/// `[defaults.disks]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFloor {
    ciphers: Option<Vec<String>>,
    key_bits: Option<u32>,
    pbkdf_memory_kib: Option<u32>,
    pbkdf_time_cost: Option<u32>,
    waiver: Option<String>,
}

/// One entry of `hosts[].disks`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDisk {
    device: String,
    name: String,
    mount: String,
    fs: String,
    key: String,
}

/// The `disks` section.
pub struct DisksSection;

impl Section for DisksSection {
    fn name(&self) -> &'static str {
        "disks"
    }

    fn load(
        &self,
        cx: &mut SectionCx<'_>,
        defaults: Option<&toml::Value>,
        host: Option<&toml::Value>,
    ) -> Box<dyn Any + Send + Sync> {
        let raw_floor = cx.parse::<RawFloor>(Side::Defaults, defaults);
        let waiver = raw_floor.as_ref().and_then(|f| f.waiver.clone());
        if let Some(w) = &waiver {
            let at = cx.key(Side::Defaults, "waiver");
            cx.text(&at, w, 200);
            if w.trim().is_empty() {
                cx.error(
                    &at,
                    "inv-bad-text",
                    "the disks waiver is empty",
                    "say why data hosts without declared volumes are accepted, or remove the waiver",
                );
            }
        }
        let floor = raw_floor.map(|f| floor(cx, &f)).unwrap_or_default();
        let raw: Option<Vec<RawDisk>> = cx.parse(Side::Host, host);
        let disks = raw.map(|r| disks(cx, &r)).unwrap_or_default();
        Box::new(DiskSettings {
            require_encrypted_swap: host.is_some(),
            declared: host.is_some(),
            disks,
            floor,
            waiver,
        })
    }

    fn codes(&self) -> &'static [CodeInfo] {
        super::section_codes::CODES
    }

    fn unchecked(&self) -> &'static [crate::contract::section::Unchecked] {
        super::section_codes::UNCHECKED
    }

    fn policy(&self, inv: &Inventory, out: &mut Diags) {
        for h in &inv.hosts {
            if h.has_role(Role::Data) && !h.settings::<DiskSettings>().declared {
                let at = KeyPath::root().key("hosts").index(h.index).key("roles");
                out.add(Severity::Error, || {
                    Diagnostic::at(
                        &inv.source,
                        &at,
                        "pol-data-disks-undeclared",
                        format!("data host `{}` does not declare its data disks", h.name),
                        "add disks = [{ device = \"/dev/disk/by-id/…\", name = \"data\", mount = \"/srv/data\", fs = \"ext4\", key = \"prompt\" }] (disks = [] when it keeps no data on volumes of its own); drift then verifies each is LUKS2",
                    )
                    .tom(crate::tom::DISK_ENCRYPTION.id)
                });
            } else if no_volumes(h) {
                let at = KeyPath::root().key("hosts").index(h.index).key("disks");
                out.add(Severity::Warning, || {
                    Diagnostic::at(
                        &inv.source,
                        &at,
                        "pol-data-disks-none",
                        format!("data host `{}` declares no data disks: harden verifies no encrypted volume on it", h.name),
                        "declare the volumes that hold its data (disks = [{ device = \"/dev/disk/by-id/…\", … }]); `disks = []` suits only a host whose data lives elsewhere",
                    )
                    .tom(crate::tom::DISK_ENCRYPTION.id)
                    .warning()
                });
            }
        }
    }
}

/// `pol-data-disks-none`'s hosts: a data host that declares `disks = []`
/// and is not at Telekom (where `evs` reads its volumes): no volume of it
/// is verified as encrypted.
pub fn no_volumes(h: &crate::inventory::Host) -> bool {
    h.has_role(Role::Data)
        && h.settings::<DiskSettings>().declared
        && h.settings::<DiskSettings>().disks.is_empty()
        && !matches!(
            h.settings::<crate::backend::http::cloud::CloudSettings>()
                .account(h),
            Some(crate::backend::http::cloud::CloudKey::Otc(_))
        )
}

/// The floor: harden's minimums, tightened where the inventory says.
fn floor(cx: &mut SectionCx<'_>, f: &RawFloor) -> LuksFloor {
    let min = LuksFloor::default();
    let mut out = min.clone();
    let num = |cx: &mut SectionCx<'_>, key: &str, v: Option<u32>, min: u32, max: u32| {
        let Some(v) = v else { return min };
        let at = cx.key(Side::Defaults, key);
        if v < min {
            cx.policy_error(
                &at,
                "pol-disk-floor",
                crate::tom::DISK_ENCRYPTION,
                format!("{key} = {v} is below harden's minimum {min}"),
                format!("a floor may only be raised: set {key} to {min} or more"),
            );
            min
        } else if v > max {
            cx.error(
                &at,
                "inv-schema",
                format!("{key} = {v} is above {max}, which no LUKS2 header can meet"),
                format!("set {key} between {min} and {max}"),
            );
            min
        } else {
            v
        }
    };
    out.key_bits = num(cx, "key_bits", f.key_bits, min.key_bits, MAX_KEY_BITS);
    out.pbkdf_memory_kib = num(
        cx,
        "pbkdf_memory_kib",
        f.pbkdf_memory_kib,
        min.pbkdf_memory_kib,
        MAX_MEMORY_KIB,
    );
    out.pbkdf_time_cost = num(
        cx,
        "pbkdf_time_cost",
        f.pbkdf_time_cost,
        min.pbkdf_time_cost,
        MAX_TIME_COST,
    );
    if let Some(c) = &f.ciphers {
        let at = cx.key(Side::Defaults, "ciphers");
        let unique: HashSet<&String> = c.iter().collect();
        if c.is_empty() || unique.len() != c.len() {
            cx.error(
                &at,
                "inv-disk-cipher",
                "ciphers is empty or names a cipher twice",
                "list each accepted cipher once, e.g. ciphers = [\"aes-xts-plain64\"]",
            );
        } else if let Some((i, bad)) = c
            .iter()
            .enumerate()
            .find(|(_, c)| !APPROVED_CIPHERS.contains(&c.as_str()))
        {
            cx.policy_error(
                &at.index(i),
                "pol-disk-floor",
                crate::tom::DISK_ENCRYPTION,
                format!("cipher `{}` is not one harden accepts", values::shown(bad)),
                format!("use one of {}", APPROVED_CIPHERS.join(", ")),
            );
        } else {
            out.ciphers = c.clone();
        }
    }
    out
}

/// The host's disks, each value checked; a bad entry is reported and left out.
fn disks(cx: &mut SectionCx<'_>, raw: &[RawDisk]) -> Vec<Disk> {
    let base = cx.path(Side::Host).clone();
    if raw.len() > MAX_DISKS {
        cx.error(
            &base,
            "inv-disk-duplicate",
            format!("more than {MAX_DISKS} disks"),
            "declare each data volume once",
        );
        return Vec::new();
    }
    let mut out: Vec<Disk> = Vec::new();
    let mut seen: HashSet<(&'static str, String)> = HashSet::new();
    for (i, r) in raw.iter().enumerate() {
        let at = base.index(i);
        let bad = |cx: &mut SectionCx<'_>, key: &str, code: &'static str, p: values::Problem| {
            cx.error(&at.key(key), code, p.0, p.1);
        };
        let device = values::device(&r.device).map_err(|p| bad(cx, "device", "inv-disk-device", p));
        let name = values::name(&r.name).map_err(|p| bad(cx, "name", "inv-disk-name", p));
        let mount = values::mount(&r.mount).map_err(|p| bad(cx, "mount", "inv-disk-mount", p));
        let fs = values::fs(&r.fs).map_err(|p| bad(cx, "fs", "inv-disk-fs", p));
        let key = values::key(&r.key).map_err(|p| bad(cx, "key", "inv-disk-key", p));
        let (Ok(device), Ok(name), Ok(mount), Ok(fs), Ok(key)) = (device, name, mount, fs, key)
        else {
            continue;
        };
        let dev_text = match &device {
            DeviceRef::Path(p) => p.clone(),
            DeviceRef::Uuid(u) => format!("UUID={u}"),
        };
        let mut dup = false;
        for (what, v) in [
            ("device", dev_text),
            ("name", name.clone()),
            ("mount", mount.clone()),
        ] {
            if !seen.insert((what, v.clone())) {
                cx.error(
                    &at.key(what),
                    "inv-disk-duplicate",
                    format!("{what} `{v}` is declared twice"),
                    "declare each data volume once, with its own mapping name and mount point",
                );
                dup = true;
            }
        }
        if !dup {
            out.push(Disk {
                device,
                name,
                mount,
                fs,
                key,
            });
        }
    }
    out
}

#[cfg(test)]
#[path = "section_tests.rs"]
mod tests;
