//! The LUKS1 text dump (`cryptsetup luksDump` of a LUKS1 device): LUKS1 has
//! no JSON metadata, so its header is read from the `Key: value` lines.

use super::luks::{Kdf, LuksHeader, LuksKeyslot, LuksSegment, MAX_ITEMS};
use super::text::check_value;

const MAX_LINES: usize = 4096;

/// Parses a LUKS1 text dump.
pub(super) fn luks1(text: &str) -> Result<LuksHeader, String> {
    let mut version = None;
    let (mut cipher, mut mode, mut hash, mut mk_bits) = (None, None, None, None);
    let mut keyslots: Vec<LuksKeyslot> = Vec::new();
    // The enabled slot whose `Iterations:` line is still to come.
    let mut open_slot: Option<u32> = None;
    // LUKS1 prints all eight slots, 0 to 7, in order: fewer is truncated.
    let mut slots_seen = 0;
    for (i, line) in text.lines().enumerate() {
        if i >= MAX_LINES {
            return Err(format!("more than {MAX_LINES} lines"));
        }
        let at = |e: String| format!("{e} (line {})", i + 2);
        if i == 0 && line.starts_with("LUKS header information") {
            continue; // names the device; nothing to read
        }
        if let Some(rest) = line.strip_prefix("Key Slot ") {
            let (n, state) = rest
                .split_once(": ")
                .ok_or_else(|| at("a bad key slot line".into()))?;
            let n = super::luks::number("keyslot", n).map_err(at)?;
            if n != slots_seen || open_slot.is_some() {
                return Err(at(format!("key slot {n} out of order")));
            }
            slots_seen += 1;
            match state.trim_end() {
                "ENABLED" => open_slot = Some(n),
                "DISABLED" => open_slot = None,
                _ => return Err(at("a key slot neither ENABLED nor DISABLED".into())),
            }
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue; // continuation lines of salts and digests
        };
        let key = key.trim();
        let value = value.trim();
        check_value(key, value, 256).map_err(at)?;
        let num = || {
            value
                .parse::<u64>()
                .map_err(|_| at(format!("a {key} that is not a number")))
        };
        match key {
            "Version" => version = Some(num()?),
            "Cipher name" => cipher = Some(value.to_string()),
            "Cipher mode" => mode = Some(value.to_string()),
            "Hash spec" => hash = Some(value.to_string()),
            "MK bits" => mk_bits = Some(num()?),
            "Iterations" => {
                let Some(id) = open_slot.take() else {
                    return Err(at("iterations outside an enabled key slot".into()));
                };
                let bits = mk_bits.ok_or_else(|| at("a key slot before MK bits".into()))?;
                keyslots.push(LuksKeyslot {
                    id,
                    kind: "luks1".into(),
                    key_bits: u32::try_from(bits).ok(),
                    kdf: Some(Kdf::Pbkdf2 {
                        hash: hash.clone().unwrap_or_default(),
                        iterations: num()?,
                    }),
                });
            }
            _ => {}
        }
    }
    if version != Some(1) {
        return Err("a text dump that is not LUKS version 1".into());
    }
    if open_slot.is_some() || slots_seen != 8 {
        return Err("not all eight key slots, or one without iterations (truncated)".into());
    }
    let (Some(cipher), Some(mode), Some(bits)) = (cipher, mode, mk_bits) else {
        return Err("no cipher name, cipher mode or MK bits".into());
    };
    if hash.as_deref().unwrap_or("").is_empty() {
        return Err("no hash spec".into());
    }
    if bits == 0 || bits > 4096 || keyslots.len() > MAX_ITEMS {
        return Err(format!("a master key of {bits} bits"));
    }
    Ok(LuksHeader {
        version: 1,
        segments: vec![LuksSegment {
            id: 0,
            kind: "crypt".into(),
            encryption: Some(format!("{cipher}-{mode}")),
            key_bits: u32::try_from(bits).ok(),
            flags: Vec::new(),
        }],
        keyslots,
        tokens: Vec::new(),
        requirements: Vec::new(),
    })
}
