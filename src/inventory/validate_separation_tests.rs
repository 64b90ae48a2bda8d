//! The separation rules' edges: what a prefix, a gatekeeper backend and a
//! shared token count as (the matrix has one failing case of each code).

use super::super::rules_cases::BASE;
use crate::controls::sections::sections;
use crate::inventory::{load_str, LoadError};
use std::path::Path;

/// The codes `text` produces, errors and warnings.
fn codes(text: &str) -> Vec<&'static str> {
    match load_str(Path::new("/x/inv.toml"), text.to_string(), sections()) {
        Ok(inv) => inv.warnings.iter().map(|d| d.code).collect(),
        Err(LoadError::Invalid(d)) => d.kept().iter().map(|d| d.code).collect(),
        Err(e) => panic!("{e}"),
    }
}

fn tapp_from(from: &str) -> String {
    BASE.replace(
        "allow = [ { port = 8443, from = [\"198.51.100.0/28\"] } ]",
        &format!("allow = [ {{ port = 8443, from = [{from}] }} ]"),
    )
}

#[test]
fn a_prefix_counts_every_address_of_the_other_side_but_not_the_host_itself() {
    // The test host's own address, and a prefix of no host: fine.
    assert!(codes(&tapp_from("\"10.0.2.1\", \"10.9.0.0/16\"")).is_empty());
    // One production address, an IPv4 host route: refused.
    assert_eq!(codes(&tapp_from("\"10.0.1.1\"")), ["pol-prod-test-source"]);
    // Anyone is the public-port rules' business, not this one's.
    assert_eq!(codes(&tapp_from("\"0.0.0.0/0\"")), ["pol-any-source"]);
    // An extra address counts like the main one.
    let v6 = tapp_from("\"fd00::/64\"").replace(
        "address = \"10.0.1.1\"",
        "address = \"10.0.1.1\"\nextra_addresses = [\"fd00::1\"]",
    );
    assert_eq!(codes(&v6), ["pol-prod-test-source"]);
}

#[test]
fn a_tenantless_gatekeeper_fronting_two_tenants_is_a_shared_host() {
    let gw_tenantless = BASE.replace(
        "address = \"203.0.113.1\"\nprovider = \"hetzner\"\nenvironment = \"production\"\ntenant = \"t1\"",
        "address = \"203.0.113.1\"\nprovider = \"hetzner\"\nenvironment = \"production\"",
    );
    assert!(
        codes(&gw_tenantless).is_empty(),
        "one tenant behind it is fine"
    );
    let two = gw_tenantless.replace(
        "backends = [\"app:8443\"]",
        "backends = [\"app:8443\", \"bapp:8443\"]",
    );
    assert_eq!(codes(&two), ["pol-tenant-shared-host"]);
}

#[test]
fn one_hetzner_token_for_production_and_test_is_one_project() {
    let hz = |test_token: &str| {
        let t = BASE.replace(
            "[[hosts]]\nname = \"db\"",
            "[defaults.cloud.hetzner]\ntoken_env = \"HCLOUD_TOKEN\"\n\n[[hosts]]\nname = \"db\"",
        );
        t.replace(
            "#EXTRA#",
            &format!("\n[[hosts]]\nname = \"tgw\"\naddress = \"203.0.113.9\"\nprovider = \"hetzner\"\nenvironment = \"test\"\nroles = [\"loadbalancer\"]\n{test_token}"),
        )
    };
    assert_eq!(codes(&hz("")), ["pol-prod-test-project"]);
    assert!(codes(&hz(
        "cloud = { hetzner = { token_env = \"HCLOUD_TOKEN_TEST\" } }\n"
    ))
    .is_empty());
}
