//! The status rules and the validation of saved drift JSON.

use super::saved::Run;
use super::{build, CellStatus, Evidence};
use crate::inventory::Inventory;
use crate::tom::Kind;

pub(super) fn inv() -> Inventory {
    crate::testkit::inventory()
        .host("app", "10.213.0.10", "app")
        .host("db", "10.213.0.11", "data")
        .load()
}

pub(super) fn finding(host: &str, control: &str, tom: &str, status: &str, item: &str) -> String {
    format!(
        r#"{{"host":"{host}","control":"{control}","check":"file","item":{item:?},"status":"{status}","expected":"a","actual":"{}","tom":"{tom}"}}"#,
        if status == "drift" { "b" } else { "a" }
    )
}

/// app: ports drift, transport encryption in sync; db could not be reached.
pub(super) fn run_json(db_failed: bool, drift: bool) -> String {
    let ports = finding(
        "app",
        "firewall",
        "TOM-1.2-ports",
        if drift { "drift" } else { "in-sync" },
        "/etc/nftables.conf",
    );
    let tls = finding(
        "app",
        "sshd",
        "TOM-2.1-transport-encryption",
        "in-sync",
        "Ciphers",
    );
    let db = if db_failed {
        r#"{"host":"db","address":"10.213.0.11","status":"failed","error":"connection refused","findings":[],"changes_applied":0,"changed":false,"duration_ms":3}"#.to_string()
    } else {
        format!(
            r#"{{"host":"db","address":"10.213.0.11","status":"in-sync","findings":[{}],"changes_applied":0,"changed":false,"duration_ms":3}}"#,
            finding(
                "db",
                "firewall",
                "TOM-1.2-ports",
                "in-sync",
                "/etc/nftables.conf"
            )
        )
    };
    format!(
        r#"{{"format_version":1,"harden_version":"0.1.0","command":"drift","inventory":"t.toml","inventory_sha256":"{}","started":"2026-12-02T03:00:00Z","duration_ms":9,
        "hosts":[{{"host":"app","address":"10.213.0.10","status":"{}","findings":[{ports},{tls}],"changes_applied":0,"changed":false,"duration_ms":5}},{db}],
        "probes":[{{"host":"app","control":"firewall","probes":["cmd:nft-ruleset","file:/etc/nftables.conf"]}}]}}"#,
        "0".repeat(64),
        if drift { "drift" } else { "in-sync" }
    )
}

pub(super) fn evidence(db_failed: bool, drift: bool) -> Evidence {
    let run = Run::parse(&run_json(db_failed, drift)).expect("valid run");
    build(&run, &inv(), None, "saved").expect("builds")
}

pub(super) fn cell<'a>(e: &'a Evidence, tom: &str, host: &str) -> &'a super::Cell {
    let m = e
        .measures
        .iter()
        .find(|m| m.tom == tom)
        .unwrap_or_else(|| panic!("no {tom}"));
    m.hosts
        .iter()
        .find(|c| c.host == host)
        .unwrap_or_else(|| panic!("no {host} in {tom}"))
}

#[test]
fn status_rules_drift_failure_holds_and_no_check() {
    let e = evidence(true, true);
    let ports = cell(&e, "TOM-1.2-ports", "app");
    assert_eq!(ports.status, CellStatus::Drifts);
    assert_eq!(ports.findings.len(), 1);
    assert_eq!(
        ports.probes[0].probes,
        ["cmd:nft-ruleset", "file:/etc/nftables.conf"]
    );
    assert_eq!(
        cell(&e, "TOM-2.1-transport-encryption", "app").status,
        CellStatus::Holds
    );
    let db = cell(&e, "TOM-2.1-transport-encryption", "db");
    assert_eq!(db.status, CellStatus::NotChecked);
    assert!(db.reason.contains("connection refused"), "{}", db.reason);
    let auth = cell(&e, "TOM-1.2-auth", "app");
    assert_eq!(
        (auth.status, auth.reason.as_str()),
        (
            CellStatus::NotChecked,
            "harden has no check for this measure"
        )
    );
    // Policy only (pol-tenant-mix), the inventory loaded: holds.
    let tenants = cell(&e, "TOM-1.4-dedicated-servers", "app");
    assert_eq!(tenants.status, CellStatus::Holds, "{}", tenants.reason);
    assert!(tenants.reason.contains("pol-tenant-mix"));
    assert_eq!(e.summary.drifting_measures.len(), 1);
    assert_eq!(e.summary.drifting_measures[0].tom, "TOM-1.2-ports");
    assert_eq!(e.summary.drifting_measures[0].hosts, ["app"]);
    assert_eq!(e.summary.unreachable_hosts[0].host, "db");
}

#[test]
fn a_serving_control_without_finding_is_not_checked_none_is_not_applicable() {
    let run = Run::parse(&run_json(false, false)).expect("valid");
    let h = &run.hosts[0];
    let t = crate::tom::ACCESS_LOGGING;
    let sshd: Vec<&'static dyn crate::contract::Control> = crate::controls::ALL
        .iter()
        .copied()
        .filter(|c| c.id() == "sshd")
        .collect();
    let cell = |policy: &[&str], warned: &[&str], applies: bool| {
        let s = super::cell::Serving {
            controls: &sshd,
            policy,
            warned,
            unchecked: &[],
            no_check: false,
            applies,
        };
        super::cell::cell(&run, h, t, &s)
    };
    let c = cell(&[], &[], true);
    assert_eq!(c.status, CellStatus::NotChecked);
    let c = cell(&[], &[], false);
    assert_eq!(c.status, CellStatus::NotApplicable);
    assert!(c.probes.is_empty());
    let c = cell(&["pol-x"], &[], false);
    assert_eq!(c.status, CellStatus::Holds);
    // A policy rule of the measure that warned: not checked, never holds.
    let c = cell(&["pol-x"], &["pol-x"], false);
    assert_eq!(c.status, CellStatus::NotChecked);
    assert!(c.reason.contains("pol-x"), "{}", c.reason);
}

#[test]
fn a_warning_naming_the_host_makes_the_measure_not_checked_despite_findings() {
    // app's transport-encryption finding is in sync: it holds...
    let run = Run::parse(&run_json(false, false)).expect("valid");
    let h = &run.hosts[0];
    let t = crate::tom::TRANSPORT_ENCRYPTION;
    let s = super::cell::Serving {
        controls: &[],
        policy: &[],
        warned: &[],
        unchecked: &[],
        no_check: false,
        applies: true,
    };
    assert_eq!(super::cell::cell(&run, h, t, &s).status, CellStatus::Holds);
    // ...unless a typed warning says harden does not check it there.
    let s = super::cell::Serving {
        unchecked: &["pol-y"],
        ..s
    };
    let c = super::cell::cell(&run, h, t, &s);
    assert_eq!(c.status, CellStatus::NotChecked);
    assert!(c.reason.contains("pol-y"), "{}", c.reason);
    assert_eq!(c.findings.len(), 1, "the findings are still shown");
}

#[test]
fn every_measure_is_a_row_or_outside_and_exit_codes_follow_the_worst() {
    let e = evidence(true, true);
    for t in crate::tom::ALL {
        let row = e.measures.iter().any(|m| m.tom == t.id);
        let out = e.outside.iter().any(|o| o.tom == t.id);
        match t.kind {
            Kind::Technical | Kind::TechnicalAndOrganisational => assert!(row && !out, "{}", t.id),
            Kind::Organisational | Kind::Provider => assert!(out, "{}", t.id),
        }
    }
    assert_eq!(e.summary.measures, e.measures.len());
    let s = &e.summary;
    assert_eq!(
        s.holding + s.drifting + s.not_checked + s.not_applicable,
        s.measures
    );
    assert_eq!(e.exit_code(), 1, "a host not checked is an error");
    assert_eq!(evidence(false, true).exit_code(), 2);
    let clean = evidence(false, false);
    assert_eq!(clean.exit_code(), 0);
    assert_eq!(
        cell(&clean, "TOM-1.2-ports", "db").status,
        CellStatus::Holds
    );
}

#[test]
fn hostile_saved_runs_are_refused_naming_the_field() {
    let good = run_json(false, true);
    let cases = [
        (
            good.replace(r#""format_version":1"#, r#""format_version":2"#),
            "format_version",
        ),
        (
            good.replace(r#""command":"drift""#, r#""command":"apply""#),
            "command",
        ),
        (
            good.replace(
                "/etc/nftables.conf\",\"status\":\"drift",
                "/etc/x\\u001b[2J\",\"status\":\"drift",
            ),
            "hosts[0].findings[0].item",
        ),
        (
            good.replace("TOM-2.1-transport-encryption", "TOM-9-made-up"),
            "hosts[0].findings[1].tom",
        ),
        (good.replace(&"0".repeat(64), "abc"), "inventory_sha256"),
        (
            good.replacen(
                r#""host":"app","control":"firewall","check""#,
                r#""host":"db","control":"firewall","check""#,
                1,
            ),
            "hosts[0].findings[0].host",
        ),
        (
            good.replace(
                r#""status":"drift","findings""#,
                r#""status":"bogus","findings""#,
            ),
            "unknown variant",
        ),
    ];
    for (text, field) in cases {
        assert_ne!(text, good, "{field}: the case changes the input");
        let e = Run::parse(&text).expect_err(field);
        assert!(e.contains(field), "{field}: {e}");
    }
    let mut unknown = Run::parse(&good).expect("valid");
    unknown.hosts[0].host = "ghost".into();
    for f in &mut unknown.hosts[0].findings {
        f.host = "ghost".into();
    }
    let e = build(&unknown, &inv(), None, "saved").expect_err("not in the inventory");
    assert!(e.contains("ghost"), "{e}");
}

/// A read by `control` for `host`, as the engine records one.
pub(super) fn api_read(host: &str, control: &str) -> crate::report::reads::ApiRead {
    crate::report::reads::ApiRead {
        host: host.into(),
        control: control.into(),
        service: "hcloud".into(),
        method: "GET".into(),
        path: "/servers?name=*".into(),
        pages: 1,
        at: "2026-12-02T03:00:04Z".into(),
        cached: false,
    }
}

#[test]
fn a_fresh_report_and_its_saved_json_give_the_same_evidence() {
    use crate::report::model::{self, Finding, Fix, HostReport, HostStatus};
    let mut f = Finding::new(
        "firewall",
        "file",
        "/etc/nftables.conf",
        crate::tom::PORTS.id,
    )
    .drift("a", "b", Fix::Activate);
    f.host = "app".into();
    let mut server = Finding::new(
        "cloud",
        "cloud-server",
        "server named app",
        crate::tom::PROVIDER_FIREWALL.id,
    )
    .ok("1");
    server.host = "app".into();
    let mut app = HostReport::failed("app", "10.213.0.10".into(), String::new(), 5);
    (app.status, app.error, app.findings) = (HostStatus::Drift, None, vec![f, server]);
    let report = model::Report {
        format_version: model::FORMAT_VERSION,
        harden_version: "0.1.0",
        command: "drift",
        inventory: "t.toml".into(),
        inventory_sha256: model::sha256_hex("x"),
        started: "2026-12-02T03:00:00Z".into(),
        duration_ms: 9,
        hosts: vec![app],
        plan: None,
        probes: vec![model::ProbeRecord {
            host: "app".into(),
            control: "firewall".into(),
            probes: vec!["file:/etc/nftables.conf".into()],
        }],
        api_reads: vec![api_read("app", "cloud")],
        host_times: vec![crate::report::reads::HostTime {
            host: "app".into(),
            started: "2026-12-02T03:00:01Z".into(),
            finished: "2026-12-02T03:00:05Z".into(),
        }],
    };
    let fresh = Run::from_report(&report).expect("fresh");
    let mut saved_text = Vec::new();
    crate::report::json::write(&report, &mut saved_text).expect("json");
    let saved = Run::parse(std::str::from_utf8(&saved_text).expect("utf-8")).expect("saved");
    let a = serde_json::to_value(build(&fresh, &inv(), None, "x").expect("a")).expect("a");
    let b = serde_json::to_value(build(&saved, &inv(), None, "x").expect("b")).expect("b");
    assert_eq!(a, b);
    assert_eq!(a["run"]["inventory_sha256"], model::sha256_hex("x"));
    assert_eq!(a["hosts"][0]["started"], "2026-12-02T03:00:01Z");
    let reads = a["measures"]
        .as_array()
        .expect("measures")
        .iter()
        .find(|m| m["tom"] == crate::tom::PROVIDER_FIREWALL.id)
        .map(|m| m["hosts"][0]["api_reads"].clone());
    assert_eq!(
        reads.and_then(|r| r[0]["path"].as_str().map(str::to_string)),
        Some("/servers?name=*".to_string()),
        "the cloud control's read is evidence of the provider firewall"
    );
    assert_eq!(
        cell(
            &build(&saved, &inv(), None, "x").expect("b"),
            "TOM-1.2-ports",
            "app"
        )
        .status,
        CellStatus::Drifts
    );
}
