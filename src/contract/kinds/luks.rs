//! `LuksDump`: a LUKS header's segments, keyslots, tokens and requirements.
//!
//! LUKS2 is read from `cryptsetup luksDump --dump-json-metadata` (cryptsetup
//! 2.6 on Debian 12 has it), LUKS1 from the text dump ([`super::luks_text`]).
//! The script prints one marker line first: `@@luks2`, `@@luks1` or
//! `@@not-luks`; a device that is not LUKS is `Ok(None)`.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::error::accept;
use super::text::{check_path, check_value, sh_quote};
use super::{CmdOutput, Kind, KindError};

const KIND: &str = "kind.luks-dump";
pub(super) const CMD: &str = "cryptsetup luksDump";
const MAX_BYTES: usize = 4 << 20;
/// LUKS2 has at most 32 keyslots, LUKS1 8; segments and tokens are fewer.
pub(super) const MAX_ITEMS: usize = 32;

/// The LUKS header of one device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LuksDump {
    device: String,
}

impl LuksDump {
    /// The header of `device` (an absolute path, e.g. `/dev/disk/by-id/…`).
    pub fn new(device: &str) -> Result<Self, KindError> {
        check_path("device", device)
            .map_err(|detail| KindError::BadParameter { kind: KIND, detail })?;
        Ok(LuksDump {
            device: device.to_string(),
        })
    }

    /// The device.
    pub fn device(&self) -> &str {
        &self.device
    }
}

/// A LUKS header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LuksHeader {
    /// 1 or 2.
    pub version: u8,
    /// Data segments.
    pub segments: Vec<LuksSegment>,
    /// Keyslots in use.
    pub keyslots: Vec<LuksKeyslot>,
    /// Tokens (LUKS2 only).
    pub tokens: Vec<LuksToken>,
    /// Mandatory requirements, e.g. `online-reencrypt-v2` while a
    /// reencryption is pending (LUKS2 only).
    pub requirements: Vec<String>,
}

/// One data segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LuksSegment {
    /// Segment number.
    pub id: u32,
    /// `crypt`, `linear`, `hw-opal`, `hw-opal-crypt`, … as printed.
    pub kind: String,
    /// Cipher, e.g. `aes-xts-plain64` (none for `linear` and `hw-opal`).
    pub encryption: Option<String>,
    /// Volume key size in bits, from a keyslot bound to this segment.
    pub key_bits: Option<u32>,
    /// Flags such as `backup-previous` (during reencryption).
    pub flags: Vec<String>,
}

/// One keyslot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LuksKeyslot {
    /// Slot number.
    pub id: u32,
    /// `luks2`, `reencrypt`, … (`luks1` for LUKS1 slots).
    pub kind: String,
    /// Size in bits of the key it stores (none for a `reencrypt` slot).
    pub key_bits: Option<u32>,
    /// Its key derivation (none for a `reencrypt` slot).
    pub kdf: Option<Kdf>,
}

/// A keyslot's key derivation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kdf {
    /// PBKDF2.
    Pbkdf2 {
        /// Hash, e.g. `sha256`.
        hash: String,
        /// Iterations.
        iterations: u64,
    },
    /// Argon2i or Argon2id.
    Argon2 {
        /// Whether it is Argon2id (else Argon2i).
        id: bool,
        /// Time cost (iterations).
        time: u64,
        /// Memory in KiB.
        memory_kib: u64,
        /// Parallel threads.
        parallel: u32,
    },
}

/// One token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LuksToken {
    /// Token number.
    pub id: u32,
    /// Its type, e.g. `systemd-tpm2`, `luks2-keyring`.
    pub kind: String,
    /// Keyslots it unlocks.
    pub keyslots: Vec<u32>,
}

#[derive(Deserialize)]
struct Raw {
    keyslots: BTreeMap<String, RawSlot>,
    #[serde(default)]
    tokens: BTreeMap<String, RawToken>,
    segments: BTreeMap<String, RawSegment>,
    #[serde(default)]
    digests: BTreeMap<String, RawDigest>,
    config: RawConfig,
}

#[derive(Deserialize)]
struct RawSlot {
    #[serde(rename = "type")]
    kind: String,
    key_size: Option<u32>,
    kdf: Option<RawKdf>,
}

#[derive(Deserialize)]
struct RawKdf {
    #[serde(rename = "type")]
    kind: String,
    hash: Option<String>,
    iterations: Option<u64>,
    time: Option<u64>,
    memory: Option<u64>,
    cpus: Option<u32>,
}

#[derive(Deserialize)]
struct RawToken {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    keyslots: Vec<String>,
}

#[derive(Deserialize)]
struct RawSegment {
    #[serde(rename = "type")]
    kind: String,
    encryption: Option<String>,
    #[serde(default)]
    flags: Vec<String>,
}

#[derive(Deserialize)]
struct RawDigest {
    #[serde(default)]
    keyslots: Vec<String>,
    #[serde(default)]
    segments: Vec<String>,
}

#[derive(Deserialize)]
struct RawConfig {
    requirements: Option<RawReq>,
}

#[derive(Deserialize)]
struct RawReq {
    #[serde(default)]
    mandatory: Vec<String>,
}

impl Kind for LuksDump {
    type Value = Option<LuksHeader>;

    fn id(&self) -> String {
        format!("{KIND}:{}", self.device)
    }

    fn script(&self) -> String {
        let d = sh_quote(&self.device);
        format!(
            "d={d}\n\
             if cryptsetup isLuks --type luks2 -- \"$d\"; then\n\
             echo @@luks2; exec cryptsetup luksDump --dump-json-metadata -- \"$d\"\n\
             elif cryptsetup isLuks -- \"$d\"; then\n\
             echo @@luks1; exec cryptsetup luksDump -- \"$d\"\n\
             else r=$?; [ \"$r\" -eq 1 ] && echo @@not-luks && exit 0; exit \"$r\"; fi\n"
        )
    }

    fn parse(&self, out: &CmdOutput<'_>) -> Result<Option<LuksHeader>, KindError> {
        let id = self.id();
        accept(out, &id, CMD, MAX_BYTES)?;
        let bad = |detail: String| KindError::Malformed {
            id: id.clone(),
            command: CMD,
            detail,
        };
        let (marker, rest) = out.stdout.split_once('\n').unwrap_or((out.stdout, ""));
        match marker {
            "@@not-luks" if rest.trim().is_empty() => Ok(None),
            "@@luks2" => luks2(rest).map(Some).map_err(bad),
            "@@luks1" => super::luks_text::luks1(rest).map(Some).map_err(bad),
            _ => Err(bad("no @@luks2/@@luks1/@@not-luks marker line".into())),
        }
    }
}

/// A LUKS2 object number ("0" … "31").
pub(super) fn number(what: &str, s: &str) -> Result<u32, String> {
    match s.parse::<u32>() {
        Ok(n) if (n as usize) < MAX_ITEMS && !s.starts_with('+') => Ok(n),
        _ => Err(format!("a {what} number that is not 0..{MAX_ITEMS}")),
    }
}

fn name(what: &str, s: String) -> Result<String, String> {
    check_value(what, &s, 128)?;
    if s.is_empty() {
        return Err(format!("an empty {what}"));
    }
    Ok(s)
}

fn luks2(json: &str) -> Result<LuksHeader, String> {
    let raw: Raw = serde_json::from_str(json).map_err(|e| format!("no LUKS2 JSON ({e})"))?;
    if raw.keyslots.len() > MAX_ITEMS
        || raw.segments.len() > MAX_ITEMS
        || raw.tokens.len() > MAX_ITEMS
        || raw.digests.len() > MAX_ITEMS
    {
        return Err(format!(
            "more than {MAX_ITEMS} keyslots, segments, tokens or digests"
        ));
    }
    let mut keyslots = Vec::new();
    let mut slot_bits = BTreeMap::new();
    for (k, s) in raw.keyslots {
        let id = number("keyslot", &k)?;
        let key_bits = match s.key_size {
            // A reencrypt slot stores no key (its key_size is 1).
            Some(n) if s.kind != "reencrypt" => {
                if n == 0 || n > 512 {
                    return Err(format!("keyslot {id}: a key size of {n} bytes"));
                }
                slot_bits.insert(id, n * 8);
                Some(n * 8)
            }
            _ => None,
        };
        let kdf = match s.kdf {
            Some(k) => Some(kdf(k).map_err(|e| format!("keyslot {id}: {e}"))?),
            None => None,
        };
        keyslots.push(LuksKeyslot {
            id,
            kind: name("keyslot type", s.kind)?,
            key_bits,
            kdf,
        });
    }
    keyslots.sort_by_key(|s| s.id);
    // Volume key size of a segment: a keyslot sharing its digest.
    let mut seg_bits: BTreeMap<u32, u32> = BTreeMap::new();
    for d in raw.digests.values() {
        if d.keyslots.len() > MAX_ITEMS || d.segments.len() > MAX_ITEMS {
            return Err("a digest naming more than 32 keyslots or segments".into());
        }
        let bits = d
            .keyslots
            .iter()
            .filter_map(|k| number("keyslot", k).ok())
            .find_map(|k| slot_bits.get(&k).copied());
        for s in &d.segments {
            if let Some(b) = bits {
                seg_bits.insert(number("segment", s)?, b);
            }
        }
    }
    let mut segments = Vec::new();
    for (k, s) in raw.segments {
        let id = number("segment", &k)?;
        let encryption = s.encryption.map(|e| name("cipher", e)).transpose()?;
        if s.flags.len() > MAX_ITEMS {
            return Err(format!("segment {id}: more than {MAX_ITEMS} flags"));
        }
        let flags = s
            .flags
            .into_iter()
            .map(|f| name("segment flag", f))
            .collect::<Result<_, _>>()?;
        segments.push(LuksSegment {
            id,
            kind: name("segment type", s.kind)?,
            encryption,
            key_bits: seg_bits.get(&id).copied(),
            flags,
        });
    }
    segments.sort_by_key(|s| s.id);
    let mut tokens = Vec::new();
    for (k, t) in raw.tokens {
        let id = number("token", &k)?;
        if t.keyslots.len() > MAX_ITEMS {
            return Err(format!("token {id}: more than {MAX_ITEMS} keyslots"));
        }
        let keyslots = t
            .keyslots
            .iter()
            .map(|s| number("keyslot", s))
            .collect::<Result<_, _>>()?;
        tokens.push(LuksToken {
            id,
            kind: name("token type", t.kind)?,
            keyslots,
        });
    }
    tokens.sort_by_key(|t| t.id);
    let req = raw
        .config
        .requirements
        .map(|r| r.mandatory)
        .unwrap_or_default();
    if req.len() > MAX_ITEMS {
        return Err(format!("more than {MAX_ITEMS} requirements"));
    }
    let requirements = req
        .into_iter()
        .map(|r| name("requirement", r))
        .collect::<Result<_, _>>()?;
    Ok(LuksHeader {
        version: 2,
        segments,
        keyslots,
        tokens,
        requirements,
    })
}

fn kdf(k: RawKdf) -> Result<Kdf, String> {
    let need = |v: Option<u64>, what: &str| v.ok_or(format!("{} without {what}", k.kind));
    match k.kind.as_str() {
        "pbkdf2" => Ok(Kdf::Pbkdf2 {
            hash: name("hash", k.hash.clone().ok_or("pbkdf2 without a hash")?)?,
            iterations: need(k.iterations, "iterations")?,
        }),
        "argon2i" | "argon2id" => Ok(Kdf::Argon2 {
            id: k.kind == "argon2id",
            time: need(k.time, "a time cost")?,
            memory_kib: need(k.memory, "memory")?,
            parallel: k.cpus.ok_or("argon2 without cpus")?,
        }),
        _ => Err("an unknown key derivation type".into()),
    }
}

#[cfg(test)]
#[path = "luks_tests.rs"]
mod tests;
