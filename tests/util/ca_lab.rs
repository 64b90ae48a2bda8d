//! The CA lab set-up shared by the SSH CA tests (`tests/ca/`) and the
//! read-only drift credential tests (`tests/readonly*`): the data host and
//! the app host, people with fresh keys in the inventory, the CA
//! initialised and applied once with full access.

use std::path::PathBuf;

use super::TestLab;

/// One person of the inventory: name, role, public key line, active.
pub type Person<'a> = (&'a str, &'a str, &'a str, bool);

/// The CA inventory: `[ca]`, `people`, then `otc-db-1` and `otc-app-1`,
/// each host ending with the lines `host_extra` (e.g. `ssh_user = "deploy"`).
pub fn ca_inventory(people: &[Person<'_>], host_extra: &str) -> String {
    let mut s = String::from("{defaults}\n[ca]\ndir = \"ca\"\n");
    for (name, role, key, active) in people {
        s.push_str(&format!(
            "\n[[users]]\nname = \"{name}\"\nrole = \"{role}\"\npublic_keys = [\"{key}\"]\nactive = {active}\n"
        ));
    }
    s.push_str(&format!(
        r#"
[[hosts]]
name = "otc-db-1"
address = "10.213.0.11"
provider = "telekom"
environment = "production"
roles = ["data"]
disks = []
{host_extra}
[[hosts]]
name = "otc-app-1"
address = "10.213.0.12"
provider = "telekom"
environment = "production"
roles = ["app"]
{host_extra}"#
    ));
    s
}

/// Brings up both hosts, makes a key pair per `(name, role)` in `people`
/// (all active), runs `prepare` on the fresh lab (accounts a test needs
/// before the first apply), then `ca init` and the first `apply`. Returns
/// the lab and each person's (private key path, public key line).
pub fn ca_lab(
    people: &[(&str, &str)],
    host_extra: &str,
    prepare: impl FnOnce(&TestLab),
) -> (TestLab, Vec<(PathBuf, String)>) {
    let t = TestLab::new(&["otc-db-1", "otc-app-1"], "{defaults}");
    let keys: Vec<(PathBuf, String)> = people.iter().map(|(n, _)| t.keypair(n)).collect();
    let listed: Vec<Person<'_>> = people
        .iter()
        .zip(&keys)
        .map(|((n, r), (_, k))| (*n, *r, k.as_str(), true))
        .collect();
    let inv = t.inventory("inventory.toml", &ca_inventory(&listed, host_extra));
    assert_eq!(inv, t.inv);
    prepare(&t);
    t.harden(&["ca", "init"]).code(0).says("user CA SHA256:");
    t.harden(&["apply", "--yes"])
        .code(0)
        .says("Apply complete: 2 of 2 hosts changed");
    (t, keys)
}
