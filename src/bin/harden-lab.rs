//! `harden-lab`: brings up lab hosts (network namespaces with real sshd on
//! an overlay of `/`) for the demo, the benchmark and manual exploration,
//! and provides the tiny tools the tests use inside namespaces (a connect
//! probe, a listener, a webhook receiver, a backend TLS server and a TLS
//! client that counts what it saw).
//!
//! Must run as root. It never changes the machine's own namespace: see
//! `harden::lab` for the safety rules.

use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use harden::lab::Lab;

#[path = "harden-lab/demo.rs"]
mod demo;
#[path = "harden-lab/kept.rs"]
mod kept;
#[path = "harden-lab/receive.rs"]
mod receive;
#[path = "harden-lab/tls.rs"]
mod tls;

#[derive(Parser)]
#[command(
    name = "harden-lab",
    about = "Lab hosts for harden: network namespaces with real sshd"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Bring up three hosts, create a CA, run `harden apply --yes`, then
    /// `harden drift`, sign a certificate and log in with it; tear down.
    Demo {
        /// Keep the lab running afterwards (remove it with `harden-lab down ID`).
        #[arg(long)]
        keep: bool,
    },
    /// Bring up N hosts and keep them; prints the lab id, inventory and controller namespace.
    Up {
        /// Number of hosts.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=200))]
        count: u16,
    },
    /// Remove a lab started with `up` or `demo --keep`: exactly the
    /// namespaces and processes it recorded. Refuses any other id.
    Down {
        /// Lab id, in full.
        id: String,
    },
    /// Run a command in a kept lab's controller namespace with the demo's
    /// environment (HARDEN_INVENTORY, the CA passphrase, harden on PATH).
    Exec {
        /// Lab id, in full.
        id: String,
        /// The command and its arguments (after `--`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
        argv: Vec<String>,
    },
    /// A shell in a kept lab's controller namespace, with `exec`'s environment.
    Shell {
        /// Lab id, in full.
        id: String,
    },
    /// Connect to ADDR PORT: exit 0 connected, 1 refused, 2 timed out.
    Connect {
        /// Address.
        addr: String,
        /// Port.
        port: u16,
        /// Give up after this many milliseconds.
        #[arg(long, default_value_t = 1500)]
        timeout_ms: u64,
    },
    /// Accept TCP connections on PORT (IPv4 and IPv6) forever.
    Listen {
        /// Port.
        port: u16,
    },
    /// A webhook receiver: plain HTTP on 127.0.0.1:PORT of the namespace it
    /// runs in; appends each request as one JSON line to OUT.
    Receive {
        /// Port on 127.0.0.1.
        #[arg(long)]
        port: u16,
        /// File the requests are appended to (created once listening).
        #[arg(long)]
        out: PathBuf,
        /// Answer 500 to the first N requests.
        #[arg(long, default_value_t = 0)]
        fail_first: u32,
        /// Exit after this many requests.
        #[arg(long)]
        max_requests: Option<u32>,
    },
    /// A backend's TLS server on PORT: answers every request `200` with
    /// `backend=NAME`, until killed.
    TlsServe {
        /// Port (IPv6 and IPv4).
        #[arg(long)]
        port: u16,
        /// Certificate chain (PEM).
        #[arg(long)]
        cert: PathBuf,
        /// Private key (PEM).
        #[arg(long)]
        key: PathBuf,
        /// The name the body reports.
        #[arg(long)]
        name: String,
        /// An extra response header `Name: value` (repeatable).
        #[arg(long)]
        header: Vec<String>,
        /// Require a PROXY v2 header before TLS; the body names its client.
        #[arg(long)]
        accept_proxy: bool,
    },
    /// Connect COUNT times with TLS to ADDR PORT and print a JSON tally:
    /// successes, failures, which backend answered, which certificate was
    /// shown. Exit 0 when every connection succeeded.
    TlsProbe {
        /// Address.
        addr: String,
        /// Port.
        port: u16,
        /// TLS server name (and Host header).
        #[arg(long)]
        sni: String,
        /// Request path.
        #[arg(long, default_value = "/")]
        path: String,
        /// Connections.
        #[arg(long, default_value_t = 1)]
        count: u32,
        /// Limit of each connect, handshake and read.
        #[arg(long, default_value_t = 3000)]
        timeout_ms: u64,
        /// Stop after this long in any case.
        #[arg(long, default_value_t = 60_000)]
        max_ms: u64,
        /// Stop early once this file exists.
        #[arg(long)]
        stop_file: Option<PathBuf>,
        /// Write `sent ok` here after each connection.
        #[arg(long)]
        progress: Option<PathBuf>,
        /// Hold each connection after the handshake until this file exists.
        #[arg(long)]
        hold_until: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Connect {
            addr,
            port,
            timeout_ms,
        } => {
            let ip = match addr.parse() {
                Ok(ip) => ip,
                Err(_) => return ExitCode::from(3),
            };
            match TcpStream::connect_timeout(
                &SocketAddr::new(ip, port),
                Duration::from_millis(timeout_ms),
            ) {
                Ok(_) => ExitCode::SUCCESS,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => ExitCode::from(1),
                Err(_) => ExitCode::from(2),
            }
        }
        Cmd::Listen { port } => {
            let l =
                TcpListener::bind(("::", port)).or_else(|_| TcpListener::bind(("0.0.0.0", port)));
            let Ok(l) = l else { return ExitCode::from(1) };
            for mut s in l.incoming().flatten() {
                let _ = s.set_read_timeout(Some(Duration::from_millis(100)));
                let _ = s.read(&mut [0u8; 16]);
            }
            ExitCode::SUCCESS
        }
        Cmd::Receive {
            port,
            out,
            fail_first,
            max_requests,
        } => match receive::serve(port, &out, fail_first, max_requests) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("harden-lab receive: {e}");
                ExitCode::from(1)
            }
        },
        Cmd::Down { id } => match harden::lab::sweep_id(&id) {
            Ok(()) => {
                println!("lab {id} removed");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("harden-lab: {e}");
                ExitCode::from(1)
            }
        },
        Cmd::Exec { id, argv } => kept::exec(&id, &argv),
        Cmd::Shell { id } => kept::shell(&id),
        Cmd::Up { count } => {
            let names: Vec<String> = (1..=count).map(|i| format!("host-{i}")).collect();
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            match Lab::up(&refs) {
                Ok(mut lab) => {
                    let mut inv = lab.defaults_toml();
                    for h in &lab.hosts {
                        inv.push_str(&format!(
                            "\n[[hosts]]\nname = \"{}\"\naddress = \"{}\"\nprovider = \"telekom\"\nenvironment = \"production\"\nroles = [\"app\"]\nallow = [ {{ port = 8443, from = [\"10.213.0.0/24\"] }} ]\n",
                            h.name, h.addr
                        ));
                    }
                    let p = lab.write_inventory("inventory.toml", &inv);
                    if let Err(e) = lab.keep_for(Some(&p), &[]) {
                        eprintln!("harden-lab: {e}");
                        return ExitCode::from(1);
                    }
                    println!(
                        "id={}\ninventory={}\ncontroller_ns={}",
                        lab.id,
                        p.display(),
                        lab.controller_ns()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("harden-lab: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Cmd::Demo { keep } => demo::run(keep),
        Cmd::TlsServe {
            port,
            cert,
            key,
            name,
            header,
            accept_proxy,
        } => tls::serve_cmd(port, &cert, &key, &name, &header, accept_proxy),
        Cmd::TlsProbe {
            addr,
            port,
            sni,
            path,
            count,
            timeout_ms,
            max_ms,
            stop_file,
            progress,
            hold_until,
        } => tls::probe_cmd(tls::ProbeArgs {
            addr,
            port,
            sni,
            path,
            count,
            timeout_ms,
            max_ms,
            stop_file,
            progress,
            hold_until,
        }),
    }
}
