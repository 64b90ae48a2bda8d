//! Whether password changes go through pwquality: libpam-pwquality
//! installed (`dpkg-query`), and `/etc/pam.d/common-password` holding a
//! `password requisite pam_pwquality.so` line before the first
//! `password … pam_unix.so` line. Both are report-only: harden installs
//! no packages and does not own the PAM stack (Debian's `pam-auth-update`
//! does; installing libpam-pwquality adds the line). Each finding names
//! the line it read.

use crate::contract::{Facts, Plan, Probe};
use crate::report::model::{Finding, Fix};

/// The PAM stack every password change on Debian goes through.
pub const COMMON_PASSWORD: &str = "/etc/pam.d/common-password";
/// The package that ships pam_pwquality.so and pwquality.conf.
pub const PACKAGE: &str = "libpam-pwquality";
/// Id of the package probe.
pub const PROBE: &str = "passwords.pwquality-package";
/// Longest line shown in a finding.
const SHOWN: usize = 160;

/// The package probe: dpkg's status of libpam-pwquality (empty if unknown).
pub fn probe() -> Probe {
    Probe::cmd(
        PROBE,
        format!("dpkg-query -W -f='${{Status}}' {PACKAGE} 2>/dev/null || true"),
    )
}

/// Whether the probe says the package is installed; `None` when not probed.
pub fn installed(facts: &Facts) -> Option<bool> {
    facts
        .cmd(PROBE)
        .map(|c| c.stdout.trim() == "install ok installed")
}

/// One PAM line: its number (from 1), type, control, module, and the line.
struct PamLine<'a> {
    n: usize,
    kind: &'a str,
    control: &'a str,
    module: &'a str,
    text: &'a str,
}

/// The active lines of a PAM file (`[…]` controls may hold spaces).
fn lines(text: &str) -> Vec<PamLine<'_>> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate().take(10_000) {
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let Some((kind, rest)) = l.split_once(char::is_whitespace) else {
            continue;
        };
        let rest = rest.trim_start();
        let (control, rest) = if rest.starts_with('[') {
            match rest.find(']') {
                Some(e) => (&rest[..=e], &rest[e + 1..]),
                None => continue,
            }
        } else {
            rest.split_once(char::is_whitespace).unwrap_or((rest, ""))
        };
        let module = rest.split_whitespace().next().unwrap_or("");
        out.push(PamLine {
            n: i + 1,
            kind: kind.trim_start_matches('-'),
            control,
            module: module.rsplit('/').next().unwrap_or(module),
            text: l,
        });
    }
    out
}

/// The line as shown: whitespace runs as one space, no control
/// character, at most [`SHOWN`] characters.
fn shown(l: &PamLine<'_>) -> String {
    let words: Vec<&str> = l.text.split_whitespace().collect();
    let t: String = words
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .take(SHOWN)
        .collect();
    format!("line {}: {t}", l.n)
}

/// The PAM check of `common-password`: `Ok(line read)` when pwquality is
/// requisite before pam_unix, else `Err(what was read instead)`.
pub fn stack(text: &str) -> Result<String, String> {
    let all = lines(text);
    let pw: Vec<&PamLine<'_>> = all.iter().filter(|l| l.kind == "password").collect();
    let unix = pw.iter().find(|l| l.module == "pam_unix.so");
    let pwq = pw.iter().find(|l| l.module == "pam_pwquality.so");
    match (pwq, unix) {
        (Some(q), u) if q.control == "requisite" && u.is_none_or(|u| q.n < u.n) => Ok(shown(q)),
        (Some(q), Some(u)) if q.n > u.n => Err(format!("{} comes after {}", shown(q), shown(u))),
        (Some(q), _) => Err(format!("{} is not requisite", shown(q))),
        (None, Some(u)) => Err(format!(
            "no pam_pwquality.so line; passwords go to {}",
            shown(u)
        )),
        (None, None) => Err("no password line at all".into()),
    }
}

/// The package and PAM findings.
pub fn check(p: &mut Plan, facts: &Facts, tom: &'static str) {
    let installed = installed(facts).unwrap_or(false);
    let f = Finding::new(p.control, "package", PACKAGE, tom);
    p.push(if installed {
        f.ok("installed")
    } else {
        f.drift("installed", "not installed", Fix::None).with_message(
            "password quality is not enforced: install libpam-pwquality (harden installs no packages)",
        )
    });
    let have = facts.file(COMMON_PASSWORD);
    let f = Finding::new(p.control, "pam-pwquality", COMMON_PASSWORD, tom);
    let want = "password requisite pam_pwquality.so before pam_unix.so";
    let got = if have.present {
        stack(&have.text())
    } else {
        Err("absent".into())
    };
    p.push(match got {
        Ok(line) => f.ok(line),
        Err(read) => {
            let why = if installed {
                "pwquality is installed but password changes do not go through it: run pam-auth-update and enable \"Pwquality password strength checking\""
            } else {
                "libpam-pwquality is not installed, so no PAM stack can use it: install it (its pam-auth-update profile adds the line)"
            };
            f.drift(want, read, Fix::None).with_message(why)
        }
    });
}
