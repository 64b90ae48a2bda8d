//! Checks of the identifiers and names OTC sends or harden sends to it:
//! each returns the value or says why it is refused (the value itself is
//! shown only escaped, and only the start of it).

/// A UUID in its 8-4-4-4-12 hex form (volume, server and KMS key ids).
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// A project id or name: 1-64 letters, digits, `_`, `-` or `.` (project
/// ids are 32 hex digits; names `eu-de` or `eu-de_sub`).
pub fn is_project(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
}

/// A guest device name as EVS reports it: `/dev/` and 1-32 lower-case
/// letters or digits (`/dev/vdb`, `/dev/sda`).
pub fn is_device(s: &str) -> bool {
    s.strip_prefix("/dev/").is_some_and(|d| {
        !d.is_empty()
            && d.len() <= 32
            && d.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

/// Free text (a user, domain or volume name): at most `max` bytes, no
/// control, bidi or invisible character.
pub fn text_ok(s: &str, max: usize) -> Result<(), String> {
    if s.len() > max {
        return Err(format!("it is longer than {max} bytes"));
    }
    if let Some((i, c)) = crate::inventory::text::first_bad(s) {
        let name = crate::inventory::text::bad_char(c).unwrap_or("control character");
        return Err(format!("it contains a {name} at character {}", i + 1));
    }
    Ok(())
}

/// `s` escaped and cut, for a message.
pub fn shown(s: &str) -> String {
    crate::notify::scrub_body(s.as_bytes(), &[])
        .chars()
        .take(64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_devices() {
        assert!(is_uuid("0d7b3b5f-5a1f-4b8e-9a3e-0123456789ab"));
        for bad in [
            "",
            "0d7b3b5f-5a1f-4b8e-9a3e-0123456789a",
            "0d7b3b5f-5a1f-4b8e-9a3e-0123456789abc",
            "0d7b3b5f/5a1f-4b8e-9a3e-0123456789ab",
            "0d7b3b5f-5a1f-4b8e-9a3e-0123456789a\n",
            "../../../../../../../../../etc/passw",
        ] {
            assert!(!is_uuid(bad), "{bad:?}");
        }
        assert!(is_device("/dev/vdb") && is_device("/dev/sda1"));
        for bad in ["/dev/", "vdb", "/dev/../sda", "/dev/VDB", "/dev/vd b"] {
            assert!(!is_device(bad), "{bad:?}");
        }
        assert!(is_project("eu-de_sub") && is_project("0123456789abcdef0123456789abcdef"));
        assert!(!is_project("eu de") && !is_project("") && !is_project("a/b"));
        assert!(text_ok("data-1", 255).is_ok());
        assert!(text_ok("a\u{202e}b", 255).is_err());
        assert!(text_ok("a\nb", 255).is_err());
        assert!(text_ok(&"x".repeat(256), 255).is_err());
    }
}
