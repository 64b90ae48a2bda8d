//! Small text helpers every kind shares: parameter and value checks and
//! printable excerpts, on the crate's one shell-quoting rule and one list
//! of refused characters.

/// Quotes a string for a POSIX shell: the contract's one rule.
pub(crate) use crate::contract::sh_quote;

/// Whether `c` is refused in any value read from a host or passed as a
/// parameter: the inventory's one list of refused characters.
pub(crate) fn refused(c: char) -> bool {
    crate::inventory::text::bad_char(c).is_some()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_quotes_and_dollars() {
        assert_eq!(sh_quote("/a b"), "'/a b'");
        assert_eq!(sh_quote("x'$(id)"), "'x'\\''$(id)'");
        assert_eq!(sh_quote("/dev/sda"), "/dev/sda");
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
