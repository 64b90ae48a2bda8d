//! Host-side drift of the running HAProxy: installed, running, running
//! *this* config (the fingerprint in `show info`), no refused reload
//! (`show proc`), each backend's health as HAProxy sees it (`show stat`)
//! the runtime sockets (root-only) and the reencrypt certificate and key
//! files (key root-only).
//!
//! Check codes: `haproxy-installed`, `haproxy-running`,
//! `haproxy-config-running`, `haproxy-reload`, `haproxy-backend`,
//! `haproxy-socket`, `haproxy-tls-file`.

use crate::contract::kinds::haproxy::Master;
use crate::contract::kinds::{FileInfo, FileStat, HaproxyState, HaproxyValue, KindError, Stats};
use crate::contract::{Facts, Probe, RenderError};
use crate::report::model::{Finding, Fix};

use super::model::{GatekeeperSettings, Mode};
use super::render::{backend_name, MASTER_SOCKET, STATS_SOCKET};
use super::ID;

const TOM: &str = crate::tom::TRANSPORT_ENCRYPTION.id;

/// The runtime sockets that must stay root-only.
const SOCKETS: [&str; 2] = [STATS_SOCKET, MASTER_SOCKET];

fn kind() -> Result<HaproxyState, RenderError> {
    HaproxyState::running(STATS_SOCKET, MASTER_SOCKET).map_err(|e| RenderError(e.to_string()))
}

/// Every certificate and key file the reencrypt services name, once each.
pub fn tls_files(g: &GatekeeperSettings) -> Vec<(String, bool)> {
    let mut v: Vec<(String, bool)> = Vec::new();
    for s in &g.services {
        if let Mode::Reencrypt(r) = &s.mode {
            for (path, key) in [(&r.cert, r.key == r.cert), (&r.key, true)] {
                match v.iter_mut().find(|(p, _)| p == path) {
                    Some(e) => e.1 |= key,
                    None => v.push((path.clone(), key)),
                }
            }
        }
    }
    v
}

/// The probes drift needs (stat only for key files: never their content).
pub fn probes(g: &GatekeeperSettings) -> Result<Vec<Probe>, RenderError> {
    let mut p = vec![Probe::kind(&kind()?)];
    for path in SOCKETS
        .iter()
        .map(|s| s.to_string())
        .chain(tls_files(g).into_iter().map(|(p, _)| p))
    {
        p.push(Probe::kind(
            &FileStat::new(&path).map_err(|e| RenderError(e.to_string()))?,
        ));
    }
    Ok(p)
}

/// The state as probed, `Err` with a failed finding when unreadable.
pub fn state(facts: &Facts) -> Result<HaproxyValue, Box<Finding>> {
    let k = kind()
        .map_err(|e| Box::new(Finding::new(ID, "haproxy-running", "haproxy", TOM).failed(e.0)))?;
    facts.kind(&k).map_err(|e: KindError| {
        Box::new(
            Finding::new(ID, "haproxy-running", "haproxy", TOM).failed(format!(
                "{} ({})",
                e,
                e.code()
            )),
        )
    })
}

/// Findings about the running process for the config whose fingerprint
/// is `fingerprint`.
pub fn findings(g: &GatekeeperSettings, v: &HaproxyValue, fingerprint: &str) -> Vec<Finding> {
    let f = |check: &'static str, item: &str| Finding::new(ID, check, item, TOM);
    let mut out = Vec::new();
    let Some(build) = &v.build else {
        out.push(
            f("haproxy-installed", "haproxy")
                .drift("installed", "absent", Fix::None)
                .with_message("no haproxy binary in PATH: install the haproxy package"),
        );
        return out;
    };
    out.push(f("haproxy-installed", "haproxy").ok(build.version.clone()));
    let info = match &v.stats {
        Stats::Info(i) => i,
        Stats::Unreachable(rc) => {
            out.push(
                f("haproxy-running", "haproxy")
                    .drift(
                        "running",
                        format!("not running (nothing answers on {STATS_SOCKET}, exit {rc})"),
                        Fix::Activate,
                    )
                    .with_message("apply starts it (or reloads it onto the rendered config)"),
            );
            return out;
        }
        Stats::NotAsked => return out,
    };
    out.push(f("haproxy-running", "haproxy").ok(format!("running (pid {})", info.pid)));
    let want = format!("harden:{fingerprint}");
    let have = info
        .fields
        .get("description")
        .cloned()
        .unwrap_or_else(|| "no harden fingerprint".into());
    let runs_this = have == want;
    out.push(
        f("haproxy-config-running", "haproxy")
            .compare(want, have, Fix::Activate)
            .with_message("the fingerprint HAProxy reports (global description) must be the rendered file's: otherwise it runs another config than harden's"),
    );
    match &v.master {
        Master::Procs(p) => {
            let failed = p.failed.unwrap_or(0);
            let item = format!("master {}", p.master_pid);
            out.push(if failed == 0 {
                f("haproxy-reload", &item).ok("no failed reload")
            } else {
                f("haproxy-reload", &item)
                    .drift("no failed reload", format!("{failed} failed reload(s)"), Fix::Activate)
                    .with_message("HAProxy refused a reload and the old worker keeps serving the previous config")
            });
        }
        Master::Unreachable(rc) => out.push(
            f("haproxy-reload", "master")
                .drift("master CLI answering", format!("nothing answers on {MASTER_SOCKET} (exit {rc})"), Fix::None)
                .with_message("HAProxy does not run in master-worker mode with harden's master CLI: reloads cannot be proven; restart it (systemctl restart haproxy, or stop it and let apply start it)"),
        ),
        Master::NotAsked => {}
    }
    let servers = v.servers.as_deref().unwrap_or(&[]);
    for s in &g.services {
        let px = backend_name(s);
        for b in &s.backends {
            let item = format!("{}/{} ({}:{})", s.name, b.host, b.addr, b.port);
            match servers.iter().find(|r| r.proxy == px && r.server == b.host) {
                Some(r) if r.status.starts_with("UP") => {
                    out.push(f("haproxy-backend", &item).ok("UP"))
                }
                Some(r) => out.push(
                    f("haproxy-backend", &item)
                        .drift(
                            "UP",
                            format!("{} ({} {})", r.status, r.check_status, r.check_desc).trim_end().to_string(),
                            Fix::None,
                        )
                        .with_message(format!("HAProxy's health check of backend {} fails: it gets no traffic; repair the backend (apply cannot)", b.host)),
                ),
                None if runs_this && v.servers.is_some() => out.push(
                    f("haproxy-backend", &item)
                        .drift("UP", "absent from the running HAProxy", Fix::Activate),
                ),
                None => {}
            }
        }
    }
    out
}

/// Findings about the runtime sockets: where one exists, only root may
/// connect (connecting to a unix socket needs write permission on it).
pub fn socket_findings(facts: &Facts) -> Vec<Finding> {
    let mut out = Vec::new();
    for path in SOCKETS {
        let f = Finding::new(ID, "haproxy-socket", path, TOM);
        let Ok(k) = FileStat::new(path) else { continue };
        match facts.kind(&k) {
            Err(e) => out.push(f.failed(format!("{e} ({})", e.code()))),
            Ok(None) => {} // not running: haproxy-running says so
            Ok(Some(i)) if i.uid == 0 && i.mode & 0o022 == 0 => {
                out.push(f.ok("root-only"))
            }
            Ok(Some(i)) => out.push(
                f.drift(
                    "root-only (owner root, no group/other write)",
                    format!("owner {}, mode {:o}", i.owner, i.mode),
                    Fix::None,
                )
                .with_message("anyone who can write the socket can drive HAProxy: restart HAProxy so it recreates the socket as rendered (mode 600)"),
            ),
        }
    }
    out
}

/// Findings about the reencrypt certificate and key files.
pub fn tls_file_findings(g: &GatekeeperSettings, facts: &Facts) -> Vec<Finding> {
    let mut out = Vec::new();
    for (path, key) in tls_files(g) {
        let f = Finding::new(ID, "haproxy-tls-file", path.clone(), TOM);
        let k = match FileStat::new(&path) {
            Ok(k) => k,
            Err(e) => {
                out.push(f.failed(e.to_string()));
                continue;
            }
        };
        let what = if key { "key" } else { "certificate" };
        out.push(match facts.kind(&k) {
            Err(e) => f.failed(format!("{e} ({})", e.code())),
            Ok(None) => f
                .drift(format!("{what} present"), "absent", Fix::None)
                .with_message(format!("the reencrypt {what} is missing: HAProxy cannot start or reload with this config; put it in place (harden does not handle private keys)")),
            Ok(Some(i)) => tls_file(f, what, key, &i),
        });
    }
    out
}

fn tls_file(f: Finding, what: &str, key: bool, i: &FileInfo) -> Finding {
    use crate::contract::kinds::FileType;
    let root_only = i.uid == 0 && i.mode & 0o077 == 0;
    if i.kind != FileType::Regular {
        f.drift(
            format!("{what}: a regular file"),
            format!("{:?}", i.kind),
            Fix::None,
        )
    } else if key && !root_only {
        f.drift(
            "key root-only (owner root, no group/other access)",
            format!("owner {}, mode {:o}", i.owner, i.mode),
            Fix::None,
        )
        .with_message("chown root:root and chmod 600 the private key")
    } else {
        f.ok(if key { "present, root-only" } else { "present" })
    }
}

#[cfg(test)]
#[path = "running_tests.rs"]
mod tests;
