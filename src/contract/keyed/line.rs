//! Lines as the files' own readers see them, on bytes (other lines may hold
//! any bytes and are never decoded).
//!
//! [`split`] cuts a file into lines that keep their terminator, so joining
//! them gives the file back byte for byte. [`parse`] finds the assignment
//! on one line, if it has one, following each reader:
//!
//! - [`Syntax::Spaced`], shadow-utils' `getdef` (login.defs): the line is
//!   trimmed at the end; blank and `#` lines are skipped; the key runs to
//!   the first space or tab; a key alone is ignored; the value is the rest,
//!   after spaces, tabs and quotes, up to the next `"`. No trailing
//!   comments: `KEY 1 # x` has the value `1 # x`.
//! - [`Syntax::Equals`], libpwquality: a `#` anywhere starts a comment;
//!   the key runs to whitespace (or, more leniently than pwquality, `=`);
//!   then whitespace, at most one `=`, whitespace, and the value to the end.
//!   A key alone is a flag with the empty value.
//! - [`Syntax::Sysctl`], systemd-sysctl and procps: `#` and `;` lines are
//!   comments; a line needs `=`; the key is trimmed, a leading `-` (ignore
//!   failures) is dropped, and `a/b.c` means `a.b/c`; the value is the rest,
//!   trimmed. No trailing comments.

use std::ops::Range;

use super::{KeyedSpec, Syntax};

/// One line: its bytes without the terminator, and the terminator
/// (`\n`, `\r\n` or nothing on a last line without one).
pub(super) struct Line<'a> {
    pub body: &'a [u8],
    pub eol: &'a [u8],
}

/// `content` as lines; concatenating `body` and `eol` of each gives it back.
pub(super) fn split(content: &[u8]) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut rest = content;
    while !rest.is_empty() {
        let (line, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => rest.split_at(i + 1),
            None => (rest, &rest[rest.len()..]),
        };
        let cut = if line.ends_with(b"\r\n") {
            line.len() - 2
        } else if line.ends_with(b"\n") {
            line.len() - 1
        } else {
            line.len()
        };
        out.push(Line {
            body: &line[..cut],
            eol: &line[cut..],
        });
        rest = next;
    }
    out
}

/// The assignment on one line.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Entry {
    /// The key as written (without sysctl's `-`).
    pub key: Range<usize>,
    /// The value as the reader takes it.
    pub value: Vec<u8>,
    /// The bytes a new value replaces (the value with any quotes).
    pub span: Range<usize>,
    /// Whether a separator follows the key (false for a bare flag).
    pub has_separator: bool,
}

/// C's `isspace` in the C locale.
fn space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

fn skip(body: &[u8], mut i: usize, end: usize, pred: impl Fn(u8) -> bool) -> usize {
    while i < end && pred(body[i]) {
        i += 1;
    }
    i
}

fn trim_end(body: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && space(body[end - 1]) {
        end -= 1;
    }
    end
}

/// The assignment on `body` in `syntax`, or `None` for a comment, a blank
/// line or a line the reader ignores.
pub(super) fn parse(body: &[u8], syntax: Syntax) -> Option<Entry> {
    match syntax {
        Syntax::Spaced => spaced(body),
        Syntax::Equals => equals(body),
        Syntax::Sysctl => sysctl(body),
    }
}

fn spaced(body: &[u8]) -> Option<Entry> {
    let end = trim_end(body, 0, body.len());
    let start = skip(body, 0, end, |b| b == b' ' || b == b'\t');
    if start == end || body[start] == b'#' {
        return None;
    }
    let key_end = skip(body, start, end, |b| b != b' ' && b != b'\t');
    if key_end == end {
        return None; // a key alone: getdef ignores it
    }
    let span_start = skip(body, key_end, end, |b| b == b' ' || b == b'\t');
    let value_start = skip(body, key_end, end, |b| matches!(b, b' ' | b'\t' | b'"'));
    let value_end = skip(body, value_start, end, |b| b != b'"');
    Some(Entry {
        key: start..key_end,
        value: body[value_start..value_end].to_vec(),
        span: span_start..end,
        has_separator: true,
    })
}

fn equals(body: &[u8]) -> Option<Entry> {
    let comment = body.iter().position(|&b| b == b'#').unwrap_or(body.len());
    let end = trim_end(body, 0, comment);
    let start = skip(body, 0, end, space);
    if start == end {
        return None;
    }
    let key_end = skip(body, start, end, |b| !space(b) && b != b'=');
    let mut i = skip(body, key_end, end, space);
    if i < end && body[i] == b'=' {
        i = skip(body, i + 1, end, space);
    }
    Some(Entry {
        key: start..key_end,
        value: body[i..end].to_vec(),
        span: i..end,
        has_separator: key_end < end,
    })
}

fn sysctl(body: &[u8]) -> Option<Entry> {
    let sp = |b: u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let mut end = body.len();
    while end > 0 && sp(body[end - 1]) {
        end -= 1;
    }
    let mut start = skip(body, 0, end, sp);
    if start == end || matches!(body[start], b'#' | b';') {
        return None;
    }
    let eq = start + body[start..end].iter().position(|&b| b == b'=')?;
    let mut key_end = eq;
    while key_end > start && sp(body[key_end - 1]) {
        key_end -= 1;
    }
    if body[start] == b'-' {
        start = skip(body, start + 1, key_end, sp);
    }
    let value_start = skip(body, eq + 1, end, sp);
    Some(Entry {
        key: start..key_end,
        value: body[value_start..end].to_vec(),
        span: value_start..end,
        has_separator: true,
    })
}

/// `key` as the spec's readers compare it: ASCII-lowercased if keys are
/// case-insensitive; for sysctl, `/`-separated keys turned into dotted ones.
pub(super) fn normalize(key: &[u8], spec: &KeyedSpec) -> Vec<u8> {
    let mut k = key.to_vec();
    if spec.syntax == Syntax::Sysctl {
        if let Some(&b'/') = k.iter().find(|&&b| b == b'.' || b == b'/') {
            for b in &mut k {
                *b = match *b {
                    b'/' => b'.',
                    b'.' => b'/',
                    o => o,
                };
            }
        }
    }
    if spec.case_insensitive_keys {
        k.make_ascii_lowercase();
    }
    k
}

/// `body` with its value set to `want`, keeping indentation, separator and
/// any trailing comment.
pub(super) fn rewrite(body: &[u8], entry: &Entry, want: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + want.len() + 3);
    if want.is_empty() {
        // A flag (only `Syntax::Equals` allows an empty value): the key alone.
        out.extend_from_slice(&body[..entry.key.end]);
        out.extend_from_slice(&body[entry.span.end..]);
    } else if !entry.has_separator {
        out.extend_from_slice(&body[..entry.key.end]);
        out.extend_from_slice(b" = ");
        out.extend_from_slice(want.as_bytes());
        out.extend_from_slice(&body[entry.key.end..]);
    } else {
        out.extend_from_slice(&body[..entry.span.start]);
        out.extend_from_slice(want.as_bytes());
        out.extend_from_slice(&body[entry.span.end..]);
    }
    out
}

/// A new line (without terminator) setting `key` to `want`.
pub(super) fn render(key: &str, want: &str, syntax: Syntax) -> String {
    match syntax {
        Syntax::Spaced => format!("{key} {want}"),
        Syntax::Equals if want.is_empty() => key.to_string(),
        Syntax::Equals | Syntax::Sysctl => format!("{key} = {want}"),
    }
}
