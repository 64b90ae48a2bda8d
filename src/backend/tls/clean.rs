//! The one rule for every string an outside probe stores: control
//! characters are replaced, length is capped. What a server sends is
//! hostile; nothing it says reaches a report unchecked.

/// Longest name or attribute value kept (characters).
pub const MAX_NAME: usize = 256;
/// Longest header value kept (characters).
pub const MAX_VALUE: usize = 1024;
/// Longest failure reason kept (characters).
pub const MAX_REASON: usize = 300;

/// `s` with every control character (C0, DEL, C1, and the Unicode line
/// and bidi controls) replaced by `?`, cut to `max` characters (`…`
/// marks a cut).
pub fn text(s: &str, max: usize) -> String {
    let mut out = String::new();
    for (n, c) in s.chars().enumerate() {
        if n == max {
            out.push('…');
            break;
        }
        out.push(if bad(c) { '?' } else { c });
    }
    out
}

/// Bytes as text: lossy UTF-8, then [`text`].
pub fn bytes(b: &[u8], max: usize) -> String {
    text(&String::from_utf8_lossy(b), max)
}

fn bad(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}')
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_replaced_and_length_capped() {
        assert_eq!(text("a\nb\u{1b}[31mc\u{202e}", 100), "a?b?[31mc?");
        assert_eq!(text("abcdef", 3), "abc…");
        assert_eq!(text("abc", 3), "abc");
        assert_eq!(bytes(b"x\xffy\x00", 10), "x\u{fffd}y?");
    }
}
