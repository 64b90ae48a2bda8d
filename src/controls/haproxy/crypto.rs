//! TLS settings chosen from the OpenSSL the host's HAProxy runs on, as
//! sshd's crypto is chosen from OpenSSH's version.
//!
//! Ciphers and suites are Mozilla's intermediate profile (guidelines 6.0:
//! TLS 1.2 with the six ECDHE AEAD suites, TLS 1.3 with AES-GCM and
//! ChaCha20; DHE was dropped in 5.8). The key-exchange groups put the
//! hybrid post-quantum `X25519MLKEM768` first only where the OpenSSL is
//! 3.5 or later: on OpenSSL 3.0 the name stops HAProxy from starting
//! (measured on Debian 12, research §1.6). An OpenSSL harden cannot
//! identify (LibreSSL, BoringSSL, an unparsable banner) gets the classical
//! groups every TLS library knows, never a name that could be fatal.

/// TLS 1.3 suites (Mozilla intermediate).
pub const CIPHERSUITES: &str =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

/// TLS 1.2 ciphers (Mozilla intermediate 6.0: ECDHE AEAD only).
pub const CIPHERS: &str = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

/// The OpenSSL assumed when rendering offline (Debian 12).
pub const ASSUMED: OpenSsl = OpenSsl::new(3, 0);

/// An OpenSSL release (major.minor).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct OpenSsl {
    /// Major.
    pub major: u32,
    /// Minor.
    pub minor: u32,
}

impl OpenSsl {
    /// Shorthand constructor.
    pub const fn new(major: u32, minor: u32) -> Self {
        OpenSsl { major, minor }
    }

    /// Reads `OpenSSL 3.0.19 27 Jan 2026` (haproxy -vv's "Running on
    /// OpenSSL version"); anything else (LibreSSL, garbage) is `None`.
    pub fn parse(banner: &str) -> Option<Self> {
        let rest = banner.trim().strip_prefix("OpenSSL ")?;
        let mut nums = rest.split(|c: char| !c.is_ascii_digit());
        let major = nums.next()?.parse().ok()?;
        let minor = nums.next()?.parse().ok()?;
        Some(OpenSsl { major, minor })
    }
}

/// The chosen TLS settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tls {
    /// `ssl-default-bind-curves`, colon-separated, preferred first.
    pub groups: String,
    /// Why the groups look the way they do.
    pub rationale: String,
}

/// Picks the groups for `openssl` (`None`: unknown library).
pub fn choose(openssl: Option<OpenSsl>) -> Tls {
    match openssl {
        Some(v) if v >= OpenSsl::new(3, 5) => Tls {
            groups: "X25519MLKEM768:X25519:prime256v1:secp384r1".into(),
            rationale: format!(
                "OpenSSL {}.{}: hybrid post-quantum X25519MLKEM768 first",
                v.major, v.minor
            ),
        },
        Some(v) if v >= OpenSsl::new(1, 1) => Tls {
            groups: "X25519:prime256v1:secp384r1".into(),
            rationale: format!(
                "OpenSSL {}.{} has no ML-KEM (needs 3.5): classical groups only",
                v.major, v.minor
            ),
        },
        Some(v) => Tls {
            groups: "prime256v1:secp384r1".into(),
            rationale: format!(
                "OpenSSL {}.{} predates X25519: NIST curves only; upgrade OpenSSL",
                v.major, v.minor
            ),
        },
        None => Tls {
            groups: "prime256v1:secp384r1".into(),
            rationale: "the TLS library HAProxy runs on is not a recognisable OpenSSL: NIST curves only, the names every library knows".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_follow_the_openssl_version() {
        assert_eq!(
            OpenSsl::parse("OpenSSL 3.0.19 27 Jan 2026"),
            Some(OpenSsl::new(3, 0))
        );
        assert_eq!(OpenSsl::parse("LibreSSL 3.8.2"), None);
        assert_eq!(OpenSsl::parse("OpenSSL x"), None);
        let d12 = choose(OpenSsl::parse("OpenSSL 3.0.19 27 Jan 2026"));
        assert!(!d12.groups.contains("MLKEM"), "fatal on OpenSSL 3.0");
        assert!(d12.groups.starts_with("X25519:"));
        let d13 = choose(OpenSsl::parse("OpenSSL 3.5.1 1 Jul 2025"));
        assert!(d13.groups.starts_with("X25519MLKEM768:X25519:"));
        assert!(choose(Some(OpenSsl::new(3, 4)))
            .groups
            .starts_with("X25519:"));
        assert!(!choose(Some(OpenSsl::new(1, 0))).groups.contains("X25519"));
        assert!(!choose(None).groups.contains("X25519"));
    }

    #[test]
    fn mozilla_intermediate_has_no_dhe_cbc_or_rsa_kex() {
        for c in CIPHERS.split(':') {
            assert!(c.starts_with("ECDHE-"), "{c}");
            assert!(c.contains("GCM") || c.contains("CHACHA20"), "{c}");
        }
        assert_eq!(CIPHERSUITES.split(':').count(), 3);
    }
}
