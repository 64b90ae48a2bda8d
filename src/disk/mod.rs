//! `harden disk encrypt`: the one-time set-up of a new LUKS2 data volume
//! on a device that harden has first proven empty (TOM-1.2-disk-encryption).
//!
//! `cryptsetup luksFormat` does not ask when stdin is not a terminal, as
//! over SSH, so it formats a disk that holds data without a word. harden
//! therefore proves the device empty itself, over the same connection and
//! host lock as every other command, and refuses anything it finds:
//!
//! - [`device`]: the declared disk and the LUKS parameters, checked again
//!   here (nothing unvalidated reaches a shell line);
//! - [`inspect`]: one probe round trip (resolve the device, `/sys`, `blkid
//!   -p`, `wipefs -n`, mountinfo, swaps, fstab, crypttab) and the pure,
//!   bounded parsers ([`parse`]) that turn it into a list of
//!   [`inspect::Occupant`]s;
//! - [`tabs`]: the crypttab and fstab lines, edited line by line (other
//!   lines stay byte for byte);
//! - [`script`]: the steps shown without `--yes` and the one script that
//!   carries them out, re-checking emptiness immediately before
//!   `luksFormat`;
//! - [`remote`]: inspect, carry out and verify the header over a [`Conn`];
//! - [`session`]: the whole command with its audit events.
//!
//! The key file is generated on the host from `/dev/urandom` under umask
//! 077; its bytes never leave the host, are never printed and never reach
//! the audit log. A header backup is kept under [`HEADER_DIR`] (0700,
//! files 0600).
//!
//! [`Conn`]: crate::transport::Conn

pub mod device;
pub mod inspect;
pub mod parse;
pub mod remote;
pub mod script;
pub mod session;
pub mod tabs;

#[cfg(test)]
mod inspect_tests;
#[cfg(test)]
mod script_tests;
#[cfg(test)]
mod tabs_tests;

use std::fmt;

/// Where header backups are kept on the host (root only, 0700).
pub const HEADER_DIR: &str = "/var/lib/harden/luks-headers";

/// Why `disk encrypt` did not (fully) happen. Each variant's code is a
/// stable diagnostic id (`disk-…`) shown to the user.
#[derive(Debug)]
pub enum Error {
    /// The request itself is unusable (key source, device form, floor).
    Request(String),
    /// The device is not provably empty: what was found, by which command.
    NotEmpty {
        /// Host name.
        host: String,
        /// The device as declared.
        device: String,
        /// Every finding.
        found: Vec<inspect::Occupant>,
    },
    /// The host's answer could not be read (nothing was written).
    Probe {
        /// Host name.
        host: String,
        /// What is wrong.
        message: String,
    },
    /// Another harden run holds the host lock (nothing was written).
    Locked {
        /// Host name.
        host: String,
    },
    /// A step failed after others were carried out.
    Step {
        /// Host name.
        host: String,
        /// What failed and what it said.
        message: String,
        /// What was already done (the LUKS header exists, its backup …).
        done: script::Progress,
        /// True when the kernel has no device-mapper (open is impossible).
        no_dm: bool,
    },
    /// SSH failed.
    Transport(crate::transport::Error),
}

impl Error {
    /// The stable diagnostic code.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Request(_) => "disk-request",
            Error::NotEmpty { .. } => "disk-not-empty",
            Error::Probe { .. } => "disk-probe",
            Error::Locked { .. } => "disk-locked",
            Error::Step { no_dm: true, .. } => "disk-no-device-mapper",
            Error::Step { .. } => "disk-step-failed",
            Error::Transport(_) => "disk-transport",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] ", self.code())?;
        match self {
            Error::Request(m) => f.write_str(m),
            Error::NotEmpty {
                host,
                device,
                found,
            } => {
                write!(
                    f,
                    "{host}: refusing to encrypt {device}: it is not provably empty; nothing was written:"
                )?;
                for o in found {
                    write!(f, "\n  - {o}")?;
                }
                Ok(())
            }
            Error::Probe { host, message } => {
                write!(f, "{host}: {message}; nothing was written")
            }
            Error::Locked { host } => write!(
                f,
                "{host}: another harden run holds the host lock; nothing was written, try again"
            ),
            Error::Step {
                host,
                message,
                done,
                no_dm,
            } => {
                write!(f, "{host}: {message}")?;
                if *no_dm {
                    f.write_str(
                        "\n  the kernel has no device-mapper (dm_mod / dm_crypt not loaded or not built): the mapping cannot be opened, so no filesystem was created, crypttab/fstab were not changed and nothing was mounted",
                    )?;
                }
                write!(f, "\n  already done: {}", done.describe())
            }
            Error::Transport(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {}

impl From<crate::transport::Error> for Error {
    fn from(e: crate::transport::Error) -> Self {
        Error::Transport(e)
    }
}
