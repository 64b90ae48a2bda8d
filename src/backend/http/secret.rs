//! The API credential: read once, from the environment or from a file
//! only its owner can read, held in memory that is zeroed on drop, and
//! never shown (`Debug` prints `<redacted>`; no error carries the value).
//!
//! A request gets its header from [`Secret::header`], marked sensitive, so
//! reqwest and hyper leave it out of their own debug output. What this
//! cannot prevent: the copies the HTTP stack makes for one request are
//! freed, not zeroed, and the variable stays in the process environment.

use std::fmt;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use reqwest::header::HeaderValue;
use zeroize::Zeroizing;

use super::config::ConfigError;

/// The longest credential accepted (bytes).
pub const MAX_SECRET: usize = 4096;

/// The longest token accepted from a server's header (Keystone PKI tokens
/// run to several KiB).
pub const MAX_TOKEN: usize = 64 * 1024;

/// Where the credential comes from.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Credential {
    /// A bearer token in this environment variable.
    BearerFromEnv(String),
    /// A bearer token in this file, mode 0600 or 0400, owned by the user
    /// harden runs as; surrounding whitespace is ignored.
    FromFile(PathBuf),
    /// No configured credential: calls carry none unless one is given per
    /// call ([`super::Auth::XAuthToken`], as the OTC client does).
    None,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::BearerFromEnv(v) => write!(f, "BearerFromEnv(${v})"),
            Credential::FromFile(p) => write!(f, "FromFile({})", p.display()),
            Credential::None => f.write_str("None"),
        }
    }
}

impl fmt::Display for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::BearerFromEnv(v) => write!(f, "${v}"),
            Credential::FromFile(p) => write!(f, "{}", p.display()),
            Credential::None => f.write_str("no credential"),
        }
    }
}

/// A credential's value.
pub struct Secret(Zeroizing<String>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl Secret {
    /// Reads the credential (once: the client keeps the result).
    pub fn load(cred: &Credential) -> Result<Secret, ConfigError> {
        match cred {
            Credential::BearerFromEnv(var) => {
                let value = Zeroizing::new(std::env::var(var).unwrap_or_default());
                Secret::check(value, || format!("${var}"))
            }
            Credential::FromFile(path) => {
                let value = read_private_file(path)?;
                Secret::check(value, || path.display().to_string())
            }
            Credential::None => Ok(Secret(Zeroizing::new(String::new()))),
        }
    }

    /// A token a server sent in a response header (OpenStack's
    /// `X-Subject-Token`): printable ASCII, at most [`MAX_TOKEN`] bytes.
    pub(crate) fn from_header(v: &HeaderValue) -> Option<Secret> {
        let b = v.as_bytes();
        if b.is_empty() || b.len() > MAX_TOKEN || !b.iter().all(u8::is_ascii_graphic) {
            return None;
        }
        let s = std::str::from_utf8(b).ok()?;
        Some(Secret(Zeroizing::new(s.to_string())))
    }

    /// The bare value as a header value (`X-Auth-Token`), marked sensitive.
    pub(crate) fn raw_header(&self) -> Option<HeaderValue> {
        if self.0.is_empty() {
            return None;
        }
        let mut v = HeaderValue::from_str(&self.0).ok()?;
        v.set_sensitive(true);
        Some(v)
    }

    fn check(value: Zeroizing<String>, from: impl Fn() -> String) -> Result<Secret, ConfigError> {
        let trimmed = value.trim();
        let why = if trimmed.is_empty() {
            Some("it is unset or empty")
        } else if trimmed.len() > MAX_SECRET {
            Some("it is longer than 4096 bytes")
        } else if !trimmed.bytes().all(|b| b.is_ascii_graphic()) {
            Some("it contains a control character, a space or a non-ASCII character")
        } else {
            None
        };
        if let Some(why) = why {
            return Err(ConfigError::BadCredential {
                from: from(),
                why: why.into(),
            });
        }
        Ok(Secret(Zeroizing::new(trimmed.to_string())))
    }

    /// The value, for redacting it from server messages.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// The `Authorization: Bearer …` value, marked sensitive.
    pub(crate) fn header(&self) -> Option<HeaderValue> {
        if self.0.is_empty() {
            return None;
        }
        let value = Zeroizing::new(format!("Bearer {}", &*self.0));
        let mut v = HeaderValue::from_str(&value).ok()?;
        v.set_sensitive(true);
        Some(v)
    }
}

/// The content of a credential file, refused unless it is a regular file
/// (not a symlink) owned by the current user and readable by nobody else.
/// The checks are made on the opened file, so it cannot be swapped between
/// check and read.
fn read_private_file(path: &Path) -> Result<Zeroizing<String>, ConfigError> {
    let shown = || path.to_path_buf();
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| ConfigError::CredentialFile {
            path: shown(),
            why: if e.raw_os_error() == Some(libc::ELOOP) {
                "it is a symbolic link; name the file itself".into()
            } else {
                format!("cannot open it: {e}")
            },
        })?;
    let meta = file.metadata().map_err(|e| ConfigError::CredentialFile {
        path: shown(),
        why: format!("cannot stat it: {e}"),
    })?;
    if !meta.file_type().is_file() {
        return Err(ConfigError::CredentialFile {
            path: shown(),
            why: "it is not a regular file".into(),
        });
    }
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return Err(ConfigError::CredentialFile {
            path: shown(),
            why: format!(
                "it is owned by uid {}, not by the user harden runs as (uid {me}); fix: chown \
                 {me} {}",
                meta.uid(),
                path.display()
            ),
        });
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o7177 != 0 {
        return Err(ConfigError::CredentialFile {
            path: shown(),
            why: format!(
                "its mode is {mode:04o}: others could read or run it; fix: chmod 600 {}",
                path.display()
            ),
        });
    }
    if meta.len() > MAX_SECRET as u64 + 2 {
        return Err(ConfigError::CredentialFile {
            path: shown(),
            why: format!("it is {} bytes long, more than {MAX_SECRET}", meta.len()),
        });
    }
    let mut bytes = Zeroizing::new(Vec::with_capacity(MAX_SECRET + 3));
    file.take(MAX_SECRET as u64 + 3)
        .read_to_end(&mut bytes)
        .map_err(|e| ConfigError::CredentialFile {
            path: shown(),
            why: format!("cannot read it: {e}"),
        })?;
    match std::str::from_utf8(&bytes) {
        Ok(s) => Ok(Zeroizing::new(s.to_string())),
        Err(_) => Err(ConfigError::BadCredential {
            from: path.display().to_string(),
            why: "it is not UTF-8".into(),
        }),
    }
}
