//! Accepted logins read from a host's sshd log.
//!
//! Who connected during a window is read from sshd, not from the kernel:
//! the window rule does `log prefix "harden-mgmt: "`, but the kernel's
//! packet log is not reachable per network namespace (`nf_log` is off in
//! non-initial namespaces, and harden must not change the root
//! namespace's sysctls), and sshd names more than the kernel could: the
//! account, the key fingerprint and, for certificates, the key id and
//! serial. Three line shapes are read:
//!
//! - `journalctl -o short-unix`: `1711015200.123456 host sshd[1]: Accepted …`
//!   (epoch seconds: no time zone to guess);
//! - rsyslog's default on Debian 12 (and the lab):
//!   `2024-03-21T10:00:00.123456+01:00 host sshd[1]: Accepted …`;
//! - classic syslog: `Mar 21 10:00:00 host sshd[1]: Accepted …`, read with
//!   the host's year and UTC offset.

use std::net::IpAddr;

use serde::Serialize;

use crate::timefmt;

/// The host's clock when the log was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    /// Epoch seconds.
    pub now: u64,
    /// Current year.
    pub year: i64,
    /// UTC offset in seconds (east positive).
    pub offset: i64,
}

/// Parses `date +%s; date +%Y; date +%z`.
pub fn parse_clock(out: &str) -> Option<Clock> {
    let mut l = out.lines().map(str::trim);
    let now = l.next()?.parse().ok()?;
    let year = l.next()?.parse().ok()?;
    let offset = parse_offset(l.next()?)?;
    Some(Clock { now, year, offset })
}

/// `+0100`, `+01:00`, `-0530` or `Z` as seconds east of UTC.
fn parse_offset(z: &str) -> Option<i64> {
    if z == "Z" {
        return Some(0);
    }
    let sign = match z.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = z[1..].chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: i64 = digits[..2].parse().ok()?;
    let m: i64 = digits[2..].parse().ok()?;
    Some(sign * (h * 3600 + m * 60))
}

/// One accepted login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Login {
    /// When, epoch seconds.
    pub ts: u64,
    /// Account logged into.
    pub user: String,
    /// Client address.
    pub addr: IpAddr,
    /// Client port.
    pub port: u16,
    /// Authentication method (`publickey`, …).
    pub method: String,
    /// Key type and fingerprint, with certificate details if any.
    pub key: Option<String>,
    /// Certificate key id (`ID alice`), when a certificate was used.
    pub cert_id: Option<String>,
}

fn local_to_epoch(date_time_utc: &str, offset: i64) -> Option<u64> {
    let t = timefmt::parse_rfc3339(date_time_utc)? as i64;
    u64::try_from(t - offset).ok()
}

/// The timestamp at the start of a log line, in epoch seconds.
fn timestamp(line: &str, clock: &Clock) -> Option<u64> {
    let first = line.split_whitespace().next()?;
    // journalctl short-unix
    if let Some((secs, _)) = first.split_once('.') {
        if !secs.is_empty() && secs.bytes().all(|b| b.is_ascii_digit()) {
            return secs.parse().ok();
        }
    }
    // RFC 3339 with optional fraction and offset
    if first.len() >= 20 && first.as_bytes().get(10) == Some(&b'T') {
        let base = first.get(..19)?;
        let mut rest = first.get(19..)?;
        if let Some(r) = rest.strip_prefix('.') {
            rest = r.trim_start_matches(|c: char| c.is_ascii_digit());
        }
        let offset = parse_offset(rest)?;
        return local_to_epoch(&format!("{base}Z"), offset);
    }
    // Classic syslog: `Mar 21 10:00:00`
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mut w = line.split_whitespace();
    let name = w.next()?;
    let mon = MONTHS.iter().position(|m| *m == name)? + 1;
    let day: u32 = w.next()?.parse().ok()?;
    let time = w.next()?;
    let at = |year: i64| {
        local_to_epoch(
            &format!("{year:04}-{mon:02}-{day:02}T{time}Z"),
            clock.offset,
        )
    };
    let t = at(clock.year)?;
    // A December line read in January belongs to last year.
    if t > clock.now + 86_400 {
        return at(clock.year - 1);
    }
    Some(t)
}

/// Parses one `Accepted …` line; None for anything else.
pub fn parse_line(line: &str, clock: &Clock) -> Option<Login> {
    let line = line.trim_end_matches(['\r', '\n']);
    let (_, rest) = line.split_once("Accepted ")?;
    let (method, rest) = rest.split_once(" for ")?;
    let (user, rest) = rest.split_once(" from ")?;
    let (addr, rest) = rest.split_once(" port ")?;
    let (port, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let key = rest
        .split_once(": ")
        .map(|(_, k)| k.trim().to_string())
        .filter(|k| !k.is_empty());
    let cert_id = key.as_deref().and_then(|k| {
        let (_, after) = k.split_once(" ID ")?;
        let id = match after.rsplit_once(" (serial ") {
            Some((id, _)) => id,
            None => after.split(" CA ").next().unwrap_or(after),
        };
        Some(id.trim().to_string())
    });
    Some(Login {
        ts: timestamp(line, clock)?,
        user: user.to_string(),
        addr: addr.parse().ok()?,
        port: port.parse().ok()?,
        method: method.to_string(),
        key,
        cert_id,
    })
}

/// Parses the output of `script::sshd_log`: the sources read and the
/// logins, oldest first.
pub fn parse(out: &str, clock: &Clock) -> (Vec<String>, Vec<Login>) {
    let mut sources = Vec::new();
    let mut logins = Vec::new();
    for line in out.lines() {
        if let Some(s) = line.strip_prefix("source=") {
            sources.push(s.trim().to_string());
        } else if let Some(l) = parse_line(line, clock) {
            logins.push(l);
        }
    }
    logins.sort_by_key(|l| l.ts);
    (sources, logins)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLOCK: Clock = Clock {
        now: 1_711_015_200, // 2024-03-21T10:00:00Z
        year: 2024,
        offset: 3600,
    };

    #[test]
    fn three_timestamp_shapes_agree() {
        let tail = "host sshd[1]: Accepted publickey for root from 198.51.100.5 port 50000 ssh2: ED25519 SHA256:abc";
        for head in [
            "1711015200.123456",
            "2024-03-21T11:00:00.123456+01:00",
            "2024-03-21T10:00:00Z",
            "Mar 21 11:00:00",
        ] {
            let l =
                parse_line(&format!("{head} {tail}"), &CLOCK).unwrap_or_else(|| panic!("{head}"));
            assert_eq!(l.ts, 1_711_015_200, "{head}");
        }
    }

    #[test]
    fn december_line_read_in_january_is_last_year() {
        let jan = Clock {
            now: 1_704_067_200, // 2024-01-01T00:00:00Z
            year: 2024,
            offset: 0,
        };
        let l = parse_line(
            "Dec 31 23:00:00 h sshd[1]: Accepted publickey for root from 10.0.0.1 port 1 ssh2",
            &jan,
        )
        .unwrap();
        assert_eq!(l.ts, 1_704_063_600);
    }

    #[test]
    fn key_and_certificate_details() {
        let plain = parse_line(
            "2024-03-21T10:00:00Z h sshd: Accepted publickey for root from 198.51.100.5 port 50000 ssh2: ED25519 SHA256:jhpB/x\r",
            &CLOCK,
        )
        .unwrap();
        assert_eq!(plain.user, "root");
        assert_eq!(plain.addr.to_string(), "198.51.100.5");
        assert_eq!(plain.port, 50000);
        assert_eq!(plain.method, "publickey");
        assert_eq!(plain.key.as_deref(), Some("ED25519 SHA256:jhpB/x"));
        assert_eq!(plain.cert_id, None);
        let cert = parse_line(
            "2024-03-21T10:00:00Z h sshd[9]: Accepted publickey for alice from 2001:db8::5 port 4000 ssh2: ED25519-CERT SHA256:k ID alice@laptop (serial 5) CA ED25519 SHA256:ca",
            &CLOCK,
        )
        .unwrap();
        assert_eq!(cert.cert_id.as_deref(), Some("alice@laptop"));
        assert!(cert.addr.is_ipv6());
    }

    #[test]
    fn other_lines_are_skipped() {
        let out = "source=/var/log/auth.log\n\
                   2024-03-21T10:00:00Z h sshd: Server listening on 0.0.0.0 port 22.\n\
                   2024-03-21T10:00:05Z h sshd: Accepted publickey for root from 10.0.0.2 port 1 ssh2: ED25519 SHA256:a\n\
                   garbage Accepted nonsense\n\
                   2024-03-21T10:00:01Z h sshd: Accepted password for bob from 10.0.0.3 port 2 ssh2\n";
        let (sources, logins) = parse(out, &CLOCK);
        assert_eq!(sources, vec!["/var/log/auth.log".to_string()]);
        assert_eq!(logins.len(), 2);
        assert_eq!(logins[0].user, "bob", "sorted by time");
    }

    #[test]
    fn odd_bytes_never_panic() {
        for line in [
            "2024-03-21Tä0:00:00Z h sshd: Accepted publickey for root from 10.0.0.1 port 1 ssh2",
            "ääääääääääTää Accepted publickey for root from 10.0.0.1 port 1 ssh2",
            "Mar 99 10:00:00 h sshd: Accepted publickey for root from 10.0.0.1 port 1 ssh2",
            "1711015200.5 h sshd: Accepted publickey for root from nonsense port 1 ssh2",
            "Accepted",
        ] {
            assert!(parse_line(line, &CLOCK).is_none(), "{line}");
        }
    }

    #[test]
    fn clock() {
        assert_eq!(parse_clock("1711015200\n2024\n+0100\n"), Some(CLOCK));
        assert_eq!(parse_offset("-05:30"), Some(-19_800));
        assert_eq!(parse_clock("x"), None);
    }
}
