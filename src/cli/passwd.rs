//! `harden passwd generate [--host H] [--count N]`: random passwords of
//! the length a host class needs (TOM-1.3-password-random,
//! TOM-1.3-password-length).
//!
//! Each character is drawn from the OS's secure random source
//! (`getrandom`: the kernel's CSPRNG) by rejection sampling over
//! [`ALPHABET`], so every symbol is exactly equally likely; there is no
//! fallback: if the source fails, the command fails. The length is the
//! host's minimum (its `passwords` rules, else the TOM's: 12, or 30 on a
//! host that holds data); without `--host` it is the TOM's data-host
//! length, 30, which no host class refuses. Each password is printed
//! with its entropy, `length × log2(alphabet size)` bits. Nothing is
//! written anywhere: no file, no audit record, no temporary file.

use std::io::Write;

use anyhow::{anyhow, bail, Result};
use clap::Subcommand;

use crate::controls::passwords::policy::Policy;
use crate::controls::passwords::section::PasswordSettings;
use crate::inventory::{Host, Inventory};

/// The symbols a password is made of: letters and digits without the
/// look-alikes `I l 1 O 0`, and ten punctuation marks that need no
/// escaping in a shell single-quoted string or a TOML/JSON string (no
/// quote, backslash, space or `$`). 67 symbols: about 6.07 bits each.
pub const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_.+=@%!?#";
/// Most passwords one call prints.
pub const MAX_COUNT: u32 = 100;
/// Random bytes drawn at most per password, per character (the chance a
/// byte is rejected is 55/256, so 64 draws never run out in practice;
/// the bound keeps the loop finite).
const DRAWS_PER_CHAR: usize = 64;

/// `passwd` and its subcommands.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: Sub,
}

/// Subcommands of `passwd`.
#[derive(Debug, Subcommand)]
pub enum Sub {
    /// Print random passwords of the length the host class needs, each
    /// with its entropy in bits (nothing is stored).
    Generate(GenerateArgs),
}

/// Flags of `passwd generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// The host the passwords are for (its exact name); without it, the
    /// length of a host that holds data.
    #[arg(long)]
    pub host: Option<String>,
    /// How many passwords (1-100).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_COUNT)))]
    pub count: u32,
}

/// Entropy of a password of `len` symbols of [`ALPHABET`], in bits.
pub fn entropy_bits(len: usize) -> f64 {
    len as f64 * (ALPHABET.len() as f64).log2()
}

/// The length a password for `host` needs (see the module doc).
pub fn length_for(host: Option<&Host>) -> u32 {
    match host {
        None => Policy::TOM.min_length_data,
        Some(h) => h
            .settings::<PasswordSettings>()
            .policy
            .unwrap_or(Policy::TOM)
            .length_for(h),
    }
}

/// One password of `len` symbols, unbiased, from the OS's random source.
pub fn generate(len: usize) -> Result<String> {
    generate_with(len, &mut |b: &mut [u8]| {
        getrandom::fill(b).map_err(|e| anyhow!("[passwd-random] the OS random source failed: {e}"))
    })
}

/// [`generate`] with the random source given (tests feed fixed bytes).
pub fn generate_with(len: usize, fill: &mut dyn FnMut(&mut [u8]) -> Result<()>) -> Result<String> {
    let n = ALPHABET.len();
    // Bytes at or above `limit` would make the first `256 % n` symbols
    // more likely: they are thrown away and drawn again.
    let limit = 256 - 256 % n;
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    let mut draws = 0usize;
    while out.len() < len {
        if draws >= len.saturating_mul(DRAWS_PER_CHAR) {
            bail!(
                "[passwd-random] the random source gave {draws} bytes without enough usable ones"
            );
        }
        fill(&mut buf)?;
        for &b in &buf {
            draws += 1;
            if usize::from(b) < limit && out.len() < len {
                out.push(char::from(ALPHABET[usize::from(b) % n]));
            }
        }
    }
    Ok(out)
}

/// Runs `passwd …`; returns the exit code.
pub fn run(inv_path: &std::path::Path, args: &Args) -> Result<u8> {
    let Sub::Generate(a) = &args.command;
    let inv = match &a.host {
        Some(_) => Some(super::run::load(inv_path)?),
        None => None,
    };
    generate_cmd(inv.as_ref(), a, &mut std::io::stdout())
}

/// `passwd generate` against an optional inventory (needed with
/// `--host`), printed to `out`.
pub fn generate_cmd(inv: Option<&Inventory>, a: &GenerateArgs, out: &mut dyn Write) -> Result<u8> {
    if !(1..=MAX_COUNT).contains(&a.count) {
        bail!("[passwd-count] --count must be between 1 and {MAX_COUNT}");
    }
    let host = match (&a.host, inv) {
        (Some(name), Some(inv)) => {
            Some(inv.hosts.iter().find(|h| &h.name == name).ok_or_else(|| {
                anyhow!("[passwd-unknown-host] no host named {name:?} in the inventory")
            })?)
        }
        (Some(_), None) => bail!("[passwd-unknown-host] --host needs the inventory"),
        (None, _) => None,
    };
    let len = length_for(host) as usize;
    let bits = entropy_bits(len);
    for _ in 0..a.count {
        let p = generate(len)?;
        writeln!(out, "{p}  {bits:.1} bits")?;
    }
    out.flush()?;
    Ok(0)
}

#[cfg(test)]
#[path = "passwd_tests.rs"]
mod tests;
