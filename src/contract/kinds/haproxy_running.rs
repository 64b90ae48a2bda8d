//! Parsers for what a running HAProxy tells its sockets beyond `show
//! info`: `show stat` (CSV, one row per proxy and server) on the stats
//! socket and `show proc` on the master CLI. Both are hostile input:
//! rows, fields and lengths are bounded, control characters refused.

use super::super::text::check_value;

const MAX_ROWS: usize = 4096;
const MAX_COLUMNS: usize = 512;

/// One server row of `show stat`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerStat {
    /// The backend (`pxname`).
    pub proxy: String,
    /// The server (`svname`).
    pub server: String,
    /// `UP`, `DOWN`, `MAINT`, `UP 1/3`, `no check`, …
    pub status: String,
    /// Last check result, e.g. `L6OK`, `L4CON` (may be empty).
    pub check_status: String,
    /// Its description, e.g. `Layer4 connection problem` (may be empty).
    pub check_desc: String,
}

/// `show proc` of the master.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShowProc {
    /// The master's pid.
    pub master_pid: u32,
    /// Reloads since the master started.
    pub reloads: u32,
    /// Failed reloads (`[failed: N]`; 2.6 resets it on a good reload).
    pub failed: Option<u32>,
    /// Current workers (pid, reloads they survived), newest first as
    /// printed; old workers still finishing are not in this list.
    pub workers: Vec<(u32, u32)>,
}

/// Parses `show stat`: server rows only (FRONTEND/BACKEND rows dropped).
pub fn show_stat(text: &str) -> Result<Vec<ServerStat>, String> {
    let mut lines = text.lines();
    let head = lines
        .next()
        .and_then(|l| l.strip_prefix("# "))
        .ok_or("no `# pxname,…` header")?;
    let cols: Vec<&str> = head.split(',').collect();
    if cols.len() > MAX_COLUMNS {
        return Err(format!("more than {MAX_COLUMNS} columns"));
    }
    let at = |name: &str| {
        cols.iter()
            .position(|c| *c == name)
            .ok_or(format!("no {name} column"))
    };
    let (px, sv, st, cs, cd) = (
        at("pxname")?,
        at("svname")?,
        at("status")?,
        at("check_status")?,
        at("check_desc")?,
    );
    let mut out = Vec::new();
    for (i, line) in lines.enumerate() {
        if line.is_empty() {
            continue;
        }
        if i >= MAX_ROWS {
            return Err(format!("more than {MAX_ROWS} rows"));
        }
        let f: Vec<&str> = line.split(',').collect();
        if f.len() < cols.len().saturating_sub(1) {
            return Err(format!(
                "row {} has {} fields, not {}",
                i + 1,
                f.len(),
                cols.len()
            ));
        }
        let get = |j: usize| -> Result<String, String> {
            let v = f.get(j).copied().unwrap_or("");
            check_value("show stat field", v, 256)?;
            Ok(v.to_string())
        };
        let server = get(sv)?;
        if server == "FRONTEND" || server == "BACKEND" {
            continue;
        }
        let proxy = get(px)?;
        if proxy.is_empty() || server.is_empty() {
            return Err(format!("row {} names no proxy or server", i + 1));
        }
        out.push(ServerStat {
            proxy,
            server,
            status: get(st)?,
            check_status: get(cs)?,
            check_desc: get(cd)?,
        });
    }
    Ok(out)
}

fn num(v: &str, what: &str) -> Result<u32, String> {
    v.parse()
        .map_err(|_| format!("a {what} that is not a number"))
}

/// Parses `show proc` (2.6 and 3.0 print the same columns).
pub fn show_proc(text: &str) -> Result<ShowProc, String> {
    let mut master = None;
    let mut workers = Vec::new();
    let mut section = "master";
    for (i, line) in text.lines().enumerate().take(MAX_ROWS) {
        check_value("show proc line", line, 512)?;
        if let Some(h) = line.strip_prefix('#') {
            section = match h.trim() {
                "workers" => "workers",
                s if s.starts_with('<') => "master",
                _ => "other",
            };
            continue;
        }
        let w: Vec<&str> = line.split_whitespace().collect();
        if w.is_empty() {
            continue;
        }
        match (section, w.get(1).copied()) {
            ("master", Some("master")) => {
                let failed = line
                    .split_once("[failed: ")
                    .and_then(|(_, r)| r.split_once(']'))
                    .map(|(n, _)| num(n, "failed count"))
                    .transpose()?;
                master = Some((
                    num(w[0], "master pid")?,
                    num(w.get(2).copied().unwrap_or(""), "reload count")?,
                    failed,
                ));
            }
            ("workers", Some("worker")) => {
                workers.push((
                    num(w[0], "worker pid")?,
                    num(w.get(2).copied().unwrap_or(""), "worker reload count")?,
                ));
            }
            ("master", _) | ("workers", _) => {
                return Err(format!("line {} is not a master or worker row", i + 1))
            }
            _ => {}
        }
    }
    let (master_pid, reloads, failed) = master.ok_or("no master row")?;
    if master_pid == 0 || workers.iter().any(|(p, _)| *p == 0) {
        return Err("a pid of 0".into());
    }
    Ok(ShowProc {
        master_pid,
        reloads,
        failed,
        workers,
    })
}
