//! `HaproxyState`: the installed HAProxy (`haproxy -vv`: version, the OpenSSL
//! it was built with and runs on) and, when a stats socket is given, the
//! running process's `show info`; [`HaproxyState::running`] also asks
//! `show stat` (each server's health) and the master CLI's `show proc`
//! (reloads, failed reloads, workers).
//!
//! Debian 12 has no socat by default and sh cannot open a unix socket, so
//! the socket is spoken to by perl's IO::Socket::UNIX: perl-base is
//! Essential on Debian, hence always there. One path, no socat branch.

use std::collections::BTreeMap;

pub use running::{ServerStat, ShowProc};

#[path = "haproxy_running.rs"]
mod running;

use super::error::accept;
use super::text::{check_path, check_value, sh_quote};
use super::{CmdOutput, Kind, KindError};

const KIND: &str = "kind.haproxy";
const CMD: &str = "haproxy -vv; show info; show stat; show proc";
const MAX_BYTES: usize = 1 << 20;
const MAX_FIELDS: usize = 512;

/// The HAProxy of a host, and optionally its running state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HaproxyState {
    socket: Option<String>,
    master: Option<String>,
}

impl HaproxyState {
    /// Only what `haproxy -vv` says.
    pub fn build_only() -> Self {
        HaproxyState {
            socket: None,
            master: None,
        }
    }

    /// Also `show info` from the stats socket at `socket` (absolute path).
    pub fn with_stats(socket: &str) -> Result<Self, KindError> {
        check_path("stats socket", socket)
            .map_err(|detail| KindError::BadParameter { kind: KIND, detail })?;
        Ok(HaproxyState {
            socket: Some(socket.to_string()),
            master: None,
        })
    }

    /// `show info` and `show stat` from the stats socket, `show proc` from
    /// the master CLI at `master` (both absolute paths).
    pub fn running(socket: &str, master: &str) -> Result<Self, KindError> {
        check_path("master socket", master)
            .map_err(|detail| KindError::BadParameter { kind: KIND, detail })?;
        Ok(HaproxyState {
            master: Some(master.to_string()),
            ..Self::with_stats(socket)?
        })
    }
}

/// What was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HaproxyValue {
    /// The installed binary; `None` when there is no `haproxy` in PATH.
    pub build: Option<HaproxyBuild>,
    /// The running process's state.
    pub stats: Stats,
    /// `show stat` server rows (`None`: not asked, or nothing answered).
    pub servers: Option<Vec<ServerStat>>,
    /// The master CLI's answer.
    pub master: Master,
}

/// The master CLI's `show proc`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Master {
    /// No master socket was given.
    NotAsked,
    /// Nothing answered (exit code of the client, as for [`Stats`]).
    Unreachable(i32),
    /// `show proc`.
    Procs(ShowProc),
}

/// From `haproxy -vv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HaproxyBuild {
    /// e.g. `2.6.12-1+deb12u4`.
    pub version: String,
    /// e.g. `2026/10/17`.
    pub release_date: Option<String>,
    /// The branch's support status line, e.g. `long-term supported branch - …`.
    pub status: Option<String>,
    /// `Built with OpenSSL version`, e.g. `OpenSSL 3.0.22 25 Aug 2026`.
    pub openssl_built: Option<String>,
    /// `Running on OpenSSL version`.
    pub openssl_running: Option<String>,
    /// `OpenSSL library supports`: TLS versions, e.g. `TLSv1.3`.
    pub tls_versions: Vec<String>,
}

/// The stats socket's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stats {
    /// No socket was given.
    NotAsked,
    /// Nothing answered on it (no haproxy running, or no such socket): the
    /// exit code of the client (3: could not connect, 142: timed out).
    Unreachable(i32),
    /// `show info`.
    Info(ShowInfo),
}

/// `show info` of the running process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShowInfo {
    /// Version of the running binary (may differ from the installed one
    /// until a restart).
    pub version: String,
    /// Its pid.
    pub pid: u32,
    /// Seconds since it started.
    pub uptime_sec: u64,
    /// Threads.
    pub nbthread: u32,
    /// Current connections.
    pub curr_conns: u64,
    /// Whether it is stopping.
    pub stopping: bool,
    /// Every `Key: value` line, as printed.
    pub fields: BTreeMap<String, String>,
}

/// The shell words of a one-shot client of an HAProxy unix socket: it
/// takes the socket path and one command as its two arguments, sends the
/// command, and prints the answer; exit 3 when nothing answers, 142 when
/// `alarm_s` seconds pass. perl's IO::Socket::UNIX, because Debian has no
/// socat by default and perl-base is Essential. The activation script
/// uses the same client.
pub fn unix_ask(alarm_s: u32) -> String {
    format!(
        "perl -MIO::Socket::UNIX -e 'alarm {alarm_s}; \
         my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or exit 3; \
         print $s \"$ARGV[1]\\n\"; shutdown($s, 1); print while <$s>;' --"
    )
}

impl Kind for HaproxyState {
    type Value = HaproxyValue;

    fn id(&self) -> String {
        match (&self.socket, &self.master) {
            (Some(s), Some(m)) => format!("{KIND}:{s}:{m}"),
            (Some(s), None) => format!("{KIND}:{s}"),
            _ => KIND.to_string(),
        }
    }

    fn script(&self) -> String {
        let mut s = String::from(
            "command -v haproxy >/dev/null 2>&1 || { echo @@absent; exit 0; }\n\
             echo @@vv; haproxy -vv 2>&1; echo \"@@vv-rc $?\"\n",
        );
        let ask = |tag: &str, sock: &str, cmd: &str| {
            format!(
                "echo @@{tag}\n{} {} {} 2>/dev/null\necho \"@@{tag}-rc $?\"\n",
                unix_ask(5),
                sh_quote(sock),
                sh_quote(cmd)
            )
        };
        if let Some(sock) = &self.socket {
            s.push_str(&ask("info", sock, "show info"));
            if let Some(m) = &self.master {
                s.push_str(&ask("stat", sock, "show stat"));
                s.push_str(&ask("proc", m, "show proc"));
            }
        }
        s
    }

    fn parse(&self, out: &CmdOutput<'_>) -> Result<HaproxyValue, KindError> {
        let id = self.id();
        accept(out, &id, CMD, MAX_BYTES)?;
        let bad = |detail: String| KindError::Malformed {
            id: id.clone(),
            command: CMD,
            detail,
        };
        if out.stdout == "@@absent\n" {
            return Ok(HaproxyValue {
                build: None,
                stats: Stats::NotAsked,
                servers: None,
                master: Master::NotAsked,
            });
        }
        let rest = out
            .stdout
            .strip_prefix("@@vv\n")
            .ok_or_else(|| bad("no @@vv marker".into()))?;
        let (vv, rc, rest) = section(rest, "@@vv-rc ").map_err(&bad)?;
        if rc != 0 {
            return Err(KindError::failed(id.clone(), "haproxy -vv", rc, vv));
        }
        let build = build(vv).map_err(|e| bad(format!("{e} (haproxy -vv)")))?;
        let mut v = HaproxyValue {
            build: Some(build),
            stats: Stats::NotAsked,
            servers: None,
            master: Master::NotAsked,
        };
        let mut rest = rest;
        if self.socket.is_some() {
            let (info, rc, tail) = tagged(rest, "info").map_err(&bad)?;
            rest = tail;
            v.stats = if rc != 0 {
                Stats::Unreachable(rc)
            } else {
                Stats::Info(show_info(info).map_err(|e| bad(format!("{e} (show info)")))?)
            };
        }
        if self.master.is_some() {
            let (stat, rc, tail) = tagged(rest, "stat").map_err(&bad)?;
            if rc == 0 {
                let rows = running::show_stat(stat).map_err(|e| bad(format!("{e} (show stat)")))?;
                v.servers = Some(rows);
            }
            let (proc, rc, tail) = tagged(tail, "proc").map_err(&bad)?;
            rest = tail;
            v.master = if rc != 0 {
                Master::Unreachable(rc)
            } else {
                Master::Procs(
                    running::show_proc(proc).map_err(|e| bad(format!("{e} (show proc)")))?,
                )
            };
        }
        if !rest.is_empty() {
            return Err(bad(
                "a missing, unexpected or unterminated socket section".into()
            ));
        }
        Ok(v)
    }
}

/// The `@@<tag>` section at the start of `s`: its body, rc and the rest.
fn tagged<'a>(s: &'a str, tag: &str) -> Result<(&'a str, i32, &'a str), String> {
    let body = s
        .strip_prefix(&format!("@@{tag}\n"))
        .ok_or(format!("no @@{tag} section"))?;
    section(body, &format!("@@{tag}-rc "))
}

/// The text up to the line `<end><rc>`, that rc, and what follows it.
fn section<'a>(s: &'a str, end: &str) -> Result<(&'a str, i32, &'a str), String> {
    let at = if s.starts_with(end) {
        0
    } else {
        s.find(&format!("\n{end}"))
            .map(|i| i + 1)
            .ok_or(format!("no {end}line (truncated)"))?
    };
    let (body, tail) = s.split_at(at);
    let (line, rest) = tail.split_once('\n').ok_or("an unterminated rc line")?;
    let rc = line[end.len()..]
        .parse()
        .map_err(|_| "an rc that is not a number")?;
    Ok((body, rc, rest))
}

fn build(vv: &str) -> Result<HaproxyBuild, String> {
    let first = vv.lines().next().unwrap_or("");
    let head = first
        .strip_prefix("HAProxy version ")
        .or_else(|| first.strip_prefix("HA-Proxy version "))
        .ok_or("no `HAProxy version` first line")?;
    let mut words = head.split(' ');
    let version = words.next().unwrap_or("").to_string();
    check_value("version", &version, 64)?;
    if !version.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("a version not starting with a digit".into());
    }
    let release_date = words.next().filter(|d| d.len() == 10).map(str::to_string);
    let mut b = HaproxyBuild {
        version,
        release_date,
        status: None,
        openssl_built: None,
        openssl_running: None,
        tls_versions: Vec::new(),
    };
    for line in vv.lines().take(4096) {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let v = v.trim();
        let slot = match k.trim() {
            "Status" => &mut b.status,
            "Built with OpenSSL version" => &mut b.openssl_built,
            "Running on OpenSSL version" => &mut b.openssl_running,
            "OpenSSL library supports" => {
                check_value("TLS version list", v, 256)?;
                b.tls_versions = v.split_whitespace().map(str::to_string).collect();
                continue;
            }
            _ => continue,
        };
        check_value(k.trim(), v, 256)?;
        *slot = Some(v.to_string());
    }
    Ok(b)
}

fn show_info(text: &str) -> Result<ShowInfo, String> {
    let mut fields = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.is_empty() {
            continue; // the answer ends with an empty line
        }
        if fields.len() >= MAX_FIELDS {
            return Err(format!("more than {MAX_FIELDS} fields"));
        }
        let (k, v) = line
            .split_once(": ")
            .or_else(|| line.strip_suffix(':').map(|k| (k, "")))
            .ok_or(format!("line {} is not `Key: value`", i + 1))?;
        check_value("field name", k, 64)?;
        check_value("field value", v, 1024)?;
        if fields.insert(k.to_string(), v.to_string()).is_some() {
            return Err(format!("field {k:?} twice"));
        }
    }
    let get = |k: &str| fields.get(k).ok_or(format!("no {k} field"));
    let num = |k: &str| -> Result<u64, String> {
        get(k)?
            .parse()
            .map_err(|_| format!("a {k} that is not a number"))
    };
    let version = get("Version")?.clone();
    let pid = u32::try_from(num("Pid")?).map_err(|_| "a Pid beyond u32")?;
    let nbthread = u32::try_from(num("Nbthread")?).map_err(|_| "a Nbthread beyond u32")?;
    if pid == 0 || nbthread == 0 {
        return Err("a Pid or Nbthread of 0".into());
    }
    Ok(ShowInfo {
        version,
        pid,
        uptime_sec: num("Uptime_sec")?,
        nbthread,
        curr_conns: num("CurrConns")?,
        stopping: num("Stopping")? != 0,
        fields,
    })
}

#[cfg(test)]
#[path = "haproxy_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "haproxy_running_tests.rs"]
mod running_tests;
