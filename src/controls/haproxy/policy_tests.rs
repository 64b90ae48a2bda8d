//! The gatekeeper's cross-host rules on real loaded inventories: every
//! `pol-gk-…` code (and `inv-gk-listen-address`) with a failing and a
//! passing estate, its TOM measure and its location.

use super::super::tests::{errors, estate, line_of, load, WEB};

/// A further host (Telekom, production, tenant t1 unless replaced).
fn host(name: &str, addr: &str, extra: &str) -> String {
    format!("\n[[hosts]]\nname = \"{name}\"\naddress = \"{addr}\"\nprovider = \"telekom\"\nenvironment = \"production\"\ntenant = \"t1\"\nroles = [\"app\"]\n{extra}")
}

/// `text` with `allow` set on app-1.
fn app1_allow(text: &str, allow: &str) -> String {
    text.replacen(
        "roles = [\"app\"]\n",
        &format!("roles = [\"app\"]\nallow = [ {allow} ]\n"),
        1,
    )
}

/// The inventory loads.
fn ok(text: &str) {
    if let Err(e) = load(text) {
        panic!("expected to load, got:\n{e}\n---\n{text}");
    }
}

/// Loading fails with `code`, naming `tom`, at the line holding `at`
/// (searched from the line holding `from`).
fn fails(text: &str, code: &str, tom: &str, from: &str, at: &str) -> String {
    let e = errors(text);
    assert!(e.contains(&format!("error[{code}]")), "{code} missing: {e}");
    if !tom.is_empty() {
        assert!(
            e.contains(&format!("protects: {tom}")),
            "{code}: no {tom} in {e}"
        );
    }
    let start = line_of(text, from);
    let line = text
        .lines()
        .enumerate()
        .skip(start - 1)
        .find(|(_, l)| l.contains(at))
        .map(|(i, _)| i + 1)
        .unwrap_or_else(|| panic!("`{at}` after `{from}` not in {text}"));
    let located = e
        .lines()
        .any(|l| l.contains(&format!("inv.toml:{line}:")) && l.contains(code));
    assert!(located, "{code} not at line {line}: {e}");
    assert!(e.contains("help:"), "{e}");
    e
}

#[test]
fn the_base_estate_is_clean() {
    ok(&estate("", WEB, ""));
}

#[test]
fn only_gatekeepers_and_load_balancers_carry_services() {
    let t = estate("", WEB, "").replace("roles = [\"gatekeeper\"]", "roles = [\"app\"]");
    fails(
        &t,
        "pol-gk-role",
        "TOM-1.2-ports",
        "name = \"gw-1\"",
        "roles = ",
    );
    ok(&estate("", WEB, "").replace("roles = [\"gatekeeper\"]", "roles = [\"loadbalancer\"]"));
}

#[test]
fn a_gatekeeper_holds_no_data() {
    let t = estate("", WEB, "").replace(
        "roles = [\"gatekeeper\"]",
        "roles = [\"gatekeeper\", \"data\"]",
    );
    let e = fails(
        &t,
        "pol-gk-holds-data",
        "TOM-1.2-disk-encryption",
        "name = \"gw-1\"",
        "roles = ",
    );
    assert!(e.contains("`gw-1` has the data role"), "{e}");
    let inv = load(&estate("", WEB, "")).expect("loads");
    let gw = inv.host("gw-1").expect("gw-1");
    assert_eq!(super::holds_data(gw), None);
}

#[test]
fn gatekeepers_and_backends_sit_where_the_estate_says() {
    // A gatekeeper at Telekom.
    let t = estate("", WEB, "").replace("provider = \"hetzner\"", "provider = \"telekom\"");
    fails(
        &t,
        "pol-gk-location",
        "TOM-1.2-disk-encryption",
        "name = \"gw-1\"",
        "provider = ",
    );
    let d = "\n[defaults.gatekeeper]\ngatekeeper_provider = \"telekom\"\n";
    ok(&estate(d, WEB, "").replace("provider = \"hetzner\"", "provider = \"telekom\""));
    // A backend at Hetzner.
    let hz = host("hz-app", "203.0.113.50", "").replace("\"telekom\"", "\"hetzner\"");
    let web = WEB.replace("\"app-1:8443\", \"app-2:8443\"", "\"hz-app:8443\"");
    let t = estate("", &web, &hz);
    let e = fails(
        &t,
        "pol-gk-location",
        "TOM-1.2-disk-encryption",
        "name = \"web\"",
        "backends = ",
    );
    assert!(e.contains("backend `hz-app` is at hetzner"), "{e}");
    ok(&estate(
        "\n[defaults.gatekeeper]\nbackend_provider = \"hetzner\"\n",
        &web,
        &hz,
    ));
}

#[test]
fn a_backend_is_another_host() {
    let web = WEB.replace("app-2:8443", "gw-1:8443");
    fails(
        &estate("", &web, ""),
        "pol-gk-backend-self",
        "TOM-1.2-ports",
        "name = \"web\"",
        "backends = ",
    );
}

#[test]
fn a_forwarded_port_is_open_to_its_gatekeepers_only() {
    let base = estate("", WEB, "");
    for allow in [
        "{ port = 8443 }",
        "{ port = 8443, from = [\"10.0.0.0/8\"] }",
        "{ port = \"8000-9000\", from = [\"gw-1\", \"app-2\"] }",
    ] {
        let t = app1_allow(&base, allow);
        let e = fails(
            &t,
            "pol-gk-backend-exposed",
            "TOM-1.2-ports",
            "name = \"app-1\"",
            "allow = ",
        );
        assert!(e.contains("forwards port 8443"), "{e}");
    }
    // Only the gatekeeper (its every address), another port, or UDP: fine.
    for allow in [
        "{ port = 8443, from = [\"gw-1\"] }",
        "{ port = 8443, from = [\"203.0.113.1\"] }",
        "{ port = 9000, from = [\"10.0.0.0/8\"] }",
        "{ port = 8443, proto = \"udp\", from = [\"10.0.0.0/8\"] }",
    ] {
        ok(&app1_allow(&base, allow));
    }
}

#[test]
fn a_data_host_is_never_behind_a_public_service() {
    let web = WEB.replace("\"app-1:8443\", \"app-2:8443\"", "\"db-1:6432\"");
    fails(
        &estate("", &web, ""),
        "pol-gk-data-public",
        "TOM-1.2-ports",
        "name = \"web\"",
        "backends = ",
    );
    let any = format!("{web}sources = [\"0.0.0.0/0\", \"::/0\"]\n");
    fails(
        &estate("", &any, ""),
        "pol-gk-data-public",
        "TOM-1.2-ports",
        "name = \"web\"",
        "backends = ",
    );
    ok(&estate(
        "",
        &format!("{web}sources = [\"198.51.100.0/24\"]\n"),
        "",
    ));
}

#[test]
fn gatekeeper_and_backend_share_environment_and_tenant() {
    let web = WEB.replace("app-2:8443", "app-x:8443");
    let test = host("app-x", "10.0.1.9", "").replace("\"production\"", "\"test\"");
    let e = fails(
        &estate("", &web, &test),
        "pol-gk-env-mix",
        "TOM-1.4-prod-test",
        "name = \"web\"",
        "backends = ",
    );
    assert!(e.contains("production vs test"), "{e}");
    let other = host("app-x", "10.0.1.9", "").replace("\"t1\"", "\"t2\"");
    let e = fails(
        &estate("", &web, &other),
        "pol-gk-env-mix",
        "TOM-1.4-prod-test",
        "name = \"web\"",
        "backends = ",
    );
    assert!(e.contains("tenant t1 vs t2"), "{e}");
    ok(&estate("", &web, &host("app-x", "10.0.1.9", "")));
}

#[test]
fn a_service_admits_no_client_of_the_other_environment() {
    let test = host("app-x", "10.0.9.9", "").replace("\"production\"", "\"test\"");
    for (sources, says) in [
        ("\"app-x\"", "lets test host `app-x` connect"),
        (
            "\"10.0.9.9\"",
            "lets 10.0.9.9, which holds test host `app-x`, connect",
        ),
        (
            "\"198.51.100.0/24\", \"10.0.0.0/8\"",
            "lets 10.0.0.0/8, which holds test host `app-x`, connect",
        ),
    ] {
        let web = format!("{WEB}sources = [{sources}]\n");
        let e = fails(
            &estate("", &web, &test),
            "pol-gk-prod-test-source",
            "TOM-1.4-prod-test",
            "name = \"web\"",
            "sources = ",
        );
        assert!(e.contains(says), "{e}");
        assert!(e.contains("production gatekeeper `gw-1`"), "{e}");
        assert!(!e.contains("pol-gk-env-mix"), "{e}");
    }
    // The reverse: a test gatekeeper (fronting a test host) admitting a
    // production host.
    let tgw = estate(
        "",
        &format!(
            "{}sources = [\"app-1\"]\n",
            WEB.replace("\"app-1:8443\", \"app-2:8443\"", "\"app-x:8443\"")
        ),
        &test,
    )
    .replace(
        "environment = \"production\"\ntenant = \"t1\"\nroles = [\"gatekeeper\"]",
        "environment = \"test\"\ntenant = \"t1\"\nroles = [\"gatekeeper\"]",
    );
    let e = fails(
        &tgw,
        "pol-gk-prod-test-source",
        "TOM-1.4-prod-test",
        "name = \"web\"",
        "sources = ",
    );
    assert!(
        e.contains("test gatekeeper `gw-1` lets production host `app-1` connect"),
        "{e}"
    );
    // Clients of its own environment, or anyone (judged by the public rules).
    for sources in [
        "\"198.51.100.0/24\", \"app-2\"",
        "\"10.0.1.0/24\"",
        "\"0.0.0.0/0\", \"::/0\"",
    ] {
        ok(&estate("", &format!("{WEB}sources = [{sources}]\n"), &test));
    }
}

#[test]
fn a_service_admits_no_client_of_another_tenant() {
    let other = host("app-y", "10.0.8.8", "").replace("\"t1\"", "\"t2\"");
    let web = format!("{WEB}sources = [\"10.0.8.0/24\"]\n");
    let e = fails(
        &estate("", &web, &other),
        "pol-gk-tenant-source",
        "TOM-1.4-dedicated-servers",
        "name = \"web\"",
        "sources = ",
    );
    assert!(
        e.contains("gatekeeper `gw-1` (tenant t1) lets 10.0.8.0/24, which holds tenant t2 host `app-y`, connect"),
        "{e}"
    );
    let web = format!("{WEB}sources = [\"app-y\"]\n");
    fails(
        &estate("", &web, &other),
        "pol-gk-tenant-source",
        "TOM-1.4-dedicated-servers",
        "name = \"web\"",
        "sources = ",
    );
    // A host without a tenant is no other tenant's.
    ok(&estate("", &web, &other.replace("tenant = \"t2\"\n", "")));
}

#[test]
fn listeners_use_the_hosts_addresses_and_spare_the_management_port() {
    let web = WEB.replace("[443]", "[\"203.0.113.9:443\"]");
    let e = fails(
        &estate("", &web, ""),
        "inv-gk-listen-address",
        "",
        "name = \"web\"",
        "listen = ",
    );
    assert!(e.contains("no address 203.0.113.9"), "{e}");
    ok(&estate(
        "",
        &WEB.replace("[443]", "[\"203.0.113.1:443\", \"[2001:db8::1]:443\"]"),
        "",
    ));
    let web = WEB.replace("[443]", "[22]");
    fails(
        &estate("", &web, ""),
        "pol-gk-mgmt-port",
        "TOM-1.2-mgmt-window",
        "name = \"web\"",
        "listen = ",
    );
    // With the management port moved, 22 is an ordinary port.
    ok(&estate("", &web, "").replace("name = \"gw-1\"\n", "name = \"gw-1\"\nssh_port = 2222\n"));
}

#[test]
fn plaintext_modes_are_policy_errors() {
    for m in ["tcp", "http", "plain"] {
        let web = format!("{WEB}mode = \"{m}\"\n");
        fails(
            &estate("", &web, ""),
            "pol-gk-plaintext",
            "TOM-2.1-transport-encryption",
            "name = \"web\"",
            "mode = ",
        );
    }
    ok(&estate("", &format!("{WEB}mode = \"passthrough\"\n"), ""));
}

#[test]
fn every_gk_code_is_catalogued_with_its_measure() {
    let all = crate::inventory::validate::catalogue(crate::controls::sections::sections());
    for code in [
        "pol-gk-plaintext",
        "pol-gk-role",
        "pol-gk-backend-self",
        "pol-gk-backend-exposed",
        "pol-gk-mgmt-port",
        "pol-gk-data-public",
        "pol-gk-location",
        "pol-gk-holds-data",
        "pol-gk-env-mix",
        "pol-gk-prod-test-source",
        "pol-gk-tenant-source",
        "inv-gk-shared-port",
        "inv-gk-listen-address",
    ] {
        let c = all
            .iter()
            .find(|c| c.code == code)
            .unwrap_or_else(|| panic!("{code}"));
        assert_eq!(c.tom.is_some(), code.starts_with("pol-"), "{code}");
    }
    // TOM coverage counts the section's rules.
    let cov = crate::tom::coverage::coverage();
    let ports = cov
        .iter()
        .find(|(t, _)| t.id == crate::tom::PORTS.id)
        .map(|(_, c)| c.clone());
    assert!(ports.is_some_and(|c| c.contains(&"pol-gk-backend-exposed")));
}
