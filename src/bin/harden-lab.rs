//! `harden-lab`: brings up lab hosts (network namespaces with real sshd on
//! an overlay of `/`) for the demo, the benchmark and manual exploration,
//! and provides the tiny TCP tools the tests use inside namespaces (a
//! connect probe, a listener and a webhook receiver).
//!
//! Must run as root. It never changes the machine's own namespace: see
//! `harden::lab` for the safety rules.

use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::Duration;

use clap::{Parser, Subcommand};
use harden::lab::Lab;

#[path = "harden-lab/receive.rs"]
mod receive;

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
    /// Remove a lab started with `up` or `demo --keep`.
    Down {
        /// Lab id.
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
}

fn demo_inventory(lab: &Lab, alice_pub: &str) -> String {
    format!(
        "# Demo estate: a Telekom data host, a Telekom app host, a Hetzner gatekeeper,\n# harden's SSH CA and one person from management.\n{}\n[ca]\ndir = \"ca\"\n\n[[users]]\nname = \"alice\"\nrole = \"management\"\npublic_keys = [\"{alice_pub}\"]\n",
        harden::lab::ESTATE.replace("{defaults}", &lab.defaults_toml())
    )
}

/// The demo's CA passphrase (a lab secret, shown on purpose).
const DEMO_PASSPHRASE: &str = "demo passphrase: lab only";

fn harden_bin() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("harden")))
        .unwrap_or_else(|| PathBuf::from("harden"))
}

fn run_harden(lab: &Lab, inv: &std::path::Path, args: &[&str]) -> Option<i32> {
    println!("\n$ harden -i {} {}", inv.display(), args.join(" "));
    Command::new("ip")
        .args(["netns", "exec", &lab.controller_ns()])
        .arg(harden_bin())
        .arg("-i")
        .arg(inv)
        .args(args)
        .env("HARDEN_CA_PASSPHRASE", DEMO_PASSPHRASE)
        .status()
        .ok()
        .and_then(|s| s.code())
}

/// alice logs into the data host with her fresh certificate.
fn demo_login(lab: &Lab, key: &std::path::Path) -> Option<i32> {
    println!(
        "\n$ ssh -i {} alice@10.213.0.11 id   # from the controller network",
        key.display()
    );
    Command::new("ip")
        .args([
            "netns",
            "exec",
            &lab.controller_ns(),
            "ssh",
            "-F",
            "/dev/null",
            "-o",
            "BatchMode=yes",
        ])
        .arg(format!(
            "-oUserKnownHostsFile={}",
            lab.known_hosts().display()
        ))
        .arg("-i")
        .arg(key)
        .args(["alice@10.213.0.11", "id"])
        .status()
        .ok()
        .and_then(|s| s.code())
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
        Cmd::Up { count } => {
            let names: Vec<String> = (1..=count).map(|i| format!("host-{i}")).collect();
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            match Lab::up(&refs) {
                Ok(mut lab) => {
                    lab.keep();
                    let mut inv = lab.defaults_toml();
                    for h in &lab.hosts {
                        inv.push_str(&format!(
                            "\n[[hosts]]\nname = \"{}\"\naddress = \"{}\"\nprovider = \"telekom\"\nenvironment = \"production\"\nroles = [\"app\"]\nallow = [ {{ port = 8443, from = [\"10.213.0.0/24\"] }} ]\n",
                            h.name, h.addr
                        ));
                    }
                    let p = lab.write_inventory("inventory.toml", &inv);
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
        Cmd::Demo { keep } => {
            let mut lab = match Lab::up(&["otc-db-1", "otc-app-1", "hz-gw-1"]) {
                Ok(l) => l,
                Err(e) => {
                    eprintln!("harden-lab: {e}");
                    return ExitCode::from(1);
                }
            };
            println!(
                "lab {} up: 3 hosts (network namespaces with their own sshd and nftables)",
                lab.id
            );
            let key = lab.dir.join("alice_ed25519");
            let made = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", "alice@laptop", "-f"])
                .arg(&key)
                .status()
                .is_ok_and(|s| s.success());
            let alice_pub = std::fs::read_to_string(key.with_extension("pub")).unwrap_or_default();
            if !made || alice_pub.is_empty() {
                eprintln!("harden-lab: cannot create a key for the demo user (ssh-keygen)");
                return ExitCode::from(1);
            }
            let inv =
                lab.write_inventory("inventory.toml", &demo_inventory(&lab, alice_pub.trim()));
            let init = run_harden(&lab, &inv, &["ca", "init"]);
            let apply = run_harden(&lab, &inv, &["apply", "--yes"]);
            let drift = run_harden(&lab, &inv, &["drift"]);
            let sign = run_harden(
                &lab,
                &inv,
                &[
                    "ca",
                    "sign-user",
                    "alice",
                    "--key",
                    &key.with_extension("pub").display().to_string(),
                ],
            );
            let login = demo_login(&lab, &key);
            println!("\nca init exited {init:?}, sign-user {sign:?}, alice's login {login:?}");
            println!("\napply exited {apply:?}, drift exited {drift:?}");
            if keep {
                lab.keep();
                println!(
                    "lab kept: harden-lab down {}  (inventory {})",
                    lab.id,
                    inv.display()
                );
            }
            if [init, apply, drift, sign, login]
                .iter()
                .all(|c| *c == Some(0))
            {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
    }
}
