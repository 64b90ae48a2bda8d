//! Drift findings of the running HAProxy and the control's plan, from
//! facts captured on a real HAProxy 2.6 (tests/fixtures/facts/debian12).

use std::path::Path;

use super::super::render::testkit::*;
use super::*;
use crate::contract::{Change, CmdFact, Plan};
use crate::controls::haproxy::model::*;
use crate::controls::haproxy::render::{fingerprint_of, CONFIG};
use crate::report::model::Status;

const RUNNING: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/facts/debian12/haproxy/running.out"
));
const FAILED: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/facts/debian12/haproxy/running-reload-failed.out"
));
const STOPPED: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/facts/debian12/haproxy/running-stopped.out"
));
const FIXTURE_FP: &str = "3f1c0d6a8e2b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d";

/// The services the fixture's HAProxy ran: `portal` (2 backends, the
/// second DOWN) and `shop` (reencrypt, 1 backend), certs under `dir`.
fn gk(dir: &Path) -> GatekeeperSettings {
    let mut shop = service("shop", 9443, reencrypt(dir));
    shop.backends.truncate(1);
    settings(vec![service("portal", 443, Mode::Passthrough), shop])
}

fn stat(mode_hex: &str, uid: u32) -> CmdFact {
    CmdFact {
        rc: 0,
        stdout: format!(
            "{mode_hex} {uid} 0 300 {} root\n",
            if uid == 0 { "root" } else { "haproxy" }
        ),
        stderr: String::new(),
    }
}

/// Facts of a host whose file is `cfg` (None: absent), whose HAProxy
/// printed `out` with its fingerprint replaced by `fp`, with good TLS files.
fn facts(g: &GatekeeperSettings, cfg: Option<&str>, out: &str, fp: &str) -> Facts {
    let mut f = Facts::default();
    if let Some(c) = cfg {
        f.set_file(CONFIG, c, 0o600);
    }
    let k = HaproxyState::running(STATS_SOCKET, MASTER_SOCKET).expect("paths");
    use crate::contract::kinds::Kind;
    f.set_cmd(
        &k.id(),
        CmdFact {
            rc: 0,
            stdout: out.replace(FIXTURE_FP, fp),
            stderr: String::new(),
        },
    );
    for (path, key) in tls_files(g) {
        let k = FileStat::new(&path).expect("path");
        f.set_cmd(&k.id(), stat(if key { "8180" } else { "81a4" }, 0));
    }
    for sock in [STATS_SOCKET, MASTER_SOCKET] {
        f.set_cmd(&FileStat::new(sock).expect("p").id(), stat("c180", 0));
    }
    f
}

/// The config the plan renders for `g` (and its fingerprint).
fn rendered(g: &GatekeeperSettings) -> (String, String) {
    let inv = inventory(g.clone());
    let p = plan(&inv, &facts(g, None, RUNNING, FIXTURE_FP));
    let text = p
        .files()
        .find(|f| f.path == CONFIG)
        .expect("config written")
        .text();
    let fp = fingerprint_of(&text);
    (text, fp)
}

fn find<'a>(p: &'a Plan, check: &str, item: &str) -> &'a Finding {
    p.findings
        .iter()
        .find(|f| f.check == check && f.item.contains(item))
        .unwrap_or_else(|| panic!("no {check} {item}: {:#?}", p.findings))
}

fn activation_only(p: &Plan) -> bool {
    let sel = p.selected_changes();
    sel.len() == 1 && matches!(sel[0], Change::Activate)
}

#[test]
fn a_host_in_sync_selects_nothing_so_a_second_apply_reloads_nothing() {
    let pki = Pki::make("run-sync");
    let g = gk(&pki.dir);
    let (text, fp) = rendered(&g);
    let inv = inventory(g.clone());
    let p = plan(&inv, &facts(&g, Some(&text), RUNNING, &fp));
    assert!(!p.needs_apply(), "{:#?}", p.selected_changes());
    assert_eq!(
        find(&p, "haproxy-config-running", "haproxy").status,
        Status::InSync
    );
    assert_eq!(
        find(&p, "haproxy-running", "haproxy").status,
        Status::InSync
    );
    assert_eq!(
        find(&p, "haproxy-reload", "master 25664").status,
        Status::InSync
    );
    assert_eq!(
        find(&p, "haproxy-backend", "portal/otc-app-1").status,
        Status::InSync
    );
    assert_eq!(find(&p, "file", CONFIG).status, Status::InSync);
    assert_eq!(p.activate.len(), 1);
    assert!(p.activate[0].contains("show proc"));
}

#[test]
fn another_running_config_is_drift_fixed_by_activation() {
    let pki = Pki::make("run-other");
    let g = gk(&pki.dir);
    let (text, _) = rendered(&g);
    let inv = inventory(g.clone());
    // The file on disk is harden's, the process runs something else
    // (edited, reloaded, file put back): only a reload repairs it.
    let p = plan(&inv, &facts(&g, Some(&text), RUNNING, FIXTURE_FP));
    let f = find(&p, "haproxy-config-running", "haproxy");
    assert_eq!(f.status, Status::Drift);
    assert_eq!(f.actual, format!("harden:{FIXTURE_FP}"));
    assert!(activation_only(&p), "{:#?}", p.selected_changes());
    // A hand-edited file: the write (validated by haproxy -dW -c) fixes it.
    let edited = text.replace("maxconn 20000", "maxconn 1");
    let p = plan(&inv, &facts(&g, Some(&edited), RUNNING, FIXTURE_FP));
    let w = p.selected_changes().into_iter().find_map(|c| match c {
        Change::Write(f) => Some(f.clone()),
        _ => None,
    });
    let w = w.expect("the config is rewritten");
    assert_eq!(
        (w.path.as_str(), w.mode, w.owner.as_str()),
        (CONFIG, 0o600, "root")
    );
    assert_eq!(w.validate.as_deref(), Some("haproxy -dW -c -f {}"));
}

#[test]
fn not_running_and_a_refused_reload_are_drift_fixed_by_activation() {
    let pki = Pki::make("run-down");
    let g = gk(&pki.dir);
    let (text, fp) = rendered(&g);
    let inv = inventory(g.clone());
    let p = plan(&inv, &facts(&g, Some(&text), STOPPED, &fp));
    assert_eq!(find(&p, "haproxy-running", "haproxy").status, Status::Drift);
    assert!(!p
        .findings
        .iter()
        .any(|f| f.check == "haproxy-config-running"));
    assert!(activation_only(&p));
    let p = plan(&inv, &facts(&g, Some(&text), FAILED, &fp));
    let f = find(&p, "haproxy-reload", "master 25664");
    assert_eq!(
        (f.status, f.actual.as_str()),
        (Status::Drift, "1 failed reload(s)")
    );
    assert!(activation_only(&p));
}

#[test]
fn a_down_backend_is_named_and_not_fixable_by_apply() {
    let pki = Pki::make("run-be");
    let g = gk(&pki.dir);
    let (text, fp) = rendered(&g);
    let inv = inventory(g.clone());
    let p = plan(&inv, &facts(&g, Some(&text), RUNNING, &fp));
    let f = find(&p, "haproxy-backend", "portal/otc-app-2 (10.213.0.22:8443)");
    assert_eq!(f.status, Status::Drift);
    assert_eq!(f.actual, "DOWN (L4CON Layer4 connection problem)");
    assert_eq!(f.fix, Fix::None);
    assert!(f.message.as_deref().unwrap_or("").contains("otc-app-2"));
    assert_eq!(
        find(&p, "haproxy-backend", "shop/otc-app-1").status,
        Status::InSync
    );
    // A server the running config lacks although it is harden's: reload.
    let mut more = g.clone();
    more.services[1].backends.push(Backend {
        host: "otc-app-3".into(),
        addr: "10.213.0.23".parse().expect("ip"),
        port: 8443,
    });
    let (text, fp) = rendered(&more);
    let p = plan(
        &inventory(more.clone()),
        &facts(&more, Some(&text), RUNNING, &fp),
    );
    let f = find(&p, "haproxy-backend", "shop/otc-app-3");
    assert_eq!(
        (f.status, f.actual.as_str()),
        (Status::Drift, "absent from the running HAProxy")
    );
    assert!(activation_only(&p));
}

#[test]
fn tls_files_must_exist_and_the_key_be_root_only() {
    let pki = Pki::make("run-tls");
    let g = gk(&pki.dir);
    let (text, fp) = rendered(&g);
    let inv = inventory(g.clone());
    let key = pki.dir.join("gw.pem.key").display().to_string();
    let cert = pki.dir.join("gw.pem").display().to_string();
    let good = plan(&inv, &facts(&g, Some(&text), RUNNING, &fp));
    assert_eq!(find(&good, "haproxy-tls-file", &key).status, Status::InSync);
    assert_eq!(
        find(&good, "haproxy-tls-file", &cert).status,
        Status::InSync
    );
    let mut f = facts(&g, Some(&text), RUNNING, &fp);
    use crate::contract::kinds::Kind;
    f.set_cmd(&FileStat::new(&key).expect("p").id(), stat("81a4", 0));
    f.set_cmd(
        &FileStat::new(&cert).expect("p").id(),
        CmdFact {
            rc: 0,
            stdout: "@@absent\n".into(),
            stderr: String::new(),
        },
    );
    let p = plan(&inv, &f);
    let k = find(&p, "haproxy-tls-file", &key);
    assert_eq!((k.status, k.fix.clone()), (Status::Drift, Fix::None));
    assert_eq!(k.actual, "owner root, mode 644");
    assert_eq!(find(&p, "haproxy-tls-file", &cert).actual, "absent");
    f.set_cmd(&FileStat::new(&key).expect("p").id(), stat("8180", 105));
    assert_eq!(
        find(&plan(&inv, &f), "haproxy-tls-file", &key).status,
        Status::Drift,
        "owned by haproxy"
    );
    // Never the key's content: only stat probes for TLS files.
    for pr in probes(&g).expect("probes") {
        assert!(!matches!(pr, Probe::File(ref p) if p == &key), "{pr:?}");
    }
}

#[test]
fn no_haproxy_refuses_apply_and_systemd_hosts_get_the_dropin() {
    let pki = Pki::make("run-absent");
    let g = gk(&pki.dir);
    let inv = inventory(g.clone());
    let p = plan(&inv, &facts(&g, None, "@@absent\n", ""));
    assert_eq!(
        find(&p, "haproxy-installed", "haproxy").status,
        Status::Drift
    );
    assert!(!p.preflight.is_empty());
    assert!(!p.files().any(|f| f.path == activate_dropin()));
    let mut f = facts(&g, None, RUNNING, FIXTURE_FP);
    f.base.systemd = true;
    let p = plan(&inv, &f);
    let d = p
        .files()
        .find(|f| f.path == activate_dropin())
        .expect("drop-in");
    assert!(d.text().contains(",mode,600"));
    // The kind's output cannot be parsed: a failed finding, never a panic.
    let mut f = facts(&g, None, RUNNING, FIXTURE_FP);
    use crate::contract::kinds::Kind;
    let k = HaproxyState::running(STATS_SOCKET, MASTER_SOCKET).expect("p");
    f.set_cmd(
        &k.id(),
        CmdFact {
            rc: 0,
            stdout: "garbage".into(),
            stderr: String::new(),
        },
    );
    let p = plan(&inv, &f);
    assert_eq!(
        find(&p, "haproxy-running", "haproxy").status,
        Status::Failed
    );
    assert!(
        !p.notes[0].contains("X25519"),
        "unknown OpenSSL: NIST curves only"
    );
}

#[test]
fn offline_plans_render_for_the_assumed_openssl_without_running_findings() {
    let pki = Pki::make("run-offline");
    let g = gk(&pki.dir);
    let p = plan(&inventory(g), &Facts::assumed());
    let cfg = p.files().find(|f| f.path == CONFIG).expect("config").text();
    assert!(cfg.contains("ssl-default-bind-curves X25519:prime256v1:secp384r1"));
    assert!(!p.findings.iter().any(|f| f.check.starts_with("haproxy-")));
}

fn activate_dropin() -> &'static str {
    crate::controls::haproxy::activate::DROPIN
}

#[test]
fn a_socket_others_can_write_is_drift() {
    let pki = Pki::make("run-sock");
    let g = gk(&pki.dir);
    let (text, fp) = rendered(&g);
    let inv = inventory(g.clone());
    let mut f = facts(&g, Some(&text), RUNNING, &fp);
    assert_eq!(
        find(&plan(&inv, &f), "haproxy-socket", MASTER_SOCKET).status,
        Status::InSync
    );
    use crate::contract::kinds::Kind;
    // Debian's unit without harden's drop-in: 0755 is still root-only.
    f.set_cmd(
        &FileStat::new(MASTER_SOCKET).expect("p").id(),
        stat("c1ed", 0),
    );
    assert_eq!(
        find(&plan(&inv, &f), "haproxy-socket", MASTER_SOCKET).status,
        Status::InSync
    );
    f.set_cmd(
        &FileStat::new(STATS_SOCKET).expect("p").id(),
        stat("c1b0", 0),
    );
    let p = plan(&inv, &f);
    let s = find(&p, "haproxy-socket", STATS_SOCKET);
    assert_eq!(
        (s.status, s.actual.as_str()),
        (Status::Drift, "owner root, mode 660")
    );
    assert_eq!(s.fix, Fix::None);
}
