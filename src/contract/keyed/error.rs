//! Why a key-by-key edit is refused ([`KeyedError`]), and the checks of a
//! [`KeyedSpec`] and of the file's size that produce it.
//!
//! Nothing unvalidated reaches the file: a key is `[A-Za-z0-9_.-]` and
//! starts with a letter, digit or `_`; a value has no refused character
//! (control, bidi, BOM: [`bad_char`]), no `#`, no `"` in the `KEY value`
//! syntax (shadow's reader cuts a value at a quote), no U+FFFD (it would
//! equal any invalid byte shown lossily), and no whitespace at either end
//! (every reader trims it, so the edit would never settle).

use std::fmt;

use super::{KeyedSpec, Syntax};
use crate::inventory::text::bad_char;

/// Largest file edited, in bytes.
pub const MAX_FILE: usize = 1 << 20;
/// Longest key, in bytes.
pub const MAX_KEY: usize = 128;
/// Longest value, in bytes.
pub const MAX_VALUE: usize = 1024;
/// Most keys managed in one file.
pub const MAX_KEYS: usize = 256;

/// A refused edit. [`KeyedError::code`] is the stable diagnostic code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyedError {
    /// The file is larger than [`MAX_FILE`].
    TooLarge { len: usize },
    /// More than [`MAX_KEYS`] keys in one spec.
    TooManyKeys { count: usize },
    /// A key outside the allowed charset or length.
    BadKey { key: String, reason: String },
    /// A value the file's readers would not read back as given.
    BadValue { key: String, reason: String },
    /// The same key twice in one spec (compared as the file's readers do).
    DuplicateKey { key: String },
}

impl KeyedError {
    /// Stable diagnostic code.
    pub fn code(&self) -> &'static str {
        match self {
            KeyedError::TooLarge { .. } => "keyed-too-large",
            KeyedError::TooManyKeys { .. } => "keyed-too-many-keys",
            KeyedError::BadKey { .. } => "keyed-bad-key",
            KeyedError::BadValue { .. } => "keyed-bad-value",
            KeyedError::DuplicateKey { .. } => "keyed-duplicate-key",
        }
    }
}

/// `s` with refused characters escaped and cut to 80 characters, for a message.
pub(super) fn shown(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == 80 {
            out.push('…');
            break;
        }
        if bad_char(c).is_some() {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

impl fmt::Display for KeyedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.code())?;
        match self {
            KeyedError::TooLarge { len } => {
                write!(f, "file has {len} bytes, more than the {MAX_FILE} edited")
            }
            KeyedError::TooManyKeys { count } => {
                write!(f, "{count} keys in one file, more than {MAX_KEYS}")
            }
            KeyedError::BadKey { key, reason } => write!(f, "key {:?}: {reason}", shown(key)),
            KeyedError::BadValue { key, reason } => {
                write!(f, "value of {:?}: {reason}", shown(key))
            }
            KeyedError::DuplicateKey { key } => write!(f, "key {:?} given twice", shown(key)),
        }
    }
}

impl std::error::Error for KeyedError {}

/// Refuses a file larger than [`MAX_FILE`].
pub(super) fn check_size(content: &[u8]) -> Result<(), KeyedError> {
    if content.len() > MAX_FILE {
        return Err(KeyedError::TooLarge { len: content.len() });
    }
    Ok(())
}

fn check_key(key: &str) -> Result<(), KeyedError> {
    let bad = |reason: &str| KeyedError::BadKey {
        key: key.to_string(),
        reason: reason.to_string(),
    };
    if key.is_empty() {
        return Err(bad("empty"));
    }
    if key.len() > MAX_KEY {
        return Err(bad(&format!("longer than {MAX_KEY} bytes")));
    }
    if let Some(c) = key
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        return Err(bad(&format!(
            "character {:?} outside [A-Za-z0-9_.-]",
            shown(&c.to_string())
        )));
    }
    if !key.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
        return Err(bad("must start with a letter, digit or '_'"));
    }
    Ok(())
}

fn check_value(key: &str, value: &str, syntax: Syntax) -> Result<(), KeyedError> {
    let bad = |reason: String| KeyedError::BadValue {
        key: key.to_string(),
        reason,
    };
    if value.len() > MAX_VALUE {
        return Err(bad(format!("longer than {MAX_VALUE} bytes")));
    }
    if value.is_empty() && syntax != Syntax::Equals {
        return Err(bad(
            "empty (only the `key = value` syntax has bare flags)".into()
        ));
    }
    if let Some(c) = value.chars().find(|c| bad_char(*c).is_some()) {
        let what = bad_char(c).unwrap_or("refused character");
        return Err(bad(format!("contains a {what}")));
    }
    if value.contains('#') {
        return Err(bad("contains '#' (a comment to the file's readers)".into()));
    }
    if value.contains('\u{fffd}') {
        return Err(bad("contains U+FFFD (replacement character)".into()));
    }
    if syntax == Syntax::Spaced && value.contains('"') {
        return Err(bad(
            "contains '\"' (login.defs readers cut a value there)".into()
        ));
    }
    if syntax == Syntax::Equals && value.starts_with('=') {
        return Err(bad(
            "starts with '=' (pwquality reads it as the separator)".into()
        ));
    }
    if value.trim() != value {
        return Err(bad(
            "starts or ends with whitespace (readers trim it)".into()
        ));
    }
    Ok(())
}

/// Checks every key and value of `spec`, and that no key is given twice.
pub(super) fn check_spec(spec: &KeyedSpec) -> Result<(), KeyedError> {
    if spec.keys.len() > MAX_KEYS {
        return Err(KeyedError::TooManyKeys {
            count: spec.keys.len(),
        });
    }
    let mut seen: Vec<Vec<u8>> = Vec::with_capacity(spec.keys.len());
    for (key, value) in &spec.keys {
        check_key(key)?;
        check_value(key, value, spec.syntax)?;
        let norm = super::line::normalize(key.as_bytes(), spec);
        if seen.contains(&norm) {
            return Err(KeyedError::DuplicateKey { key: key.clone() });
        }
        seen.push(norm);
    }
    Ok(())
}
