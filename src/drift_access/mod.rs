//! The read-only drift credential for CI.
//!
//! A CI runner must report drift without being able to change anything.
//! `harden ca sign-drift` issues a long-lived certificate with the
//! principal [`PRINCIPAL`] and the critical option `force-command` set to
//! the [`RUNNER`]; `apply` (the `ssh-ca` control) maps that principal in
//! the connecting account's principals file with `restrict,command=…`, so
//! the forced command holds even for a certificate without the option, and
//! installs the runner.
//!
//! The runner ([`runner`]) is the host's own probe scripts, exactly as
//! `drift` would send them, frozen at the last apply: one per probe phase,
//! keyed by the SHA-256 of its text. A request ([`request`]) is one line
//! naming a digest and a fresh nonce; the runner validates both (fixed
//! length, hex only), runs the matching script and answers in the framed
//! format `backend/ssh/probe.rs` parses. Anything else (a shell, a write,
//! another command, a probe set the last apply did not install) is refused
//! with one line on stderr, exit [`EXIT_REFUSED`], and a syslog line. The
//! request carries no path and no code: the vocabulary is the control
//! contract's probes as harden itself rendered them for that host. On a
//! host whose `ssh_user` is not root, the runner first re-executes itself
//! through `sudo -n`, as full access runs `sudo -n sh -s`.
//!
//! On the CI side ([`credential`], [`context`]) the certificate is checked
//! against its validity window, the trusted CA keys and the revocation
//! list before any connection; a host that refuses it all the same gets an
//! explanation ([`explain_connect`]).

pub mod context;
pub mod credential;
pub mod runner;

use std::collections::BTreeSet;

use crate::contract::Probe;

/// Principal of drift certificates (mapped to the forced runner).
pub const PRINCIPAL: &str = "harden-drift";
/// Where `apply` installs the runner.
pub const RUNNER: &str = "/usr/local/lib/harden/probe-runner";
/// First word of a request line.
pub const REQUEST_WORD: &str = "harden-drift-probe";
/// Exit status of a refused request.
pub const EXIT_REFUSED: i32 = 3;
/// What every refusal line starts with.
pub const REFUSED: &str = "harden probe runner: refused:";
/// The nonce the frozen scripts are rendered (and hashed) with.
const PLACEHOLDER: &str = "0000000000000000";

/// The probe script of `probes` as the runner stores it (nonce
/// placeholder) and its digest.
pub fn frozen(probes: &BTreeSet<Probe>) -> (String, String) {
    use sha2::Digest;
    let s = crate::backend::ssh::probe::script(probes, PLACEHOLDER);
    let d = sha2::Sha256::digest(s.as_bytes());
    let hex = d.iter().map(|b| format!("{b:02x}")).collect();
    (s, hex)
}

/// The request line for `probes` with `nonce` (16 hex digits).
pub fn request(probes: &BTreeSet<Probe>, nonce: &str) -> String {
    format!("{REQUEST_WORD} 1 {} {nonce}\n", frozen(probes).1)
}

/// The user-facing error for a runner's answer that is not facts.
pub fn explain(rc: i32, stderr: &str) -> String {
    let said = stderr.trim();
    if said.contains("probe set not installed") {
        format!("{said}; the inventory changed since the last apply: run `harden apply` with full access first")
    } else if said.starts_with(REFUSED) {
        said.to_string()
    } else {
        format!(
            "the read-only probe runner answered with exit {rc}: {said} (is the host applied with [ca] so {RUNNER} exists and `{PRINCIPAL}` is mapped?)"
        )
    }
}

/// A connect error of a read-only run (`read_only`) with the credential
/// of `client` explained: a host that refuses the certificate says only
/// "Permission denied" or "Too many authentication failures".
pub fn explain_connect(
    read_only: bool,
    client: &crate::transport::ClientConfig,
    error: String,
) -> String {
    if !read_only || !credential::auth_refused(&error) {
        return error;
    }
    let cert = client
        .run_identity
        .first()
        .and_then(|(_, c)| std::fs::read_to_string(c).ok())
        .and_then(|t| ssh_key::Certificate::from_openssh(t.trim()).ok());
    match cert {
        Some(c) => credential::explain_refused(&c, &error),
        None => error,
    }
}

#[cfg(test)]
#[path = "runner_tests.rs"]
mod tests;
