//! What one declared device's LUKS header must show, read from
//! `cryptsetup luksDump` ([`LuksDump`]: the JSON metadata of LUKS2, the
//! text dump of LUKS1): LUKS2; every data segment software-encrypted with
//! a floor cipher and key size (a `hw-opal` segment alone is not); every
//! keyslot argon2id at or above the floor's memory and time cost; no
//! pending re-encryption (`config.requirements`). None of it can be fixed
//! by apply: each finding is report-only ([`Fix::None`]).

use crate::contract::kinds::{Kdf, LuksDump, LuksHeader};
use crate::contract::Fix;
use crate::report::model::Finding;

use super::model::LuksFloor;

const C: &str = "disks";
const TOM: &str = crate::tom::DISK_ENCRYPTION.id;

/// The command a finding names as its source.
fn read_by(dev: &str, h: Option<&LuksHeader>) -> String {
    match h.map(|h| h.version) {
        Some(2) => format!("read by `cryptsetup luksDump --dump-json-metadata {dev}`"),
        Some(_) => format!("read by `cryptsetup luksDump {dev}` (LUKS1 has no JSON metadata)"),
        None => format!("read by `cryptsetup isLuks {dev}`"),
    }
}

fn check(
    check: &'static str,
    item: &str,
    expected: String,
    problems: &[String],
    ok: String,
    src: &str,
) -> Finding {
    let f = Finding::new(C, check, item, TOM);
    if problems.is_empty() {
        f.ok(ok).with_message(src.to_string())
    } else {
        f.drift(expected, problems.join("; "), Fix::None)
            .with_message(format!(
                "{src}; apply cannot change this: re-encrypt the volume (see docs/disks.md)"
            ))
    }
}

/// The findings for device `item` (as declared), whose header was read
/// from node `dev`.
pub fn findings(
    item: &str,
    dev: &str,
    header: Option<&LuksHeader>,
    floor: &LuksFloor,
) -> Vec<Finding> {
    let src = read_by(dev, header);
    let Some(h) = header else {
        return vec![Finding::new(C, "luks-version", item, TOM)
            .drift(
                "a LUKS2 header",
                "no LUKS header: the device is not encrypted",
                Fix::None,
            )
            .with_message(format!(
                "{src}; encrypt the data onto a new LUKS2 volume (harden disk encrypt)"
            ))];
    };
    let version = check(
        "luks-version",
        item,
        "LUKS2".into(),
        &if h.version == 2 {
            vec![]
        } else {
            vec![format!("LUKS{}", h.version)]
        },
        "LUKS2".into(),
        &src,
    );
    let mut out = vec![version];
    out.push(segments(item, h, floor, &src));
    out.push(keyslots(item, h, floor, &src));
    let pending: Vec<String> = h
        .requirements
        .iter()
        .map(|r| {
            format!("mandatory requirement `{r}` (a re-encryption is pending or was interrupted)")
        })
        .collect();
    out.push(check(
        "luks-reencrypt",
        item,
        "no pending re-encryption (config.requirements empty)".into(),
        &pending,
        "no pending re-encryption".into(),
        &src,
    ));
    out
}

fn segments(item: &str, h: &LuksHeader, floor: &LuksFloor, src: &str) -> Finding {
    let ciphers = floor.ciphers.join(" or ");
    let want = format!(
        "every segment software-encrypted with {ciphers}, key ≥ {} bits",
        floor.key_bits
    );
    let mut problems = Vec::new();
    let mut seen = Vec::new();
    for s in &h.segments {
        let cipher = s.encryption.as_deref().unwrap_or("none");
        match s.kind.as_str() {
            "crypt" | "hw-opal-crypt" => {
                if !floor.ciphers.iter().any(|c| c == cipher) {
                    problems.push(format!("segment {}: cipher {cipher}", s.id));
                }
                match s.key_bits {
                    Some(b) if b >= floor.key_bits => {
                        seen.push(format!("segment {}: {cipher}, {b}-bit key", s.id))
                    }
                    Some(b) => problems.push(format!("segment {}: {b}-bit key", s.id)),
                    None => {
                        problems.push(format!("segment {}: no keyslot gives its key size", s.id))
                    }
                }
            }
            "hw-opal" => problems.push(format!(
                "segment {}: hw-opal (the drive's own OPAL encryption, no software encryption)",
                s.id
            )),
            "linear" if !h.requirements.is_empty() => seen.push(format!(
                "segment {}: linear (re-encryption in progress)",
                s.id
            )),
            other => problems.push(format!("segment {}: type {other}, not encrypted", s.id)),
        }
    }
    if h.segments.is_empty() {
        problems.push("no data segment".into());
    }
    check("luks-cipher", item, want, &problems, seen.join("; "), src)
}

fn keyslots(item: &str, h: &LuksHeader, floor: &LuksFloor, src: &str) -> Finding {
    let want = format!(
        "every keyslot argon2id, memory ≥ {} KiB, time cost ≥ {}",
        floor.pbkdf_memory_kib, floor.pbkdf_time_cost
    );
    let mut problems = Vec::new();
    let mut seen = Vec::new();
    for k in h.keyslots.iter().filter(|k| k.kind != "reencrypt") {
        match &k.kdf {
            Some(Kdf::Pbkdf2 { hash, iterations }) => problems.push(format!(
                "keyslot {}: pbkdf2 ({hash}, {iterations} iterations)",
                k.id
            )),
            Some(Kdf::Argon2 {
                id,
                time,
                memory_kib,
                ..
            }) => {
                let name = if *id { "argon2id" } else { "argon2i" };
                let mut bad = Vec::new();
                if !id {
                    bad.push("argon2i".to_string());
                }
                if *memory_kib < u64::from(floor.pbkdf_memory_kib) {
                    bad.push(format!("memory {memory_kib} KiB"));
                }
                if *time < u64::from(floor.pbkdf_time_cost) {
                    bad.push(format!("time cost {time}"));
                }
                let text = format!("keyslot {}: {name}, {memory_kib} KiB, time {time}", k.id);
                if bad.is_empty() {
                    seen.push(text);
                } else {
                    problems.push(format!("keyslot {}: {}", k.id, bad.join(", ")));
                }
            }
            None => problems.push(format!(
                "keyslot {}: type {} without a key derivation",
                k.id, k.kind
            )),
        }
    }
    if seen.is_empty() && problems.is_empty() {
        problems.push("no keyslot".into());
    }
    check("luks-keyslot", item, want, &problems, seen.join("; "), src)
}

/// The probe of the header behind `node`.
pub fn probe_kind(node: &str) -> Option<LuksDump> {
    LuksDump::new(node).ok()
}
