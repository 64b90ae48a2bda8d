//! `harden-lab demo`: three lab hosts (a Telekom data host, a Telekom app
//! host, a Hetzner gatekeeper in front of the app), harden's SSH CA, one
//! person; then `ca init`, `apply --yes`, `drift`, a certificate and a real
//! login, and the gatekeeper seen from outside: a client reaches the app
//! only through the gatekeeper and sees the app's certificate, issued by
//! the lab's private CA; a direct connection to the app is dropped by the
//! app's derived firewall. The providers' APIs are local fakes
//! (`harden::lab::fake_cloud`): `plan` shows both layers, `apply` creates
//! the Hetzner firewall and the OTC security groups beside the host
//! firewalls, and `drift` checks both, plus the data host's EVS volumes.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

use harden::lab::fake_cloud::estate::FakeClouds;
use harden::lab::pki::Pki;
use harden::lab::tls::{Dest, Serve};
use harden::lab::{Lab, Reach};

/// The demo estate: like `harden::lab::ESTATE`, but the gatekeeper forwards
/// TLS to the app host, and neither host has a hand-written `allow` for it:
/// both firewalls are derived from the gatekeeper service.
const DEMO_ESTATE: &str = r#"{defaults}
[defaults.gatekeeper]
maxconn = 4000   # HAProxy needs ~2 descriptors per connection; lab hosts inherit a low limit

[[hosts]]
name = "otc-db-1"
address = "10.213.0.11"
extra_addresses = ["fd00:213::11"]
provider = "telekom"
environment = "production"
tenant = "clinic-a"
roles = ["data"]
disks = []   # no LUKS volume in the lab: the EVS check at the provider is the evidence
allow = [ { port = 5432, from = ["otc-app-1"], comment = "postgres from the app" } ]

[[hosts]]
name = "otc-app-1"
address = "10.213.0.12"
extra_addresses = ["fd00:213::12"]
provider = "telekom"
environment = "production"
tenant = "clinic-a"
roles = ["app"]

[[hosts]]
name = "hz-gw-1"
address = "10.213.0.13"
extra_addresses = ["fd00:213::13"]
provider = "hetzner"
environment = "production"
tenant = "clinic-a"
roles = ["gatekeeper"]

[[hosts.gatekeeper.services]]
name = "portal"
listen = [443]
mode = "passthrough"
sni = ["portal.example.com"]
backends = ["otc-app-1:8443"]
"#;

/// The public name of the demo service.
pub const SNI: &str = "portal.example.com";

fn inventory(lab: &Lab, alice_pub: &str, clouds: Option<&FakeClouds>) -> String {
    let mut defaults = lab.defaults_toml();
    if let Some(c) = clouds {
        defaults.push_str("\n# The providers' APIs: local fakes in the controller's namespace.\n");
        defaults.push_str(&c.toml());
    }
    format!(
        "# Demo estate: a Telekom data host, a Telekom app host, a Hetzner gatekeeper\n# in front of the app, harden's SSH CA and one person from management.\n{}\n[ca]\ndir = \"ca\"\n\n[[users]]\nname = \"alice\"\nrole = \"management\"\npublic_keys = [\"{alice_pub}\"]\n",
        DEMO_ESTATE.replace("{defaults}", &defaults)
    )
}

/// The demo's CA passphrase (a lab secret, shown on purpose).
const DEMO_PASSPHRASE: &str = "demo passphrase: lab only";

fn sibling(name: &str) -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join(name)))
        .unwrap_or_else(|| PathBuf::from(name))
}

fn run_harden(lab: &Lab, inv: &Path, args: &[&str]) -> Option<i32> {
    println!("\n$ harden -i {} {}", inv.display(), args.join(" "));
    Command::new("ip")
        .args(["netns", "exec", &lab.controller_ns()])
        .arg(sibling("harden"))
        .arg("-i")
        .arg(inv)
        .args(args)
        .env("HARDEN_CA_PASSPHRASE", DEMO_PASSPHRASE)
        .status()
        .ok()
        .and_then(|s| s.code())
}

/// alice logs into the data host with her fresh certificate.
fn login(lab: &Lab, key: &Path) -> Option<i32> {
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
        ])
        .args(["-o", "BatchMode=yes"])
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

/// The app's TLS server, with a certificate from the lab's private CA that
/// carries only the public name.
fn start_app(lab: &Lab) -> Result<Pki, String> {
    let pki = Pki::create(&lab.dir.join("pki")).map_err(|e| e.to_string())?;
    let cert = pki
        .issue("otc-app-1", SNI, &[SNI])
        .map_err(|e| e.to_string())?;
    let serve = Serve {
        host: "otc-app-1",
        port: 8443,
        cert: &cert.cert,
        key: &cert.key,
        name: "otc-app-1",
        headers: &[],
        accept_proxy: false,
    };
    lab.tls_server(&sibling("harden-lab"), &serve)
        .map_err(|e| e.to_string())?;
    Ok(pki)
}

/// The gatekeeper from outside: true when 5 of 5 connections through it
/// reached the app with the app's certificate and a direct connection to
/// the app was dropped.
fn outside(lab: &Lab, pki: &Pki) -> bool {
    println!("\n$ harden-lab tls-probe 10.213.0.13 443 --sni {SNI} --count 5   # from outside");
    let tool = sibling("harden-lab");
    let app_cert = pki.dir.join("otc-app-1.pem");
    let to = Dest {
        addr: "10.213.0.13",
        port: 443,
        sni: SNI,
    };
    let want = harden::lab::pki::fingerprint(&app_cert).unwrap_or_default();
    let t = match lab.tls_probe(&tool, &lab.outside_ns(), &to, 5, &[]) {
        Ok(t) => t,
        Err(e) => {
            println!("{e}");
            return false;
        }
    };
    println!(
        "{} sent, {} answered {:?}, certificates {:?}{}",
        t.sent,
        t.ok,
        t.backends,
        t.certs.keys().collect::<Vec<_>>(),
        if t.certs.keys().all(|c| *c == want) {
            " (otc-app-1's own, issued by the lab's private CA)"
        } else {
            ""
        }
    );
    println!("\n$ harden-lab connect 10.213.0.12 8443   # from outside, straight to the app");
    let direct = lab.tcp_probe(
        &tool,
        &lab.outside_ns(),
        "10.213.0.12",
        8443,
        Duration::from_millis(1200),
    );
    println!("{direct:?}");
    t.ok == 5
        && t.backends.get("otc-app-1") == Some(&5)
        && t.certs.get(&want) == Some(&5)
        && direct == Reach::Dropped
}

/// Runs the demo.
pub fn run(keep: bool) -> ExitCode {
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
    let pki = match start_app(&lab) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("harden-lab: the app's TLS server: {e}");
            return ExitCode::from(1);
        }
    };
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
    // The providers' APIs (Hetzner Cloud, Open Telekom Cloud): local fakes
    // served in the controller's namespace, credentials in a private
    // directory outside the inventory's.
    let secrets = match tempfile::Builder::new()
        .prefix("harden-lab-cloud")
        .tempdir()
    {
        Ok(d) => d,
        Err(e) => {
            eprintln!("harden-lab: a directory for the providers' credentials: {e}");
            return ExitCode::from(1);
        }
    };
    let clouds = match FakeClouds::start(&lab.controller_ns(), &secrets.path().join("c")) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("harden-lab: the provider fakes: {e}");
            return ExitCode::from(1);
        }
    };
    println!(
        "provider fakes up: Hetzner Cloud at {}, Open Telekom Cloud at {}",
        clouds.hcloud_url, clouds.otc_url
    );
    let inv = lab.write_inventory(
        "inventory.toml",
        &inventory(&lab, alice_pub.trim(), Some(&clouds)),
    );
    let init = run_harden(&lab, &inv, &["ca", "init"]);
    // Both layers in one plan: the hosts' files and the providers' rules.
    let _ = run_harden(&lab, &inv, &["plan"]);
    let apply = run_harden(&lab, &inv, &["apply", "--yes"]);
    let drift = run_harden(&lab, &inv, &["drift"]);
    let pubkey = key.with_extension("pub").display().to_string();
    let sign = run_harden(&lab, &inv, &["ca", "sign-user", "alice", "--key", &pubkey]);
    let login = login(&lab, &key);
    let gk = outside(&lab, &pki);
    println!("\nca init exited {init:?}, sign-user {sign:?}, alice's login {login:?}");
    println!("apply exited {apply:?}, drift exited {drift:?}");
    println!(
        "gatekeeper: {}",
        if gk {
            "the app answered only through it"
        } else {
            "FAILED"
        }
    );
    drop(clouds);
    let mut kept_ok = true;
    if keep {
        // The provider fakes stop with the demo: the kept lab's inventory
        // has no provider accounts, so `harden-lab exec` needs no fakes.
        let kept = lab.write_inventory("inventory.toml", &inventory(&lab, alice_pub.trim(), None));
        match lab.keep_for(Some(&kept), &[("HARDEN_CA_PASSPHRASE", DEMO_PASSPHRASE)]) {
            Ok(()) => println!("\n{}", crate::kept::next_steps(&lab.id)),
            Err(e) => {
                eprintln!("harden-lab: keeping the lab: {e}");
                kept_ok = false;
            }
        }
    }
    if gk
        && kept_ok
        && [init, apply, drift, sign, login]
            .iter()
            .all(|c| *c == Some(0))
    {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
