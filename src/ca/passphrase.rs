//! Getting the CA passphrase: from the environment variable the inventory
//! names (CI), or typed at the terminal with echo off (people).
//!
//! The passphrase is never printed, logged or written anywhere.

use std::io::{BufRead, Write};

use crate::inventory::CaSettings;

/// Why no passphrase could be had.
#[derive(Debug)]
pub struct NoPassphrase(pub String);

impl std::fmt::Display for NoPassphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NoPassphrase {}

/// Reads the passphrase from `$<passphrase_env>`, or prompts on the
/// terminal (twice when `confirm`).
pub fn get(settings: &CaSettings, confirm: bool) -> Result<String, NoPassphrase> {
    if let Ok(p) = std::env::var(&settings.passphrase_env) {
        if !p.is_empty() {
            return Ok(p);
        }
    }
    let missing = || {
        NoPassphrase(format!(
            "the CA passphrase is needed (harden signs itself a short-lived certificate for every run): set {} or run on a terminal",
            settings.passphrase_env
        ))
    };
    let p = prompt("CA passphrase: ").ok_or_else(missing)?;
    if confirm {
        let again = prompt("CA passphrase (again): ").ok_or_else(missing)?;
        if again != p {
            return Err(NoPassphrase("the two passphrases differ".into()));
        }
    }
    Ok(p)
}

/// Prompts on /dev/tty with echo off; None without a terminal.
fn prompt(label: &str) -> Option<String> {
    use std::os::fd::AsRawFd;
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .ok()?;
    let fd = tty.as_raw_fd();
    // SAFETY: termios calls on a file descriptor we own; the old settings
    // are restored before returning.
    let mut old: libc::termios = unsafe { std::mem::zeroed() };
    if unsafe { libc::tcgetattr(fd, &mut old) } != 0 {
        return None;
    }
    let mut quiet = old;
    quiet.c_lflag &= !libc::ECHO;
    unsafe { libc::tcsetattr(fd, libc::TCSANOW, &quiet) };
    let mut w = &tty;
    let _ = w.write_all(label.as_bytes());
    let _ = w.flush();
    let mut line = String::new();
    let ok = std::io::BufReader::new(&tty).read_line(&mut line).is_ok();
    unsafe { libc::tcsetattr(fd, libc::TCSANOW, &old) };
    let _ = w.write_all(b"\n");
    let p = line.trim_end_matches(['\n', '\r']).to_string();
    (ok && !p.is_empty()).then_some(p)
}
