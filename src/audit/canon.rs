//! Canonical JSON and SHA-256 hex: the byte-exact basis of the chain.
//!
//! An entry's hash must come out the same on every machine and after any
//! JSON round trip, so it is taken over a canonical form rather than over
//! whatever a serializer happened to print: objects with their keys sorted
//! (by bytes), no whitespace, strings and numbers as serde_json prints them.
//! This does not depend on serde_json's `preserve_order` feature, which
//! another crate in the build could switch on.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The `prev` of the first entry: 64 zeros.
pub const ZERO_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// `v` as canonical JSON (sorted keys, no whitespace).
pub fn canonical(v: &Value) -> String {
    let mut out = String::new();
    write(v, &mut out);
    out
}

fn write(v: &Value, out: &mut String) {
    match v {
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                if let Some(item) = map.get(k) {
                    write(item, out);
                }
            }
            out.push('}');
        }
        // Scalars: serde_json's compact form is already canonical.
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    s
}

/// True for 64 lower-case hex digits.
pub fn is_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| HEX.contains(&b))
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_sorted_at_every_level_and_no_whitespace() {
        let v = json!({"b": 1, "a": {"z": [true, null, "x\"y"], "c": 1.5}});
        assert_eq!(
            canonical(&v),
            r#"{"a":{"c":1.5,"z":[true,null,"x\"y"]},"b":1}"#
        );
        let round: Value = serde_json::from_str(&canonical(&v)).unwrap();
        assert_eq!(canonical(&round), canonical(&v));
    }

    #[test]
    fn sha256_of_empty_input() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert!(is_hash(ZERO_HASH));
        assert!(!is_hash("E3B0"));
    }
}
