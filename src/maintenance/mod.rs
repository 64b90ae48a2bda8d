//! Maintenance windows: the management port opened to management_sources
//! for a limited time, closed by the kernel (TOM-1.2-mgmt-window).
//!
//! An opening is an element of harden's nftables set (`mgmt_v4` or
//! `mgmt_v6` in `table inet harden`, declared by the firewall control)
//! added with `timeout <secs>s`: the kernel removes it on time even if
//! harden, the operator's laptop or the network dies in between. Nothing
//! on the host has to run for the window to close, and nothing harden
//! keeps locally decides whether it is open. The element's `comment`
//! (at most [`window::COMMENT_MAX`] bytes) carries the window id, the
//! local user who opened it and the start of the reason, so `list` reads
//! everything it shows from the host.
//!
//! - [`window`]: the request's checks (reason required and bounded,
//!   duration capped by `[maintenance] max_minutes` — an error, never a
//!   silent clamp —, `--from` inside the host's management_sources, by the
//!   same test drift applies);
//! - [`slots`]: the set elements as read by the firewall control's parser,
//!   and the nft commands;
//! - [`script`]: the remote scripts, all under the host lock that `apply`
//!   takes;
//! - [`remote`]: open, close, read and history over one connection;
//! - [`fleet`]: the same on many hosts in parallel, each bounded in time;
//! - [`sshlog`] and [`history`]: who logged in during which window, read
//!   from the host's sshd log and its audit copy (the kernel's packet log
//!   is not readable per namespace; see [`sshlog`]);
//! - [`render`]: text and JSON for `list`;
//! - [`edge`]: the same window at the host's provider (Hetzner firewall,
//!   OTC security group), which cannot expire a rule: the expiry is in the
//!   rule's description and harden closes overdue ones.
//!
//! `apply` keeps open windows (the rules file declares the sets without
//! flushing them), `drift` lists them as information, and an element
//! without a timeout or outside management_sources is drift that `apply`
//! removes; all three live in the firewall control.
//!
//! Every open and close is an event for [`crate::events`]: audit log,
//! host copies, webhook.

pub mod duration;
pub mod edge;
pub mod fleet;
pub mod history;
pub mod remote;
pub mod render;
pub mod script;
pub mod slots;
pub mod sshlog;
pub mod window;

use std::fmt;

/// Why a window could not be opened, closed or read.
#[derive(Debug)]
pub enum Error {
    /// The request breaks a rule (duration, reason, source).
    Refused(String),
    /// harden's table or its maintenance sets are not on the host.
    NotApplied {
        /// Host name.
        host: String,
    },
    /// Another harden run holds the host lock.
    Locked {
        /// Host name.
        host: String,
    },
    /// nft refused the change, or the kernel does not hold what it should.
    Nft {
        /// Host name.
        host: String,
        /// What nft said or what is wrong.
        message: String,
    },
    /// The host's output could not be read.
    Parse {
        /// Host name.
        host: String,
        /// What is wrong.
        message: String,
    },
    /// SSH failed.
    Transport(crate::transport::Error),
    /// The host's task did not finish (time limit, panic).
    Unfinished {
        /// Host name.
        host: String,
        /// What happened.
        message: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Refused(m) => f.write_str(m),
            Error::NotApplied { host } => write!(
                f,
                "{host}: harden's firewall (table inet harden with its maintenance sets) is not loaded; run harden apply first"
            ),
            Error::Locked { host } => write!(
                f,
                "{host}: another harden run holds the host lock ({}); try again",
                script::LOCK_FILE
            ),
            Error::Nft { host, message } => write!(f, "{host}: nft: {message}"),
            Error::Parse { host, message } => write!(f, "{host}: {message}"),
            Error::Transport(e) => e.fmt(f),
            Error::Unfinished { host, message } => write!(f, "{host}: {message}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<crate::transport::Error> for Error {
    fn from(e: crate::transport::Error) -> Self {
        Error::Transport(e)
    }
}
