//! Small text helpers every kind shares: shell quoting, parameter and value
//! checks, printable excerpts. (std only, so the contract depends on
//! nothing else in the crate.)

/// Quotes a string for a POSIX shell (single quotes; `'` becomes `'\''`).
pub(crate) fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Whether `c` is refused in any value read from a host or passed as a
/// parameter: C0/C1 controls, DEL, line/paragraph separators, bidi
/// overrides and marks, BOM.
pub(crate) fn refused(c: char) -> bool {
    matches!(c,
        '\0'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}'
        | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        | '\u{200e}' | '\u{200f}' | '\u{61c}' | '\u{feff}')
}

/// Checks one value read from a host: not longer than `max` bytes, no
/// refused character. The error text names the field, never the value.
pub(crate) fn check_value(field: &str, v: &str, max: usize) -> Result<(), String> {
    if v.len() > max {
        return Err(format!("{field} longer than {max} bytes"));
    }
    if let Some(c) = v.chars().find(|c| refused(*c)) {
        return Err(format!("{field} with a control character {c:?}"));
    }
    Ok(())
}

/// Checks a path parameter: absolute, at most 4096 bytes, no refused
/// character.
pub(crate) fn check_path(what: &str, p: &str) -> Result<(), String> {
    if !p.starts_with('/') {
        return Err(format!(
            "{what} {:?} is not an absolute path",
            printable(p, 80)
        ));
    }
    check_value(what, p, 4096)
}

/// `s` with refused characters escaped, cut to `max` characters.
pub(crate) fn printable(s: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i >= max {
            out.push('…');
            break;
        }
        if refused(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Refuses stdout over `limit` bytes.
pub(crate) fn within(stdout: &str, limit: usize) -> Result<(), usize> {
    if stdout.len() > limit {
        Err(limit)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_quotes_and_dollars() {
        assert_eq!(sh_quote("/a b"), "'/a b'");
        assert_eq!(sh_quote("x'$(id)"), "'x'\\''$(id)'");
    }

    #[test]
    fn control_characters_are_refused_and_escaped() {
        assert!(check_value("name", "ok name", 10).is_ok());
        assert!(check_value("name", "a\u{1b}[31m", 10).is_err());
        assert!(check_value("name", "a\u{202e}b", 10).is_err());
        assert!(check_value("name", "abcdefghijk", 10).is_err());
        assert_eq!(printable("a\nb", 10), "a\\nb");
        assert_eq!(printable("abcdef", 3), "abc…");
        assert!(check_path("device", "dev/sda").is_err());
    }
}
