//! `Listeners`: the listening TCP and UDP sockets of a host, from
//! `ss -Hltnup` (iproute2 6.1 on Debian 12): protocol, address, port and,
//! where ss can see them, the processes holding each socket.

use std::net::IpAddr;

use super::error::accept;
use super::text::check_value;
use super::{CmdOutput, Kind, KindError};

const ID: &str = "kind.listeners";
const CMD: &str = "ss -Hltnup";
const MAX_BYTES: usize = 8 << 20;
const MAX_LINES: usize = 65_536;
const MAX_PROCS: usize = 256;

/// The listening sockets of a host.
#[derive(Clone, Copy, Debug, Default)]
pub struct Listeners;

/// Transport protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    /// TCP (state LISTEN).
    Tcp,
    /// UDP (state UNCONN: bound).
    Udp,
}

/// One listening socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listener {
    /// Protocol.
    pub proto: Proto,
    /// Local address; `None` is ss's `*` (every address of both families).
    /// `0.0.0.0` and `::` are `Some` unspecified addresses.
    pub addr: Option<IpAddr>,
    /// Interface the socket is bound to (`127.0.0.53%lo`).
    pub interface: Option<String>,
    /// Local port.
    pub port: u16,
    /// Processes holding it (empty when ss cannot see them).
    pub processes: Vec<ListenerProcess>,
}

/// A process holding a socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListenerProcess {
    /// Its command name (comm, at most 15 bytes, as ss prints it).
    pub name: String,
    /// Its pid.
    pub pid: u32,
}

impl Kind for Listeners {
    type Value = Vec<Listener>;

    fn id(&self) -> String {
        ID.to_string()
    }

    fn script(&self) -> String {
        CMD.to_string()
    }

    fn parse(&self, out: &CmdOutput<'_>) -> Result<Vec<Listener>, KindError> {
        accept(out, ID, CMD, MAX_BYTES)?;
        let mut all = Vec::new();
        for (i, line) in out.stdout.lines().enumerate() {
            if i >= MAX_LINES {
                return Err(KindError::TooLarge {
                    id: ID.to_string(),
                    command: CMD,
                    what: "lines",
                    limit: MAX_LINES,
                });
            }
            all.push(listener(line).map_err(|e| KindError::Malformed {
                id: ID.to_string(),
                command: CMD,
                detail: format!("{e} (line {})", i + 1),
            })?);
        }
        Ok(all)
    }
}

/// Splits off the first whitespace-separated field.
fn field(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start_matches([' ', '\t']);
    if s.is_empty() {
        return None;
    }
    let end = s.find([' ', '\t']).unwrap_or(s.len());
    Some((&s[..end], &s[end..]))
}

fn listener(line: &str) -> Result<Listener, String> {
    let mut rest = line;
    let mut f = [""; 6];
    for slot in f.iter_mut() {
        let (v, r) = field(rest).ok_or("fewer than 6 columns")?;
        *slot = v;
        rest = r;
    }
    let proto = match (f[0], f[1]) {
        ("tcp", "LISTEN") => Proto::Tcp,
        ("udp", "UNCONN") => Proto::Udp,
        _ => return Err("a socket that is neither tcp LISTEN nor udp UNCONN".into()),
    };
    for q in [f[2], f[3]] {
        q.parse::<u64>()
            .map_err(|_| "a queue size that is not a number")?;
    }
    let (addr, interface, port) = local(f[4])?;
    let rest = rest.trim_matches([' ', '\t']);
    let processes = if rest.is_empty() {
        Vec::new()
    } else {
        users(rest)?
    };
    Ok(Listener {
        proto,
        addr,
        interface,
        port,
        processes,
    })
}

type Local = (Option<IpAddr>, Option<String>, u16);

/// `127.0.0.1:22`, `[::1]:22`, `*:68`, `127.0.0.53%lo:53`, `[fe80::1]%eth0:546`.
fn local(s: &str) -> Result<Local, String> {
    let (host, port) = s.rsplit_once(':').ok_or("a local address without a port")?;
    let port: u16 = port.parse().map_err(|_| "a port that is not 0..65535")?;
    let (host, interface) = match host.split_once('%') {
        Some((h, i)) => {
            check_value("interface", i, 15)?;
            if i.is_empty() || !i.bytes().all(|b| b.is_ascii_graphic()) {
                return Err("a bad interface name".into());
            }
            (h, Some(i.to_string()))
        }
        None => (host, None),
    };
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let addr = if host == "*" {
        None
    } else {
        Some(
            host.parse()
                .map_err(|_| "a local address that is not an IP address")?,
        )
    };
    Ok((addr, interface, port))
}

/// `users:(("sshd",pid=1,fd=3),("sshd",pid=2,fd=3))`. A name may itself
/// hold quotes or parentheses: it ends at the first `",pid=`.
fn users(s: &str) -> Result<Vec<ListenerProcess>, String> {
    let mut s = s
        .strip_prefix("users:(")
        .and_then(|s| s.strip_suffix(')'))
        .ok_or("a process column that is not users:(…)")?;
    let mut procs: Vec<ListenerProcess> = Vec::new();
    let mut entries = 0;
    while !s.is_empty() {
        entries += 1;
        if entries > MAX_PROCS {
            return Err(format!("more than {MAX_PROCS} processes on one socket"));
        }
        let body = s
            .strip_prefix("(\"")
            .ok_or("a process entry not starting with (\"")?;
        let (name, after) = body.split_once("\",pid=").ok_or("a process without pid")?;
        check_value("process name", name, 64)?;
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let pid: u32 = after[..digits]
            .parse()
            .map_err(|_| "a pid that is not a number")?;
        let after = after[digits..]
            .strip_prefix(",fd=")
            .ok_or("a process without fd")?;
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 10 {
            return Err("an fd that is not a number".into());
        }
        let after = after[digits..]
            .strip_prefix(')')
            .ok_or("an unclosed process entry")?;
        s = match after.strip_prefix(',') {
            Some(next) if !next.is_empty() => next,
            Some(_) => return Err("a trailing comma".into()),
            None if after.is_empty() => after,
            None => return Err("junk after a process entry".into()),
        };
        if pid == 0 {
            return Err("pid 0".into());
        }
        let p = ListenerProcess {
            name: name.to_string(),
            pid,
        };
        if !procs.contains(&p) {
            procs.push(p);
        }
    }
    Ok(procs)
}

#[cfg(test)]
#[path = "listeners_tests.rs"]
mod tests;
