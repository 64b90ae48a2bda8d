//! Control characters: refused in every string of the inventory, keys
//! included, before anything is deserialised.
//!
//! Inventory values end up in sshd_config, ssh_config, nftables rules,
//! shell lines, ssh options and webhook bodies. A line break (or a Unicode
//! line separator, or a tab that splits a value) in any of them could start
//! a new directive or command, and bidirectional overrides make a value read
//! differently from what it is. One walk over the parsed document checks
//! every string, so no field can be forgotten; field-specific rules
//! (`fields.rs`) come on top.

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::source::{Diagnostic, Diags, KeyPath, Severity, Source};

/// The name of `c` when it may not appear in an inventory string.
pub fn bad_char(c: char) -> Option<&'static str> {
    Some(match c {
        '\0' => "NUL",
        '\t' => "tab",
        '\n' => "line feed",
        '\r' => "carriage return",
        '\u{1}'..='\u{1f}' => "control character",
        '\u{7f}' => "DEL",
        '\u{85}' => "next-line (NEL)",
        '\u{80}'..='\u{9f}' => "C1 control character",
        '\u{2028}' => "line separator",
        '\u{2029}' => "paragraph separator",
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => "bidirectional override",
        '\u{200e}' | '\u{200f}' | '\u{61c}' => "bidirectional mark",
        '\u{feff}' => "zero-width no-break space (BOM)",
        _ => return None,
    })
}

/// The first refused character of `s`: its character index and the char.
pub fn first_bad(s: &str) -> Option<(usize, char)> {
    s.chars().enumerate().find(|(_, c)| bad_char(*c).is_some())
}

/// How `c` can appear in TOML source: literally or as an escape.
fn written_as(c: char) -> Vec<String> {
    let mut v = vec![c.to_string()];
    let short = match c {
        '\n' => "\\n",
        '\t' => "\\t",
        '\r' => "\\r",
        '\u{8}' => "\\b",
        '\u{c}' => "\\f",
        '\u{1b}' => "\\e",
        _ => "",
    };
    if !short.is_empty() {
        v.push(short.to_string());
    }
    let n = c as u32;
    v.extend([
        format!("\\u{n:04X}"),
        format!("\\u{n:04x}"),
        format!("\\U{n:08X}"),
        format!("\\U{n:08x}"),
        format!("\\x{n:02X}"),
        format!("\\x{n:02x}"),
    ]);
    v
}

const HELP: &str = "remove it and write the value on one line: inventory values go into sshd_config, ssh_config, nftables and shell lines, where a control character could start a new directive or command";

/// Reports every key and string value of `doc` that holds a refused
/// character (one diagnostic per value).
pub fn check(src: &Source, doc: &Spanned<DeTable<'_>>, diags: &mut Diags) {
    table(src, &KeyPath::root(), doc.get_ref(), diags);
}

fn table(src: &Source, path: &KeyPath, t: &DeTable<'_>, diags: &mut Diags) {
    for (k, v) in t.iter() {
        let p = path.key(k.get_ref());
        if let Some(found) = first_bad(k.get_ref()) {
            report(src, &p, k.span(), "key", found, diags);
        }
        value(src, &p, v, diags);
    }
}

fn value(src: &Source, path: &KeyPath, v: &Spanned<DeValue<'_>>, diags: &mut Diags) {
    match v.get_ref() {
        DeValue::String(s) => {
            if let Some(found) = first_bad(s) {
                report(src, path, v.span(), "value", found, diags);
            }
        }
        DeValue::Array(a) => {
            for (i, item) in a.iter().enumerate() {
                value(src, &path.index(i), item, diags);
            }
        }
        DeValue::Table(t) => table(src, path, t, diags),
        _ => {}
    }
}

fn report(
    src: &Source,
    path: &KeyPath,
    span: std::ops::Range<usize>,
    what: &str,
    (index, c): (usize, char),
    diags: &mut Diags,
) {
    if diags.full(Severity::Error) {
        diags.count_only(Severity::Error);
        return;
    }
    // Point at the character itself, written literally or as an escape.
    let raw = src.text.get(span.clone()).unwrap_or("");
    let at = written_as(c)
        .iter()
        .filter_map(|w| raw.find(w.as_str()).map(|off| (off, w.len())))
        .min()
        .map(|(off, len)| span.start + off..span.start + off + len)
        .unwrap_or(span);
    let name = bad_char(c).unwrap_or("control character");
    diags.push(Diagnostic::at_span(
        src,
        path.to_string(),
        Some(at),
        "inv-control-char",
        format!(
            "the {what} contains a {name} (U+{:04X}) at character {}",
            c as u32,
            index + 1
        ),
        HELP,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_characters() {
        for c in [
            '\0', '\t', '\n', '\r', '\u{1b}', '\u{7f}', '\u{85}', '\u{9b}', '\u{2028}', '\u{2029}',
            '\u{202e}', '\u{2066}',
        ] {
            assert!(bad_char(c).is_some(), "{:x}", c as u32);
        }
        for c in ['a', ' ', 'é', '€', '"', '\u{a0}', '\u{2027}'] {
            assert!(bad_char(c).is_none(), "{:x}", c as u32);
        }
        assert_eq!(first_bad("ab\u{2028}c"), Some((2, '\u{2028}')));
    }
}
