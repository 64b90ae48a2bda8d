//! Opening, closing and reading windows on one host over its connection.
//!
//! Each change reads the sets first, works out the one transaction (the
//! new elements, plus the removal of any element they would overlap: nft
//! refuses overlapping intervals, and a new window on the same sources and
//! port replaces the old one, which the event records), runs it under the
//! host lock and reads back what the kernel holds. If nft refuses the
//! transaction — an element it removes vanished meanwhile (a window
//! expired between the read and the change), or another run added one it
//! now overlaps — it is worked out again from a fresh read, up to three
//! times; nft's own message is reported after the last.

use super::history::{self, Counters, WindowHistory};
use super::script::{self, EXIT_LOCKED, EXIT_NFT, EXIT_NO_TABLE};
use super::slots::{self, Slot};
use super::sshlog::{self, Login};
use super::Error;
use crate::backend::ssh::probe as facts;
use crate::controls::firewall::live;
use crate::inventory::Cidr;
use crate::transport::{Conn, Output};

/// What to open on one host.
#[derive(Debug, Clone)]
pub struct OpenRequest {
    /// Window id.
    pub id: String,
    /// Source prefixes (already checked against management_sources).
    pub sources: Vec<Cidr>,
    /// Port.
    pub port: u16,
    /// Seconds until the kernel removes the elements.
    pub secs: u64,
    /// Element comment ([`super::window::Comment::encode`]).
    pub comment: String,
}

/// The result of opening on one host.
#[derive(Debug, Clone)]
pub struct Opened {
    /// The window's elements as the kernel holds them now.
    pub slots: Vec<Slot>,
    /// Elements removed because the new ones overlap them.
    pub replaced: Vec<Slot>,
}

const ATTEMPTS: usize = 3;

fn slots_from(host: &str, out: Output) -> Result<Vec<Slot>, Error> {
    match out.rc {
        0 => {}
        EXIT_LOCKED => {
            return Err(Error::Locked {
                host: host.to_string(),
            })
        }
        EXIT_NO_TABLE => {
            return Err(Error::NotApplied {
                host: host.to_string(),
            })
        }
        rc => {
            return Err(Error::Nft {
                host: host.to_string(),
                message: format!("exit {rc}: {}", out.stderr.trim()),
            })
        }
    }
    let live = live::parse(&out.stdout).map_err(|message| Error::Parse {
        host: host.to_string(),
        message,
    })?;
    slots::read(&live).ok_or_else(|| Error::NotApplied {
        host: host.to_string(),
    })
}

/// The elements of both maintenance sets.
pub async fn read(conn: &Conn, host: &str) -> Result<Vec<Slot>, Error> {
    slots_from(host, conn.exec(&script::read()).await?)
}

/// Opens the window on this host.
pub async fn open(conn: &Conn, host: &str, req: &OpenRequest) -> Result<Opened, Error> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let now = read(conn, host).await?;
        let replaced: Vec<Slot> = now
            .into_iter()
            .filter(|s| req.sources.iter().any(|src| s.overlaps(src, req.port)))
            .collect();
        let mut cmds: String = replaced.iter().map(slots::delete).collect();
        for src in &req.sources {
            cmds.push_str(&slots::add(src, req.port, req.secs, &req.comment));
        }
        let out = conn.exec(&script::change(&cmds)).await?;
        if out.rc == EXIT_NFT && attempt < ATTEMPTS {
            continue;
        }
        let after = slots_from(host, out)?;
        let mine: Vec<Slot> = after
            .into_iter()
            .filter(|s| s.window_id().as_deref() == Some(req.id.as_str()))
            .collect();
        if mine.len() != req.sources.len() {
            return Err(Error::Nft {
                host: host.to_string(),
                message: format!(
                    "after the change the kernel holds {} of the window's {} elements",
                    mine.len(),
                    req.sources.len()
                ),
            });
        }
        return Ok(Opened {
            slots: mine,
            replaced,
        });
    }
}

/// Closes window `id` (every element in the sets when None); returns the
/// elements removed (empty when there was nothing to close).
pub async fn close(conn: &Conn, host: &str, id: Option<&str>) -> Result<Vec<Slot>, Error> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let target: Vec<Slot> = read(conn, host)
            .await?
            .into_iter()
            .filter(|s| id.is_none() || s.window_id().as_deref() == id)
            .collect();
        if target.is_empty() {
            return Ok(target);
        }
        let cmds: String = target.iter().map(slots::delete).collect();
        let out = conn.exec(&script::change(&cmds)).await?;
        if out.rc == EXIT_NFT && attempt < ATTEMPTS {
            continue;
        }
        let after = slots_from(host, out)?;
        let left = target
            .iter()
            .filter(|t| after.iter().any(|a| a.set == t.set && a.key() == t.key()))
            .count();
        if left > 0 {
            return Err(Error::Nft {
                host: host.to_string(),
                message: format!("{left} element(s) still in the set after the close"),
            });
        }
        return Ok(target);
    }
}

/// A host's window history.
#[derive(Debug, Clone)]
pub struct HostHistory {
    /// Windows since the cut-off, oldest first, with their logins.
    pub windows: Vec<WindowHistory>,
    /// Logins from non-controller addresses that fit no window.
    pub outside: Vec<Login>,
    /// The window rules' counters.
    pub counters: Counters,
    /// Where the logins were read (`journal`, `/var/log/auth.log`, …).
    pub log_sources: Vec<String>,
    /// The host's clock, epoch seconds.
    pub now: u64,
}

/// Reads windows since `since` (epoch seconds) and the logins during them.
pub async fn history(
    conn: &Conn,
    host: &str,
    since: u64,
    controller: &[Cidr],
    host_log: &str,
) -> Result<HostHistory, Error> {
    let nonce = format!("{:016x}", crate::random::u64());
    let out = conn.exec(&script::history(since, host_log, &nonce)).await?;
    if out.rc == EXIT_LOCKED {
        return Err(Error::Locked {
            host: host.to_string(),
        });
    }
    let parse_err = |message: String| Error::Parse {
        host: host.to_string(),
        message,
    };
    let f = facts::parse(&out.stdout, &nonce).map_err(|e| parse_err(e.to_string()))?;
    let clock = f
        .cmd(script::probe::CLOCK)
        .and_then(|c| sshlog::parse_clock(&c.stdout))
        .ok_or_else(|| parse_err("cannot read the host's clock".into()))?;
    let slots = f
        .cmd(script::probe::TABLE)
        .filter(|c| c.ok())
        .and_then(|c| live::parse(&c.stdout).ok())
        .and_then(|l| slots::read(&l))
        .unwrap_or_default();
    let mut windows = history::from_audit(host, &f.file(host_log).text());
    history::merge_live(&mut windows, &slots, clock.now);
    windows.retain(|w| w.open_now || w.end() + history::SLACK >= since);
    let (log_sources, logins) = f
        .cmd(script::probe::SSHD)
        .map(|c| sshlog::parse(&c.stdout, &clock))
        .unwrap_or_default();
    let logins: Vec<Login> = logins.into_iter().filter(|l| l.ts >= since).collect();
    let outside = history::attribute(&mut windows, logins, controller);
    let counters = f
        .cmd(script::probe::CHAIN)
        .map(|c| history::counters(&c.stdout))
        .unwrap_or_default();
    Ok(HostHistory {
        windows,
        outside,
        counters,
        log_sources,
        now: clock.now,
    })
}
