//! Test helpers: gatekeeper settings built by hand (the inventory parser
//! is written elsewhere), certificates made with openssl in a temp dir,
//! and the real `haproxy -dW -c` run on a rendered file.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::contract::{Facts, HostCtx};
use crate::inventory::{load_str, Cidr, Inventory};

use super::super::model::*;

/// One service with sensible values; change fields as needed.
pub fn service(name: &str, port: u16, mode: Mode) -> Service {
    Service {
        name: name.into(),
        listen: vec![Listen { addr: None, port }],
        sources: None,
        sources_written: Vec::new(),
        mode,
        sni: vec![format!("{name}.example.com")],
        backends: vec![
            Backend {
                host: "otc-app-1".into(),
                addr: "10.213.0.21".parse().expect("ip"),
                port: 8443,
            },
            Backend {
                host: "otc-app-2".into(),
                addr: "10.213.0.22".parse().expect("ip"),
                port: 8443,
            },
        ],
        health: Health::Tls,
        balance: Balance::RoundRobin,
        timeouts: Timeouts::default(),
        maxconn: DEFAULT_SERVICE_MAXCONN,
        rate_limit: None,
        proxy_protocol: false,
    }
}

/// Reencrypt settings pointing into `dir` (see [`Pki::make`]).
pub fn reencrypt(dir: &Path) -> Mode {
    Mode::Reencrypt(Reencrypt {
        cert: dir.join("gw.pem").display().to_string(),
        key: dir.join("gw.pem.key").display().to_string(),
        backend_ca: dir.join("ca.pem").display().to_string(),
        backend_name: "app.internal".into(),
    })
}

/// Settings holding `services`.
pub fn settings(services: Vec<Service>) -> GatekeeperSettings {
    GatekeeperSettings {
        services,
        hard_stop_after_s: DEFAULT_HARD_STOP_AFTER_S,
        maxconn: DEFAULT_MAXCONN,
        placement: Default::default(),
    }
}

/// The sources `cidrs` as the model holds them.
pub fn sources(cidrs: &[&str]) -> Option<Vec<Cidr>> {
    Some(
        cidrs
            .iter()
            .map(|c| {
                let (a, p) = c.split_once('/').unwrap_or((c, "32"));
                Cidr {
                    addr: a.parse().expect("ip"),
                    prefix: p.parse().expect("prefix"),
                }
            })
            .collect(),
    )
}

/// A one-host inventory whose host carries `g`.
pub fn inventory(g: GatekeeperSettings) -> Inventory {
    let text = "[defaults]\ncontroller_sources = [\"10.213.0.2\"]\nknown_hosts = \"known_hosts\"\n\n[[hosts]]\nname = \"hz-gw-1\"\naddress = \"203.0.113.10\"\nprovider = \"hetzner\"\nenvironment = \"test\"\nroles = [\"app\"]\n";
    let mut inv = load_str(
        Path::new("/x/inv.toml"),
        text.to_string(),
        crate::controls::sections::sections(),
    )
    .expect("inventory loads");
    inv.hosts[0].sections.insert("gatekeeper", Box::new(g));
    inv
}

/// The plan of the inventory's one host for `facts`.
pub fn plan(inv: &Inventory, facts: &Facts) -> crate::contract::Plan {
    use crate::contract::Control;
    let ctx = HostCtx::new(inv, &inv.hosts[0], None);
    super::super::Haproxy.plan(&ctx, facts).expect("plans")
}

/// A private directory holding a CA and a gatekeeper certificate.
pub struct Pki {
    /// The directory.
    pub dir: PathBuf,
}

impl Pki {
    /// Makes `ca.pem` and `gw.pem` + `gw.pem.key` with openssl.
    pub fn make(tag: &str) -> Pki {
        let dir = std::env::temp_dir().join(format!("harden-gk-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        for (key, cert, cn) in [
            ("ca.key", "ca.pem", "test-ca"),
            ("gw.pem.key", "gw.pem", "portal.example.com"),
        ] {
            let ok = Command::new("openssl")
                .args([
                    "req",
                    "-x509",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-nodes",
                    "-days",
                    "2",
                ])
                .arg("-keyout")
                .arg(dir.join(key))
                .arg("-out")
                .arg(dir.join(cert))
                .arg("-subj")
                .arg(format!("/CN={cn}"))
                .output()
                .expect("openssl runs");
            assert!(
                ok.status.success(),
                "openssl: {}",
                String::from_utf8_lossy(&ok.stderr)
            );
        }
        Pki { dir }
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The HAProxy binary the tests check configs with: Debian's, or another
/// build named by `HARDEN_TEST_HAPROXY` (e.g. a 3.0 built from source, to
/// prove the rendered config also passes the next LTS).
pub fn haproxy_bin() -> String {
    std::env::var("HARDEN_TEST_HAPROXY").unwrap_or_else(|_| "/usr/sbin/haproxy".into())
}

/// Runs the real `haproxy -dW -c -f` on `text`: `Ok` or its complaint.
pub fn haproxy_check(dir: &Path, name: &str, text: &str) -> Result<(), String> {
    let f = dir.join(name);
    std::fs::write(&f, text).expect("write cfg");
    let out = Command::new(haproxy_bin())
        .args(["-dW", "-c", "-f"])
        .arg(&f)
        .output()
        .expect("haproxy runs");
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}
