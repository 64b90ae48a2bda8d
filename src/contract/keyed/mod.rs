//! Set keys inside a configuration file that harden does not own whole
//! (`/etc/login.defs`, `/etc/security/pwquality.conf`, sysctl drop-ins),
//! leaving every other byte as it was.
//!
//! [`read`] says what the file sets each managed key to, as its readers
//! see it: the last active occurrence wins (shadow's `getdef`, pwquality
//! and sysctl all read that way). [`apply`] gives the new content:
//!
//! - every active occurrence of a managed key whose value differs gets the
//!   wanted one, keeping the line's indentation, separator and (where the
//!   syntax has them) trailing comment, so first- and last-wins readers
//!   agree; commented-out lines (`#PASS_MAX_DAYS 99999`) stay as they are;
//! - keys the file does not set are appended at its end, under one marker
//!   line [`MARKER`] (written once), after a line break if the file had
//!   none at its end; appended lines use the file's line ending (CRLF if its
//!   first line has one);
//! - every other line is kept byte for byte, whatever bytes it holds;
//! - applied to its own output it changes nothing.
//!
//! Keys and values are checked first ([`KeyedError`]); files over
//! [`MAX_FILE`] bytes are refused. Not understood: sshd's `Match` blocks
//! and `Key=value` form, sysctl globs (`net.ipv4.conf.*.x`), and other
//! files of a drop-in directory that set the same key.

mod error;
mod line;
pub mod table;
mod text;

#[cfg(test)]
mod prop;
#[cfg(test)]
mod refuse_tests;
#[cfg(test)]
mod tests;

pub use error::{KeyedError, MAX_FILE, MAX_KEY, MAX_KEYS, MAX_VALUE};
pub use text::{actual_text, expected_text};

/// The comment line above the keys that [`apply`] appends.
pub const MARKER: &str = "# harden: managed keys";

/// How a file writes an assignment (see the `line` module for each reader's rules).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// `KEY value`, separated by spaces or tabs: login.defs.
    Spaced,
    /// `key = value` with `#` comments anywhere, a bare `key` is a flag:
    /// pwquality.conf.
    Equals,
    /// `key = value` with `#`/`;` comment lines, `-key` and `a/b/c` keys:
    /// sysctl.conf and `/etc/sysctl.d/*.conf`.
    Sysctl,
}

/// The keys to set in one file, in the order new ones are appended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyedSpec {
    /// How the file writes an assignment.
    pub syntax: Syntax,
    /// Key and wanted value, each key once.
    pub keys: Vec<(String, String)>,
    /// Whether the file's reader compares keys ignoring ASCII case.
    pub case_insensitive_keys: bool,
}

/// What a file says about one managed key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyState {
    /// The key, as the spec spells it.
    pub key: String,
    /// The wanted value.
    pub want: String,
    /// The effective value: the last active occurrence's (invalid UTF-8
    /// shown as U+FFFD, which a wanted value never holds); `None` if unset.
    pub have: Option<String>,
    /// Active lines that set the key.
    pub occurrences: usize,
    /// Active lines that set it to something other than `want` (an earlier
    /// one counts too: a first-wins reader would see it).
    pub stale: usize,
}

impl KeyState {
    /// Whether the file already sets the key as wanted on every active line,
    /// i.e. [`apply`] has nothing to do for it.
    pub fn in_place(&self) -> bool {
        self.occurrences > 0 && self.stale == 0
    }
}

/// Per managed key (in spec order), what `content` sets it to.
pub fn read(content: &[u8], spec: &KeyedSpec) -> Result<Vec<KeyState>, KeyedError> {
    error::check_size(content)?;
    error::check_spec(spec)?;
    let keys = normalized_keys(spec);
    let mut states: Vec<KeyState> = spec
        .keys
        .iter()
        .map(|(key, want)| KeyState {
            key: key.clone(),
            want: want.clone(),
            have: None,
            occurrences: 0,
            stale: 0,
        })
        .collect();
    for l in line::split(content) {
        let Some((i, entry)) = managed(l.body, spec, &keys) else {
            continue;
        };
        let state = &mut states[i];
        state.occurrences += 1;
        if entry.value != state.want.as_bytes() {
            state.stale += 1;
        }
        state.have = Some(String::from_utf8_lossy(&entry.value).into_owned());
    }
    Ok(states)
}

/// Opens the block harden appends at the end of a file: the last line is
/// ended with the file's own line ending, and the marker is written once.
pub(super) fn open_appended(out: &mut Vec<u8>, eol: &[u8], has_marker: bool) {
    if !out.is_empty() && !out.ends_with(b"\n") {
        out.extend_from_slice(eol);
    }
    if !has_marker {
        out.extend_from_slice(MARKER.as_bytes());
        out.extend_from_slice(eol);
    }
}

/// The content of the file with every managed key set as wanted; equal to
/// `content` when nothing needs to change.
pub fn apply(content: &[u8], spec: &KeyedSpec) -> Result<Vec<u8>, KeyedError> {
    error::check_size(content)?;
    error::check_spec(spec)?;
    let keys = normalized_keys(spec);
    let lines = line::split(content);
    let mut seen = vec![false; spec.keys.len()];
    let mut has_marker = false;
    let mut out = Vec::with_capacity(content.len() + 64);
    for l in &lines {
        has_marker |= l.body.trim_ascii() == MARKER.as_bytes();
        match managed(l.body, spec, &keys) {
            Some((i, entry)) => {
                seen[i] = true;
                let want = &spec.keys[i].1;
                if entry.value == want.as_bytes() {
                    out.extend_from_slice(l.body);
                } else {
                    out.extend_from_slice(&line::rewrite(l.body, &entry, want));
                }
            }
            None => out.extend_from_slice(l.body),
        }
        out.extend_from_slice(l.eol);
    }
    let missing: Vec<&(String, String)> = spec
        .keys
        .iter()
        .zip(&seen)
        .filter(|(_, s)| !**s)
        .map(|(k, _)| k)
        .collect();
    if missing.is_empty() {
        return Ok(out);
    }
    let eol: &[u8] = match lines.iter().find(|l| !l.eol.is_empty()) {
        Some(l) => l.eol,
        None => b"\n",
    };
    open_appended(&mut out, eol, has_marker);
    for (key, want) in missing {
        out.extend_from_slice(line::render(key, want, spec.syntax).as_bytes());
        out.extend_from_slice(eol);
    }
    Ok(out)
}

fn normalized_keys(spec: &KeyedSpec) -> Vec<Vec<u8>> {
    spec.keys
        .iter()
        .map(|(k, _)| line::normalize(k.as_bytes(), spec))
        .collect()
}

/// The managed key (index into the spec) that `body` assigns, if any.
fn managed(body: &[u8], spec: &KeyedSpec, keys: &[Vec<u8>]) -> Option<(usize, line::Entry)> {
    let entry = line::parse(body, spec.syntax)?;
    let key = line::normalize(&body[entry.key.clone()], spec);
    let i = keys.iter().position(|k| *k == key)?;
    Some((i, entry))
}
