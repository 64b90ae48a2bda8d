//! The gatekeeper section's single values, parsed and validated without
//! the inventory around them: durations, service names, DNS names,
//! paths, health paths, listen entries and `host:port` backends. Each
//! parser returns the typed value or a [`Bad`] with what is wrong and how
//! to fix it; [`section`](super) reports it at its key with a code.

use std::net::IpAddr;

use super::super::model::Listen;

/// A value that did not validate: the message and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bad {
    /// What is wrong (names the value, printable).
    pub msg: String,
    /// What would be valid.
    pub help: String,
}

fn bad(msg: impl Into<String>, help: impl Into<String>) -> Bad {
    Bad {
        msg: msg.into(),
        help: help.into(),
    }
}

/// The value for a message: at most 80 characters, control characters
/// and quotes shown as `?` (the inventory already refused control
/// characters; this keeps messages safe regardless).
pub fn shown(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(80)
        .map(|c| if c.is_control() || c == '`' { '?' } else { c })
        .collect();
    if s.chars().count() > 80 {
        out.push('…');
    }
    out
}

/// Milliseconds of a duration written `<digits><unit>` with unit `ms`,
/// `s`, `m` or `h` (`"5s"`, `"250ms"`, `"30m"`), within `lo..=hi` ms.
pub fn duration_ms(v: &str, lo: u64, hi: u64) -> Result<u64, Bad> {
    let range = format!("{} to {}", human(lo), human(hi));
    let digits: String = v.chars().take_while(char::is_ascii_digit).collect();
    let unit = &v[digits.len()..];
    let per = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => 0,
    };
    if digits.is_empty() || digits.len() > 9 || per == 0 {
        return Err(bad(
            format!("`{}` is not a duration", shown(v)),
            format!(
                "write a whole number and a unit ms, s, m or h, e.g. \"5s\" or \"30m\" ({range})"
            ),
        ));
    }
    let n: u64 = digits.parse().unwrap_or(u64::MAX / 4_000_000);
    let ms = n.saturating_mul(per);
    if ms < lo || ms > hi {
        return Err(bad(
            format!("`{}` is outside the safe range", shown(v)),
            format!("valid: {range}"),
        ));
    }
    Ok(ms)
}

/// A duration for a message: `100ms`, `1s`, `1h`.
pub fn human(ms: u64) -> String {
    if ms % 3_600_000 == 0 {
        format!("{}h", ms / 3_600_000)
    } else if ms % 60_000 == 0 {
        format!("{}m", ms / 60_000)
    } else if ms % 1_000 == 0 {
        format!("{}s", ms / 1_000)
    } else {
        format!("{ms}ms")
    }
}

/// A service name: `[a-z0-9-]{1,32}`, not starting with `-`.
pub fn name(v: &str) -> Result<(), Bad> {
    let ok = (1..=32).contains(&v.len())
        && !v.starts_with('-')
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(bad(
            format!("service name `{}` is not allowed", shown(v)),
            "use 1-32 lower-case letters, digits and '-' (not first), e.g. \"portal\"",
        ))
    }
}

/// A lower-case DNS name (no wildcard, no trailing dot): labels of 1-63
/// `[a-z0-9-]` not starting or ending with `-`, at most 253 characters.
pub fn dns_name(v: &str) -> Result<(), Bad> {
    let label_ok = |l: &str| {
        (1..=63).contains(&l.len())
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    if v.len() <= 253 && v.split('.').all(label_ok) && v.parse::<IpAddr>().is_err() {
        return Ok(());
    }
    let help = if v.chars().any(|c| c.is_ascii_uppercase()) {
        "write the name in lower case (TLS names are compared in lower case)"
    } else if v.starts_with("*.") {
        "wildcards are not routed: list each name, e.g. \"portal.example.com\""
    } else {
        "write a DNS name such as \"portal.example.com\" (letters, digits, '-', dots; no address)"
    };
    Err(bad(format!("`{}` is not a DNS name", shown(v)), help))
}

/// Longest path, in bytes.
pub const PATH_MAX: usize = 255;

/// An absolute path on the gatekeeper that is safe in haproxy.cfg and a
/// shell line: `[A-Za-z0-9/._+-]`, no empty, `.` or `..` component.
pub fn path(v: &str) -> Result<(), Bad> {
    let chars_ok = v
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._+-".contains(c));
    let parts_ok = v.strip_prefix('/').is_some_and(|rest| {
        rest.split('/')
            .all(|p| !p.is_empty() && p != "." && p != "..")
    });
    if chars_ok && parts_ok && v.len() <= PATH_MAX {
        return Ok(());
    }
    let help = if !v.starts_with('/') {
        "write an absolute path on the gatekeeper, e.g. \"/etc/haproxy/certs/portal.pem\""
            .to_string()
    } else if !chars_ok {
        "use letters, digits and / . _ + - only (no spaces, quotes, %, $, # or backslashes)"
            .to_string()
    } else {
        format!("write a normalised path (no `//`, `.` or `..`) of at most {PATH_MAX} bytes")
    };
    Err(bad(format!("`{}` is not a usable path", shown(v)), help))
}

/// An HTTP health-check path: starts with `/`, `[A-Za-z0-9/._~-]`, at
/// most 200 characters.
pub fn health_path(v: &str) -> Result<(), Bad> {
    let ok = v.starts_with('/')
        && v.len() <= 200
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._~-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(bad(
            format!("`{}` is not a usable health-check path", shown(v)),
            "write an absolute URL path of letters, digits and / . _ ~ - (no query), e.g. \"/healthz\"",
        ))
    }
}

/// A port 1-65535.
fn port(v: &str) -> Option<u16> {
    if v.is_empty() || v.len() > 5 || !v.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    v.parse::<u16>().ok().filter(|p| *p > 0)
}

/// A listen entry: a port (integer) or `"addr:port"` / `"[v6]:port"`.
pub fn listen(v: &toml::Value) -> Result<Listen, Bad> {
    let help = "write a port (443) or \"203.0.113.10:443\" / \"[2001:db8::1]:443\"";
    match v {
        toml::Value::Integer(i) => match u16::try_from(*i) {
            Ok(p) if p > 0 => Ok(Listen {
                addr: None,
                port: p,
            }),
            _ => Err(bad(
                format!("listen port {i} is out of range"),
                "valid: 1-65535",
            )),
        },
        toml::Value::String(s) => {
            let parsed = if let Some(rest) = s.strip_prefix('[') {
                rest.split_once("]:")
                    .and_then(|(a, p)| Some((a.parse::<std::net::Ipv6Addr>().ok()?.into(), p)))
            } else {
                s.rsplit_once(':')
                    .and_then(|(a, p)| Some((a.parse::<std::net::Ipv4Addr>().ok()?.into(), p)))
            };
            match parsed {
                Some((addr, p)) => match port(p) {
                    Some(port) => Ok(Listen {
                        addr: Some(addr),
                        port,
                    }),
                    None => Err(bad(format!("`{}` has no port 1-65535", shown(s)), help)),
                },
                None => Err(bad(format!("`{}` is not a listen address", shown(s)), help)),
            }
        }
        other => Err(bad(
            format!(
                "listen entries are ports or strings, not {}",
                other.type_str()
            ),
            help,
        )),
    }
}

/// A backend `"host:port"`: the host part (checked against the
/// inventory by the caller) and the port.
pub fn backend(v: &str) -> Result<(&str, u16), Bad> {
    let help = "write \"<inventory host name>:<port>\", e.g. \"otc-app-1:8443\"";
    let Some((h, p)) = v.rsplit_once(':') else {
        return Err(bad(format!("backend `{}` has no port", shown(v)), help));
    };
    let host_ok = !h.is_empty()
        && h.len() <= 253
        && h.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c));
    match (host_ok, port(p)) {
        (true, Some(p)) => Ok((h, p)),
        (false, _) => Err(bad(
            format!("backend `{}` does not name an inventory host", shown(v)),
            help,
        )),
        (true, None) => Err(bad(
            format!("backend `{}` has no port 1-65535", shown(v)),
            help,
        )),
    }
}

/// True when a source entry is meant as an address or prefix rather than
/// a host name (digits and dots with four parts, or a colon).
pub fn looks_like_address(s: &str) -> bool {
    s.contains(':')
        || s.split('/').next().is_some_and(|a| {
            a.split('.').count() == 4 && a.split('.').all(|p| p.chars().all(|c| c.is_ascii_digit()))
        })
}

#[cfg(test)]
#[path = "section_values_tests.rs"]
mod tests;
