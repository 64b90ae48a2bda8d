//! Gatekeeper lab tests: a Hetzner gatekeeper (real HAProxy, started and
//! reloaded by harden on the signal path: lab hosts have no systemd) in
//! front of two Telekom backends running real TLS servers, and the
//! outside namespace as the internet client. Every firewall rule for the
//! forwarded port is derived: the inventory has no `allow` entry.
//!
//! Shared setup here; one file per property under `tests/gatekeeper/`.

mod drift;
mod failover;
mod leak;
mod limits;
mod passthrough;
mod proxy;
mod reencrypt;
mod refused;
mod reload;

use harden::lab::pki::{Issued, Pki};
use harden::lab::tls::Server;
use harden::lab::tls_client::Tally;

use crate::util::{drifting, TestLab};

/// The gatekeeper's address (third lab host).
pub const GW: &str = "10.213.0.13";
/// The backends' addresses.
pub const B1: &str = "10.213.0.11";
pub const B2: &str = "10.213.0.12";
/// The forwarded port.
pub const PORT: u16 = 8443;
/// The service's public name.
pub const SNI: &str = "portal.example.com";
/// What the two backends' bodies say (not inventory names: the outside
/// checks may look for those in what a client sees).
pub const BLUE: &str = "blue";
pub const GREEN: &str = "green";

/// Two backends and a gatekeeper; `{service}` is more keys of the one
/// service `portal`. `maxconn` is lowered because HAProxy needs about
/// twice as many file descriptors and lab hosts inherit the test's limit
/// (20000 here): the default 20000 makes HAProxy refuse to start.
const ESTATE: &str = r#"{defaults}
[defaults.gatekeeper]
maxconn = 4000

[[hosts]]
name = "otc-app-1"
address = "10.213.0.11"
extra_addresses = ["fd00:213::11"]
provider = "telekom"
environment = "production"
tenant = "clinic-a"
roles = ["app"]

[[hosts]]
name = "otc-app-2"
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
sni = ["portal.example.com"]
backends = ["otc-app-1:8443", "otc-app-2:8443"]
timeouts = { check = "1s" }
{service}"#;

/// The inventory with `service` added to the service table.
pub fn estate(service: &str) -> String {
    ESTATE.replace("{service}", service)
}

/// A gatekeeper lab: the hosts, the private CA, one certificate and one
/// TLS server per backend.
pub struct Gate {
    pub t: TestLab,
    pub pki: Pki,
    /// otc-app-1's and otc-app-2's certificates.
    pub certs: [Issued; 2],
    /// Their servers (blue on otc-app-1, green on otc-app-2).
    pub servers: Vec<Server>,
}

impl Gate {
    /// The lab with backends serving certificates whose only name is the
    /// public one (`sans`: more names on each backend's certificate,
    /// `{host}` replaced by its name), not yet applied.
    pub fn up(service: &str, sans: &[&str], headers: &[&str]) -> Gate {
        Gate::build(service, sans, headers, false)
    }

    /// [`Gate::up`] with backends that require a PROXY v2 header.
    pub fn up_proxy(service: &str) -> Gate {
        Gate::build(service, &[], &[], true)
    }

    fn build(service: &str, sans: &[&str], headers: &[&str], proxy: bool) -> Gate {
        let t = TestLab::new(&["otc-app-1", "otc-app-2", "hz-gw-1"], &estate(service));
        let pki = t.pki();
        let issue = |host: &str| {
            let extra: Vec<String> = sans.iter().map(|s| s.replace("{host}", host)).collect();
            let mut names = vec![SNI];
            names.extend(extra.iter().map(String::as_str));
            pki.issue(host, SNI, &names)
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let certs = [issue("otc-app-1"), issue("otc-app-2")];
        let servers = vec![
            t.tls_serve_with("otc-app-1", PORT, &certs[0], BLUE, headers, proxy),
            t.tls_serve_with("otc-app-2", PORT, &certs[1], GREEN, headers, proxy),
        ];
        Gate {
            t,
            pki,
            certs,
            servers,
        }
    }

    /// [`Gate::up`] with clean certificates, then `harden apply --yes`.
    pub fn applied() -> Gate {
        let g = Gate::up("", &[], &[]);
        g.t.harden(&["apply", "--yes"]).code(0);
        g
    }

    /// `n` connections from outside through the gatekeeper.
    pub fn through(&self, n: u32) -> Tally {
        self.t.tls_probe(&self.t.lab.outside_ns(), GW, 443, SNI, n)
    }

    /// Asserts every one of `n` connections through the gatekeeper got an
    /// answer from a backend, with that backend's own certificate.
    #[track_caller]
    pub fn all_served(&self, n: u32) -> Tally {
        let t = self.through(n);
        assert_eq!((t.sent, t.ok, t.failed), (n, n, 0), "{t:?}");
        let blue = t.backends.get(BLUE).copied().unwrap_or(0);
        let green = t.backends.get(GREEN).copied().unwrap_or(0);
        assert_eq!(
            t.certs.get(&self.certs[0].sha256).copied().unwrap_or(0),
            blue,
            "{t:?}"
        );
        assert_eq!(
            t.certs.get(&self.certs[1].sha256).copied().unwrap_or(0),
            green,
            "{t:?}"
        );
        t
    }

    /// The rendered config's SHA-256 on the gatekeeper.
    pub fn cfg_sha(&self) -> String {
        self.t.sha_of("hz-gw-1", CFG)
    }
}

/// The config harden renders on the gatekeeper.
pub const CFG: &str = "/etc/haproxy/haproxy.cfg";

/// Drifting `(host, check, item)` of a `drift --format json` run, its
/// exit code and the drifting findings as JSON text (one per line).
pub fn drift_json(t: &TestLab) -> (i32, Vec<(String, String, String)>, String) {
    let r = t.harden(&["drift", "--format", "json"]);
    let v = r.json();
    let mut text = String::new();
    for h in v["hosts"].as_array().into_iter().flatten() {
        for f in h["findings"].as_array().into_iter().flatten() {
            if f["status"] == "drift" {
                text.push_str(&format!("{f}\n"));
            }
        }
    }
    (r.code, drifting(&v), text)
}
