//! From bytes to a parsed TOML document, with bounded diagnostics.
//!
//! An inventory larger than [`MAX_BYTES`], or with a line longer than
//! [`MAX_LINE`], is refused before parsing. Bytes
//! that are not UTF-8 are reported at the line and column of the first bad
//! byte. The TOML parser's error recovery can report a problem once per
//! character of a line, so only the first syntax error of each line is kept
//! (and [`super::source::Diags`] caps the total); an error the parser could
//! not place (the nesting limit) is located at the line that nests deepest.

use std::io::Read;
use std::ops::Range;
use std::path::Path;

use toml::de::DeTable;
use toml::Spanned;

use super::source::{Diagnostic, Diags, Severity, Source};

/// The largest inventory harden reads: 10 MiB.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// The longest line, in bytes. The longest real line is a public key
/// (an 8192-bit RSA key is about 1.4 kB); the TOML parser's error recovery
/// costs time quadratic in the length of a broken line, so longer lines
/// are refused before parsing.
pub const MAX_LINE: usize = 16 * 1024;
/// Files up to this size get every syntax error listed; larger ones the
/// first only (the recovering parser stores each error it meets).
const MAX_RECOVER: usize = 256 * 1024;

/// Reads at most one byte more than [`MAX_BYTES`] of `path`.
pub fn read(path: &Path) -> std::io::Result<Vec<u8>> {
    let f = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    f.take(MAX_BYTES as u64 + 1).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The text of `bytes`, or the located reason it cannot be an inventory.
pub fn decode(path: &Path, bytes: Vec<u8>) -> Result<Source, Box<Diagnostic>> {
    let too_large = bytes.len() > MAX_BYTES;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let off = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let bad = bytes.get(off).copied().unwrap_or(0);
            // Lossy decoding keeps every offset before the first bad byte.
            let src = Source::new(path, String::from_utf8_lossy(&bytes).into_owned());
            let d = Diagnostic::at_span(
                &src,
                "(file)".into(),
                Some(off..off + '\u{fffd}'.len_utf8()),
                "inv-encoding",
                format!("the file is not UTF-8: byte 0x{bad:02x} cannot start or continue a character here"),
                "save the inventory as UTF-8 (TOML requires it); the mark shows the first bad byte",
            );
            return Err(Box::new(d));
        }
    };
    let src = Source::new(path, text);
    if too_large || src.text.len() > MAX_BYTES {
        let at = floor_char(&src.text, MAX_BYTES);
        let d = Diagnostic::at_span(
            &src,
            "(file)".into(),
            Some(at..at),
            "inv-too-large",
            format!("the inventory is larger than {MAX_BYTES} bytes (10 MiB); it was not parsed"),
            "split the estate into several inventories, or remove what was pasted by mistake; the mark shows where the limit is reached",
        );
        return Err(Box::new(d));
    }
    if let Some(start) = long_line(&src.text) {
        let at = floor_char(&src.text, start + MAX_LINE);
        let d = Diagnostic::at_span(
            &src,
            "(file)".into(),
            Some(at..at),
            "inv-line-too-long",
            format!("the line is longer than {MAX_LINE} bytes; the file was not parsed"),
            "break the value over several lines (arrays and inline tables may span lines), or remove what was pasted by mistake",
        );
        return Err(Box::new(d));
    }
    Ok(src)
}

/// Where the first line longer than [`MAX_LINE`] starts.
fn long_line(text: &str) -> Option<usize> {
    let mut start = 0;
    for line in text.as_bytes().split(|b| *b == b'\n') {
        if line.len() > MAX_LINE {
            return Some(start);
        }
        start += line.len() + 1;
    }
    None
}

fn floor_char(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Parses `src`; on syntax errors reports them (one per line; in a file
/// over 256 KiB only the first) and returns `None`.
pub fn parse<'a>(src: &'a Source, diags: &mut Diags) -> Option<Spanned<DeTable<'a>>> {
    let first = match DeTable::parse(&src.text) {
        Ok(doc) => return Some(doc),
        Err(e) => e,
    };
    // The recovering parse keeps every error it meets, up to one per byte
    // of a broken line: only small files get the full list.
    let errors = if src.text.len() <= MAX_RECOVER {
        DeTable::parse_recoverable(&src.text).1
    } else {
        vec![first]
    };
    let mut last_line = 0;
    for e in &errors {
        let span = e.span().or_else(|| deepest_line(&src.text));
        let line = span.as_ref().map(|s| src.line_col(s.start).0).unwrap_or(0);
        if line == last_line {
            continue; // the parser's recovery repeats itself along a line
        }
        last_line = line;
        let msg = e.message().trim();
        let help = if msg.contains("recursion") {
            "TOML nesting is limited to 80 levels (each part of a dotted key and each nested array or table counts); an inventory needs at most 5"
        } else {
            "fix the TOML syntax at the marked position"
        };
        diags.add(Severity::Error, || {
            Diagnostic::at_span(src, "(syntax)".into(), span, "inv-syntax", msg, help)
        });
    }
    None
}

/// The line with the most nesting characters (`.`, `[`, `{`), for errors
/// the parser reports without a position.
fn deepest_line(text: &str) -> Option<Range<usize>> {
    let mut best: Option<(usize, Range<usize>)> = None;
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let depth = line
            .chars()
            .filter(|c| matches!(c, '.' | '[' | '{'))
            .count();
        if best.as_ref().is_none_or(|(d, _)| depth > *d) {
            let first = line.len() - line.trim_start().len();
            best = Some((depth, start + first..start + line.trim_end().len()));
        }
        start += line.len();
    }
    best.map(|(_, r)| r).or(Some(0..0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_bad_byte_is_located() {
        let d = decode(Path::new("i.toml"), b"a = 1\nb = \"x\xffy\"\n".to_vec())
            .expect_err("not UTF-8");
        assert_eq!((d.code, d.line, d.col), ("inv-encoding", 2, 7));
        assert!(d.message.contains("0xff"), "{d}");
    }

    #[test]
    fn too_large_is_refused_before_parsing() {
        let d = decode(Path::new("i.toml"), vec![b'#'; MAX_BYTES + 1]).expect_err("large");
        assert_eq!(d.code, "inv-too-large");
        assert!(d.line > 0 && d.col > 0, "{d}");
    }

    #[test]
    fn long_lines_are_refused_before_parsing() {
        let text = format!("a = 1\nb = \"{}\"\n", "é".repeat(MAX_LINE));
        let d = decode(Path::new("i.toml"), text.into_bytes()).expect_err("long");
        assert_eq!((d.code, d.line), ("inv-line-too-long", 2));
        assert_eq!(d.col, 5 + (MAX_LINE - 5) / 2 + 1, "{d}");
        let ok = format!("b = \"{}\"\n", "a".repeat(MAX_LINE - 10));
        assert!(decode(Path::new("i.toml"), ok.into_bytes()).is_ok());
    }

    #[test]
    fn one_syntax_error_per_line_and_unplaced_errors_are_located() {
        let src = Source::new(Path::new("i.toml"), format!("a = {}\n", "@".repeat(5000)));
        let mut diags = Diags::new();
        assert!(parse(&src, &mut diags).is_none());
        assert_eq!(diags.count(Severity::Error), 1, "{diags}");
        assert!(diags.to_string().len() < 2000, "{diags}");
        let parts: Vec<String> = (0..99).map(|i| format!("a{i}")).collect();
        let text = format!("x = 1\n[{}]\ny = 2\n", parts.join("."));
        let src = Source::new(Path::new("i.toml"), text);
        let mut diags = Diags::new();
        assert!(parse(&src, &mut diags).is_none());
        let d = &diags.kept()[0];
        assert_eq!(d.line, 2, "{d}");
        assert!(d.help.contains("nesting"), "{d}");
    }
}
