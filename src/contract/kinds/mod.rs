//! Typed fact kinds: one probe command each, and the parser that turns what
//! it printed into a typed value.
//!
//! A [`Kind`] names a probe (its [`Kind::id`]), the POSIX `sh` the host runs
//! for it ([`Kind::script`]) and the parser for what came back
//! ([`Kind::parse`]). Parsers treat host output as hostile: sizes and counts
//! are bounded, control characters in values are refused, and every failure
//! is a [`KindError`], never a panic. Parameterised kinds (a device, a path,
//! a socket) validate their parameter when built and shell-quote it.
//!
//! Every parser is tested against output captured on a Debian 12 machine,
//! kept in `tests/fixtures/facts/debian12/`.

mod error;
mod text;

pub mod block;
pub mod filestat;
pub mod haproxy;
pub mod listeners;
pub mod luks;
mod luks_text;
pub mod shadow;

#[cfg(test)]
mod live;
#[cfg(test)]
mod robust_tests;

pub use block::{BlockDevice, BlockDevices, DevType};
pub use error::KindError;
pub use filestat::{FileInfo, FileStat, FileType};
pub use haproxy::{HaproxyBuild, HaproxyState, HaproxyValue, ShowInfo, Stats};
pub use listeners::{Listener, ListenerProcess, Listeners, Proto};
pub use luks::{Kdf, LuksDump, LuksHeader, LuksKeyslot, LuksSegment, LuksToken};
pub use shadow::{PasswordState, Shadow, ShadowEntry};

/// What one probe command returned (the engine fills this from the host).
#[derive(Clone, Copy, Debug)]
pub struct CmdOutput<'a> {
    /// Exit code of the script.
    pub rc: i32,
    /// What it printed on stdout.
    pub stdout: &'a str,
    /// What it printed on stderr.
    pub stderr: &'a str,
}

/// One typed fact a control can ask a host for.
pub trait Kind {
    /// The typed fact.
    type Value;
    /// Unique probe id, e.g. "kind.lsblk" or "kind.luks-dump:/dev/disk/by-id/x"
    /// (parameterised kinds include their parameter).
    fn id(&self) -> String;
    /// POSIX sh the host runs (LC_ALL=C, stdin closed, `$T` a private
    /// scratch dir). Any parameter is shell-quoted.
    fn script(&self) -> String;
    /// Parses what the script printed.
    fn parse(&self, out: &CmdOutput<'_>) -> Result<Self::Value, KindError>;
}

/// A fixture captured on Debian 12 (`tests/fixtures/facts/debian12/<path>`).
#[cfg(test)]
macro_rules! fixture {
    ($path:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/facts/debian12/",
            $path
        ))
    };
}
#[cfg(test)]
use fixture;
