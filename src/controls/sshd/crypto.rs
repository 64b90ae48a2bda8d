//! SSH algorithms chosen from the OpenSSH version found on the host.
//!
//! Post-quantum key exchange comes first: `mlkem768x25519-sha256` from
//! OpenSSH 9.9, `sntrup761x25519-sha512` (both spellings) from 8.5. A
//! classical exchange (`curve25519-sha256`) is kept only when the inventory
//! names the older clients that need it. Every list is intersected with the
//! names the host's OpenSSH reports (`ssh -Q`), so harden never writes an
//! algorithm that host's sshd does not know (the failure that stopped sshd
//! in dev-sec#672 and ssh-audit#274). Sources: ssh-audit's hardening guides
//! for Debian 12/13 and OpenSSH release notes; reviewed 2026-11.

use std::fmt;

/// An OpenSSH version (major.minor).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    /// Major.
    pub major: u32,
    /// Minor.
    pub minor: u32,
}

impl Version {
    /// Finds `OpenSSH_9.2` in a version banner.
    pub fn parse(banner: &str) -> Option<Self> {
        let i = banner.find("OpenSSH_")?;
        let rest = &banner[i + 8..];
        let mut nums = rest.split(|c: char| !c.is_ascii_digit());
        let major = nums.next()?.parse().ok()?;
        let minor = nums.next()?.parse().ok()?;
        Some(Version { major, minor })
    }

    /// Shorthand constructor.
    pub const fn new(major: u32, minor: u32) -> Self {
        Version { major, minor }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Algorithms the host's sshd knows; empty lists mean unknown.
///
/// Read from `sshd -T -f /dev/null` (sshd's built-in defaults, which on
/// every OpenSSH since 8.5 contain all the names harden picks, and on a
/// FIPS build only those it can use) with `ssh -Q` as the fallback: one
/// process instead of four, in a probe that runs on every host nightly.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Supported {
    /// Key exchanges.
    pub kex: Vec<String>,
    /// Ciphers.
    pub ciphers: Vec<String>,
    /// MACs.
    pub macs: Vec<String>,
    /// Signature algorithms (host keys, user keys, CA signatures).
    pub keys: Vec<String>,
}

impl Supported {
    /// Parses `keyword a,b,c` lines as `sshd -T` prints them.
    pub fn parse(out: &str) -> Self {
        let mut sup = Supported::default();
        for line in out.lines() {
            let Some((k, v)) = line.trim().split_once(' ') else {
                continue;
            };
            let list = v
                .split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty());
            match k {
                "kexalgorithms" => sup.kex.extend(list),
                "ciphers" => sup.ciphers.extend(list),
                "macs" => sup.macs.extend(list),
                "hostkeyalgorithms" | "pubkeyacceptedalgorithms" | "casignaturealgorithms" => {
                    sup.keys.extend(list)
                }
                _ => {}
            }
        }
        sup.keys.sort();
        sup.keys.dedup();
        sup
    }
}

/// The chosen algorithm lists.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Crypto {
    /// KexAlgorithms.
    pub kex: Vec<String>,
    /// Ciphers.
    pub ciphers: Vec<String>,
    /// MACs.
    pub macs: Vec<String>,
    /// HostKeyAlgorithms.
    pub host_key_algorithms: Vec<String>,
    /// PubkeyAcceptedAlgorithms.
    pub pubkey_algorithms: Vec<String>,
    /// CASignatureAlgorithms.
    pub ca_algorithms: Vec<String>,
    /// `RequiredRSASize` is known (OpenSSH 9.1+).
    pub required_rsa_size: bool,
    /// `PerSourcePenalties` is on by default (OpenSSH 9.8+), so harden's
    /// controller sources must be exempted.
    pub per_source_penalties: bool,
    /// Why the lists look the way they do.
    pub rationale: String,
}

fn keep(wanted: &[&str], supported: &[String]) -> Vec<String> {
    wanted
        .iter()
        .filter(|w| supported.is_empty() || supported.iter().any(|s| s == *w))
        .map(|w| w.to_string())
        .collect()
}

/// Picks the algorithms for `version`; `legacy` keeps a classical KEX.
pub fn choose(version: Version, supported: &Supported, legacy: bool) -> Crypto {
    let mut kex: Vec<&str> = Vec::new();
    if version >= Version::new(9, 9) {
        kex.push("mlkem768x25519-sha256");
    }
    if version >= Version::new(8, 5) {
        kex.extend([
            "sntrup761x25519-sha512",
            "sntrup761x25519-sha512@openssh.com",
        ]);
    }
    let pq = !kex.is_empty();
    if legacy || !pq {
        kex.extend(["curve25519-sha256", "curve25519-sha256@libssh.org"]);
    }
    let mut rationale = if pq {
        format!("OpenSSH {version}: post-quantum key exchange first")
    } else {
        format!("OpenSSH {version} has no post-quantum key exchange: curve25519 only; upgrade OpenSSH to 8.5+")
    };
    if legacy && pq {
        rationale.push_str("; curve25519 kept for the legacy clients named in the inventory");
    }
    let ciphers = [
        "chacha20-poly1305@openssh.com",
        "aes256-gcm@openssh.com",
        "aes128-gcm@openssh.com",
        "aes256-ctr",
        "aes192-ctr",
        "aes128-ctr",
    ];
    let macs = [
        "hmac-sha2-256-etm@openssh.com",
        "hmac-sha2-512-etm@openssh.com",
        "umac-128-etm@openssh.com",
    ];
    let host_keys = ["ssh-ed25519-cert-v01@openssh.com", "ssh-ed25519"];
    let pubkeys = [
        "ssh-ed25519-cert-v01@openssh.com",
        "sk-ssh-ed25519-cert-v01@openssh.com",
        "ssh-ed25519",
        "sk-ssh-ed25519@openssh.com",
        "rsa-sha2-512-cert-v01@openssh.com",
        "rsa-sha2-256-cert-v01@openssh.com",
        "rsa-sha2-512",
        "rsa-sha2-256",
    ];
    let ca = [
        "ssh-ed25519",
        "sk-ssh-ed25519@openssh.com",
        "rsa-sha2-512",
        "rsa-sha2-256",
    ];
    Crypto {
        kex: keep(&kex, &supported.kex),
        ciphers: keep(&ciphers, &supported.ciphers),
        macs: keep(&macs, &supported.macs),
        host_key_algorithms: keep(&host_keys, &supported.keys),
        pubkey_algorithms: keep(&pubkeys, &supported.keys),
        ca_algorithms: keep(&ca, &supported.keys),
        required_rsa_size: version >= Version::new(9, 1),
        per_source_penalties: version >= Version::new(9, 8),
        rationale,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_banners() {
        assert_eq!(
            Version::parse("OpenSSH_9.2p1 Debian-2+deb12u10, OpenSSL 3.0"),
            Some(Version::new(9, 2))
        );
        assert_eq!(Version::parse("OpenSSH_10.0p2"), Some(Version::new(10, 0)));
        assert_eq!(Version::parse("dropbear"), None);
    }

    #[test]
    fn version_table() {
        let none = Supported::default();
        let d12 = choose(Version::new(9, 2), &none, false);
        assert_eq!(
            d12.kex,
            [
                "sntrup761x25519-sha512",
                "sntrup761x25519-sha512@openssh.com"
            ]
        );
        let d13 = choose(Version::new(10, 0), &none, false);
        assert_eq!(d13.kex[0], "mlkem768x25519-sha256");
        let legacy = choose(Version::new(9, 2), &none, true);
        assert_eq!(
            legacy.kex.last().map(String::as_str),
            Some("curve25519-sha256@libssh.org")
        );
        let old = choose(Version::new(8, 4), &none, false);
        assert_eq!(
            old.kex,
            ["curve25519-sha256", "curve25519-sha256@libssh.org"]
        );
        assert!(!old.required_rsa_size);
        assert!(!d12.per_source_penalties);
        assert!(choose(Version::new(9, 8), &none, false).per_source_penalties);
        assert!(d13.per_source_penalties);
    }

    #[test]
    fn never_names_an_unknown_algorithm() {
        // Ubuntu 24.04 style: only the @openssh.com spelling of sntrup.
        let s = Supported::parse("kexalgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256\nciphers chacha20-poly1305@openssh.com\nmacs hmac-sha2-256-etm@openssh.com\nhostkeyalgorithms ssh-ed25519\npubkeyacceptedalgorithms ssh-ed25519\nport 22\n");
        let c = choose(Version::new(9, 6), &s, false);
        assert_eq!(c.kex, ["sntrup761x25519-sha512@openssh.com"]);
        assert_eq!(c.ciphers, ["chacha20-poly1305@openssh.com"]);
        assert_eq!(c.host_key_algorithms, ["ssh-ed25519"]);
    }
}
