//! A config HAProxy would not run is never activated, and the old one
//! keeps serving: one that fails validation (`haproxy -dW -c` on the
//! gatekeeper: a reencrypt certificate that is not a certificate) and one
//! that validates but that the reload refuses (a port already taken:
//! `-c` exits before binding), which harden must detect and report.

use super::{estate, Gate, CFG};

/// Reencrypt keys pointing at `cert` on the gatekeeper.
fn reencrypt(cert: &str) -> String {
    format!(
        "mode = \"reencrypt\"\ncert = \"{cert}\"\nkey = \"{cert}\"\nbackend_ca = \"/etc/haproxy/backend-ca.pem\"\nbackend_name = \"app.internal\"\n"
    )
}

#[test]
fn an_invalid_rendered_config_is_never_activated_and_the_old_one_keeps_serving() {
    let g = Gate::applied();
    let t = &g.t;
    let good = g.cfg_sha();
    let pids = t.haproxy_pids("hz-gw-1");
    let ca = std::fs::read(g.pki.ca()).unwrap_or_else(|e| panic!("{e}"));
    t.put("hz-gw-1", "/etc/haproxy/backend-ca.pem", &ca, "0644");
    t.put(
        "hz-gw-1",
        "/etc/haproxy/certs/portal.pem",
        b"not a certificate\n",
        "0600",
    );
    let bad = t.inventory(
        "bad.toml",
        &estate(&reencrypt("/etc/haproxy/certs/portal.pem")),
    );

    t.harden_with(&bad, &["apply", "--yes"]).code(1);
    assert_eq!(
        g.cfg_sha(),
        good,
        "the refused config replaced the file on disk"
    );
    assert_eq!(
        t.haproxy_pids("hz-gw-1"),
        pids,
        "haproxy was reloaded with the refused config"
    );
    // Still passthrough: the client sees the backends' own certificates.
    g.all_served(6);
    t.on("hz-gw-1", &format!("grep -q 'mode tcp' {CFG}"));
}

#[test]
fn a_reload_haproxy_refuses_fails_the_apply_and_the_old_config_keeps_serving() {
    let g = Gate::applied();
    let t = &g.t;
    let good = g.cfg_sha();
    // Something else holds port 8404 on the gatekeeper: the config is
    // valid, but the new worker cannot bind it.
    t.listen("hz-gw-1", 8404);
    let taken = t.inventory(
        "taken.toml",
        &estate("").replace("listen = [443]", "listen = [443, 8404]"),
    );
    let r = t.harden_with(&taken, &["apply", "--yes"]);
    r.code(1);
    assert_eq!(
        g.cfg_sha(),
        good,
        "the file of the refused reload stayed on disk"
    );
    g.all_served(6);
}
