//! The rule matrix's cases (see `validate_rules_tests.rs`): one per
//! `pol-…` code, each an edit of [`BASE`], a clean estate. `fail` is BASE
//! broken in one place, `pass` the minimal fix (usually BASE itself), `at`
//! a text on the line the diagnostic must point at.

/// A clean estate: a data host, an app host and a host of another tenant
/// at Telekom, a test app host, and a gatekeeper at Hetzner in front of
/// the app host (last, so the gatekeeper tables belong to it).
/// `#EXTRA#` marks where a case inserts hosts.
pub(super) const BASE: &str = r#"[defaults]
controller_sources = ["10.213.0.2"]
management_sources = ["198.51.100.0/28"]
known_hosts = "known_hosts"

[defaults.passwords]
max_days = 90

[[hosts]]
name = "db"
address = "10.0.1.3"
provider = "telekom"
environment = "production"
tenant = "t1"
roles = ["data"]
disks = [ { device = "/dev/disk/by-id/virtio-data1", name = "data", mount = "/srv/data", fs = "ext4", key = "prompt" } ]
allow = [ { port = 5432, from = ["app"] } ]

[[hosts]]
name = "app"
address = "10.0.1.1"
provider = "telekom"
environment = "production"
tenant = "t1"
roles = ["app"]

[[hosts]]
name = "bapp"
address = "10.0.3.1"
provider = "telekom"
environment = "production"
tenant = "t2"
roles = ["app"]

[[hosts]]
name = "tapp"
address = "10.0.2.1"
provider = "telekom"
environment = "test"
tenant = "t1"
roles = ["app"]
allow = [ { port = 8443, from = ["198.51.100.0/28"] } ]
#EXTRA#
[[hosts]]
name = "gw"
address = "203.0.113.1"
provider = "hetzner"
environment = "production"
tenant = "t1"
roles = ["gatekeeper"]

[[hosts.gatekeeper.services]]
name = "web"
listen = [443]
backends = ["app:8443"]
"#;

/// One row of the matrix.
#[derive(Debug, Clone)]
pub(super) struct Case {
    /// The code the failing inventory produces, and nothing else.
    pub code: &'static str,
    /// The failing inventory.
    pub fail: String,
    /// The minimal fix.
    pub pass: String,
    /// Text on the line the diagnostic points at.
    pub at: &'static str,
}

/// BASE with `from` replaced by `to` (which must occur exactly once).
fn edit(from: &str, to: &str) -> String {
    edit_of(BASE, from, to)
}

fn edit_of(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "`{from}` not once in BASE");
    text.replacen(from, to, 1)
}

/// BASE with `text` appended at its end (a table after the gatekeeper's).
fn append(text: &str) -> String {
    format!("{BASE}{text}")
}

/// A case whose fix is BASE itself.
fn broken(code: &'static str, from: &str, to: &str, at: &'static str) -> Case {
    Case {
        code,
        fail: edit(from, to),
        pass: BASE.to_string(),
        at,
    }
}

const OTC: &str = "\n[defaults.cloud.otc]\nregion = \"eu-de\"\ndomain = \"OTC-EU-DE-00000000001000012345\"\nproject = \"eu-de_prod\"\nuser = \"harden\"\npassword_env = \"OTC_PASSWORD\"\n";
const MON: &str = "\n[[hosts]]\nname = \"mon\"\naddress = \"10.0.9.1\"\nprovider = \"telekom\"\nenvironment = \"production\"\nroles = [\"app\"]\n";

/// Every case; `the_matrix…` checks there is one per `pol-` code.
pub(super) fn cases() -> Vec<Case> {
    let tapp_from = "allow = [ { port = 8443, from = [\"198.51.100.0/28\"] } ]";
    let db_from = "allow = [ { port = 5432, from = [\"app\"] } ]";
    let gw_roles = "roles = [\"gatekeeper\"]";
    let backends = "backends = [\"app:8443\"]";
    let mut v = vec![
        // ---- the management port (TOM-1.2-mgmt-window)
        broken("pol-no-controller", "controller_sources = [\"10.213.0.2\"]\n", "controller_sources = []\n", "controller_sources"),
        broken("pol-mgmt-open-to-all", "management_sources = [\"198.51.100.0/28\"]", "management_sources = [\"0.0.0.0/0\"]", "management_sources"),
        Case {
            code: "pol-mgmt-people-permanent",
            fail: edit("controller_sources = [\"10.213.0.2\"]", "controller_sources = [\"198.51.100.0/24\"]"),
            // A single controller address inside the office network is one machine.
            pass: edit("controller_sources = [\"10.213.0.2\"]", "controller_sources = [\"198.51.100.2\"]"),
            at: "controller_sources",
        },
        broken("pol-mgmt-port-in-allow", db_from, "allow = [ { port = 22, from = [\"app\"] } ]", "port = 22"),
        broken("pol-gk-mgmt-port", "listen = [443]", "listen = [443, 22]", "listen = [443, 22]"),
        // ---- ports (TOM-1.2-ports)
        broken("pol-data-host-public", db_from, "allow = [ { port = 5432 } ]", "port = 5432"),
        broken("pol-any-source", tapp_from, "allow = [ { port = 8443 } ]", "port = 8443"),
        broken("pol-gk-role", gw_roles, "roles = [ \"app\" ]", "roles = [ \"app\" ]"),
        broken("pol-gk-backend-self", backends, "backends = [\"app:8443\", \"gw:8443\"]", "backends ="),
        broken("pol-gk-backend-exposed", "roles = [\"app\"]\n\n[[hosts]]\nname = \"bapp\"", "roles = [\"app\"]\nallow = [ { port = 8443, from = [\"198.51.100.0/28\"] } ]\n\n[[hosts]]\nname = \"bapp\"", "port = 8443, from = [\"198.51.100.0/28\"]"),
        broken("pol-gk-data-public", backends, "backends = [\"db:6000\"]", "backends ="),
        // ---- data hosts: location, disks, logins (TOM-1.2-disk-encryption, TOM-1.3-data-hosts-management-only)
        broken("pol-data-host-location", "address = \"10.0.1.3\"\nprovider = \"telekom\"", "address = \"10.0.1.3\"\nprovider = \"hetzner\"", "provider = \"hetzner\""),
        broken("pol-data-disks-undeclared", "disks = [ { device", "#disks = [ { device", "roles = [\"data\"]"),
        broken("pol-data-disks-none", "disks = [ { device = \"/dev/disk/by-id/virtio-data1\", name = \"data\", mount = \"/srv/data\", fs = \"ext4\", key = \"prompt\" } ]", "disks = []", "disks = []"),
        Case { code: "pol-disk-floor", fail: append("\n[defaults.disks]\nkey_bits = 256\n"), pass: append("\n[defaults.disks]\nkey_bits = 512\n"), at: "key_bits" },
        Case {
            code: "pol-data-host-non-management",
            fail: append("\n[access]\noperator = [\"app\", \"data\"]\n"),
            pass: append("\n[access]\noperator = [\"app\"]\n"),
            at: "operator",
        },
        // ---- gatekeepers (TOM-2.1-transport-encryption, TOM-1.2-disk-encryption)
        broken("pol-gk-plaintext", backends, "backends = [\"app:8443\"]\nmode = \"tcp\"", "mode = \"tcp\""),
        broken("pol-plaintext-port", tapp_from, "allow = [ { port = 80, from = [\"198.51.100.0/28\"] } ]", "port = 80"),
        broken("pol-gk-location", "address = \"203.0.113.1\"\nprovider = \"hetzner\"", "address = \"203.0.113.1\"\nprovider = \"telekom\" # gw", "# gw"),
        broken("pol-gk-holds-data", gw_roles, "roles = [\"gatekeeper\"]\ndisks = [ { device = \"/dev/disk/by-id/virtio-x\", name = \"x\", mount = \"/srv/x\", fs = \"ext4\", key = \"prompt\" } ]", "roles = [\"gatekeeper\"]"),
        // ---- separation (TOM-1.4-prod-test, TOM-1.4-dedicated-servers)
        broken("pol-prod-test-mix", tapp_from, "allow = [ { port = 8443, from = [\"app\"] } ]", "port = 8443, from = [\"app\"]"),
        broken("pol-prod-test-source", tapp_from, "allow = [ { port = 8443, from = [\"10.0.1.0/24\"] } ]", "10.0.1.0/24"),
        broken("pol-gk-prod-test-source", backends, "backends = [\"app:8443\"]\nsources = [\"198.51.100.0/28\", \"10.0.2.0/24\"]", "10.0.2.0/24"),
        broken("pol-gk-tenant-source", backends, "backends = [\"app:8443\"]\nsources = [\"bapp\"]", "sources = [\"bapp\"]"),
        broken("pol-gk-env-mix", "address = \"203.0.113.1\"\nprovider = \"hetzner\"\nenvironment = \"production\"", "address = \"203.0.113.1\"\nprovider = \"hetzner\"\nenvironment = \"test\"", "backends ="),
        Case {
            code: "pol-prod-test-project",
            fail: edit("\n[[hosts]]\nname = \"db\"", &format!("{OTC}\n[[hosts]]\nname = \"db\"")),
            pass: edit_of(
                &edit("\n[[hosts]]\nname = \"db\"", &format!("{OTC}\n[[hosts]]\nname = \"db\"")),
                tapp_from,
                &format!("{tapp_from}\ncloud = {{ otc = {{ project = \"eu-de_test\" }} }}"),
            ),
            at: "environment = \"test\"",
        },
        broken("pol-tenant-mix", db_from, "allow = [ { port = 5432, from = [\"app\", \"bapp\"] } ]", "\"bapp\"] } ]"),
        broken("pol-tenant-source", db_from, "allow = [ { port = 5432, from = [\"app\", \"10.0.3.0/24\"] } ]", "10.0.3.0/24"),
        Case {
            code: "pol-tenant-shared-host",
            fail: edit("#EXTRA#", &format!("{MON}allow = [ {{ port = 9100, from = [\"app\", \"bapp\"] }} ]\n")),
            pass: edit("#EXTRA#", &format!("{MON}allow = [ {{ port = 9100, from = [\"app\"] }} ]\n")),
            at: "name = \"mon\"",
        },
    ];
    // ---- passwords (TOM-1.3-password-rotation, TOM-1.3-password-length)
    v.push(broken(
        "pol-pass-undeclared",
        "[defaults.passwords]\nmax_days = 90\n",
        "",
        "[defaults]",
    ));
    for (code, bad, good) in [
        ("pol-pass-max-days", "max_days = 120", "max_days = 60"),
        ("pol-pass-min-days", "min_days = 0", "min_days = 2"),
        ("pol-pass-warn-age", "warn_age = 3", "warn_age = 14"),
        ("pol-pass-length", "min_length = 8", "min_length = 16"),
    ] {
        v.push(Case {
            code,
            fail: edit("max_days = 90", bad),
            pass: edit("max_days = 90", good),
            at: bad,
        });
    }
    v
}
