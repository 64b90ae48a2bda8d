//! `harden-lab tls-serve` and `harden-lab tls-probe`: the lab's backend TLS
//! server and its outside TLS client (see `harden::lab::tls_server` and
//! `harden::lab::tls_client`), as processes that run in a namespace.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use harden::lab::tls_client::{tally, Plan, Target};
use harden::lab::tls_server::{config, serve, Reply};

/// `tls-serve`: answers on PORT (IPv6 and IPv4) until killed.
pub fn serve_cmd(
    port: u16,
    cert: &Path,
    key: &Path,
    name: &str,
    headers: &[String],
    accept_proxy: bool,
) -> ExitCode {
    let mut hs = Vec::new();
    for h in headers {
        let Some((k, v)) = h.split_once(':') else {
            eprintln!("harden-lab tls-serve: header `{h}` is not `Name: value`");
            return ExitCode::from(2);
        };
        if h.chars().any(char::is_control) || k.trim().is_empty() {
            eprintln!("harden-lab tls-serve: bad header `{h}`");
            return ExitCode::from(2);
        }
        hs.push((k.trim().to_string(), v.trim().to_string()));
    }
    if name.is_empty() || name.chars().any(|c| c.is_control() || c.is_whitespace()) {
        eprintln!("harden-lab tls-serve: bad name");
        return ExitCode::from(2);
    }
    let cfg = match config(cert, key) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("harden-lab tls-serve: {e}");
            return ExitCode::from(1);
        }
    };
    let l = TcpListener::bind(("::", port)).or_else(|_| TcpListener::bind(("0.0.0.0", port)));
    let Ok(l) = l else {
        eprintln!("harden-lab tls-serve: cannot bind port {port}");
        return ExitCode::from(1);
    };
    let reply = Reply {
        name: name.to_string(),
        headers: hs,
        accept_proxy,
    };
    match serve(l, cfg, reply, None) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("harden-lab tls-serve: {e}");
            ExitCode::from(1)
        }
    }
}

/// What `tls-probe` was asked.
pub struct ProbeArgs {
    pub addr: String,
    pub port: u16,
    pub sni: String,
    pub path: String,
    pub count: u32,
    pub timeout_ms: u64,
    pub max_ms: u64,
    pub stop_file: Option<PathBuf>,
    pub progress: Option<PathBuf>,
    pub hold_until: Option<PathBuf>,
}

/// `tls-probe`: prints the tally as JSON; exit 0 when every connection
/// succeeded, 1 otherwise, 3 on bad arguments.
pub fn probe_cmd(a: ProbeArgs) -> ExitCode {
    let Ok(addr) = a.addr.parse() else {
        eprintln!("harden-lab tls-probe: `{}` is not an address", a.addr);
        return ExitCode::from(3);
    };
    if !a.path.starts_with('/') || a.path.chars().any(|c| c.is_control() || c == ' ') {
        eprintln!("harden-lab tls-probe: bad path");
        return ExitCode::from(3);
    }
    if a.sni.chars().any(|c| c.is_control() || c.is_whitespace()) {
        eprintln!("harden-lab tls-probe: bad server name");
        return ExitCode::from(3);
    }
    let t = Target {
        addr,
        port: a.port,
        sni: a.sni,
        path: a.path,
        timeout: Duration::from_millis(a.timeout_ms.clamp(50, 60_000)),
    };
    let plan = Plan {
        count: a.count,
        stop_file: a.stop_file,
        progress: a.progress,
        max: Duration::from_millis(a.max_ms.min(600_000)),
        hold_until: a.hold_until,
    };
    let out = tally(&t, &plan);
    match serde_json::to_string(&out) {
        Ok(s) => println!("{s}"),
        Err(e) => {
            eprintln!("harden-lab tls-probe: {e}");
            return ExitCode::from(1);
        }
    }
    if out.failed == 0 && out.sent > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
