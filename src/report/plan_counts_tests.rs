//! `plan_counts` with hand-built plans: each change kind, activation-only
//! runs, drift apply does not fix, and the summary line.

use super::model::{Finding, HostReport, HostStatus, Report, FORMAT_VERSION};
use super::plan_counts::*;
use crate::contract::plan_keys::ABSENT;
use crate::contract::{Change, ChangeId, Facts, Fix, ManagedFile, Plan, Quarantine};

const T: &str = "TOM-test";

/// A plan with one file of each kind: `/etc/new` absent on the host,
/// `/etc/old` present with other content, `/etc/same` in sync.
fn files() -> Plan {
    let mut facts = Facts::default();
    facts.set_file("/etc/old", "old\n", 0o600);
    facts.set_file("/etc/same", "same\n", 0o600);
    let mut p = Plan::new("c");
    for (path, want) in [
        ("/etc/new", "new\n"),
        ("/etc/old", "new\n"),
        ("/etc/same", "same\n"),
    ] {
        p.file(ManagedFile::root(path, want, 0o600, T), &facts.file(path));
    }
    p
}

fn report(hosts: Vec<HostReport>) -> Report {
    Report {
        format_version: FORMAT_VERSION,
        harden_version: "t",
        command: "plan",
        inventory: "i.toml".into(),
        inventory_sha256: String::new(),
        started: "now".into(),
        duration_ms: 0,
        hosts,
        plan: None,
        probes: Vec::new(),
        api_reads: Vec::new(),
        host_times: Vec::new(),
    }
}

fn host(name: &str, status: HostStatus) -> HostReport {
    HostReport {
        status,
        error: None,
        ..HostReport::failed(name, "10.0.0.1".into(), String::new(), 0)
    }
}

#[test]
fn an_absent_file_is_an_add_a_different_one_a_change() {
    let p = files();
    let c = PlanCounts::of_plan(&p);
    assert_eq!(
        c,
        PlanCounts {
            add: 1,
            change: 1,
            ..PlanCounts::default()
        }
    );
    assert_eq!(classify(&p, ChangeId(0)), Some(Effect::Add));
    assert_eq!(classify(&p, ChangeId(1)), Some(Effect::Change));
    assert_eq!(classify(&p, ChangeId(9)), None, "unknown id");
}

#[test]
fn key_level_edits_are_changes_unless_the_file_was_absent() {
    use crate::contract::keyed::{KeyedSpec, Syntax};
    use crate::contract::Facts;
    let spec = KeyedSpec {
        syntax: Syntax::Spaced,
        keys: vec![("PASS_MAX_DAYS".into(), "90".into())],
        case_insensitive_keys: false,
    };
    let mut facts = Facts::default();
    facts.set_file("/etc/login.defs", "PASS_MAX_DAYS 99999\n", 0o644);
    let mut p = Plan::new("c");
    let edited = p
        .keys(
            "/etc/login.defs",
            &spec,
            &facts.file("/etc/login.defs"),
            0o644,
            T,
        )
        .expect("keys");
    let created = p
        .keys("/etc/x.conf", &spec, &facts.file("/etc/x.conf"), 0o644, T)
        .expect("keys");
    assert_eq!(classify(&p, edited), Some(Effect::Change));
    assert_eq!(classify(&p, created), Some(Effect::Add));
    let Some(Change::Write(w)) = p.changes.get(usize::from(created.0)) else {
        panic!("a write");
    };
    assert_eq!(w.unchanged_since.as_deref(), Some(ABSENT));
}

#[test]
fn activation_counts_only_when_it_is_all_a_control_does() {
    let mut only = Plan::new("sshd");
    only.push(Finding::new("sshd", "live", "PermitRootLogin", T).compare(
        "no",
        "yes",
        Fix::Activate,
    ));
    only.push(Finding::new("sshd", "live", "X11Forwarding", T).compare("no", "yes", Fix::Activate));
    assert_eq!(
        PlanCounts::of_plan(&only),
        PlanCounts {
            run: 1,
            ..PlanCounts::default()
        },
        "two findings, one activation"
    );
    let mut with_file = files();
    with_file.push(Finding::new("c", "live", "x", T).compare("on", "off", Fix::Activate));
    let act = with_file.activation();
    assert_eq!(classify(&with_file, act), None, "follows the writes");
    assert_eq!(PlanCounts::of_plan(&with_file).run, 0);
}

#[test]
fn commands_moves_and_api_calls_are_counted_by_kind() {
    let mut p = Plan::new("c");
    let useradd = p.run("useradd alice");
    let unused = p.run("true");
    p.push(Finding::new("c", "account", "alice", T).drift(
        "present",
        "absent",
        Fix::Change(useradd),
    ));
    p.move_aside(
        Quarantine {
            path: "/etc/x.d/y".into(),
            tom: T,
        },
        None,
    );
    let call = crate::contract::api::ApiCall::new(
        crate::contract::api::Method::Put,
        "/v1/rules",
        None,
        "set rules",
    )
    .expect("valid call");
    let api = p.change(Change::Api(call));
    p.push(Finding::new("c", "rules", "fw", T).drift("as rendered", "differs", Fix::Change(api)));
    p.push(Finding::new("c", "live", "x", T).compare("on", "off", Fix::Activate));
    assert_eq!(
        classify(&p, unused),
        Some(Effect::Run),
        "a run, though not selected"
    );
    assert_eq!(
        PlanCounts::of_plan(&p),
        PlanCounts {
            move_aside: 1,
            run: 1,
            api: 1,
            ..PlanCounts::default()
        },
        "the unselected command and the activation after other changes are not counted"
    );
}

#[test]
fn drift_without_a_change_is_counted_apart() {
    let mut p = Plan::new("c");
    p.push(Finding::new("c", "set", "maint", T).drift("readable", "unreadable", Fix::None));
    p.push(Finding::new("c", "x", "ok", T).ok("fine"));
    let h = HostPlan::of("web1", [&p]);
    assert_eq!((h.counts.total(), h.manual), (0, 1));
    let s = PlanSummary::new(vec![h]);
    let r = report(vec![host("web1", HostStatus::Drift)]);
    assert_eq!(
        s.line(&r),
        "No changes to apply; 1 drifting checks apply does not fix."
    );
}

#[test]
fn the_line_sums_hosts_and_names_failures() {
    let a = HostPlan::of("a", [&files()]);
    let b = HostPlan::of("b", [&Plan::new("c")]);
    let mut sshd = Plan::new("sshd");
    sshd.push(Finding::new("sshd", "live", "k", T).compare("no", "yes", Fix::Activate));
    let c = HostPlan::of("c", [&files(), &sshd]);
    let s = PlanSummary::new(vec![a, b, c]);
    assert_eq!(s.total.total(), 5);
    assert_eq!(s.hosts_changing, 2);
    let mut hosts = vec![
        host("a", HostStatus::Drift),
        host("b", HostStatus::InSync),
        host("c", HostStatus::Drift),
    ];
    assert_eq!(
        s.line(&report(hosts.clone())),
        "Plan: 2 to add, 2 to change, 0 to move aside, 1 to run (on 2 of 3 hosts)."
    );
    hosts.push(host("d", HostStatus::Failed));
    assert_eq!(
        s.line(&report(hosts)),
        "Plan: 2 to add, 2 to change, 0 to move aside, 1 to run (on 2 of 4 hosts); 1 of 4 hosts failed."
    );
    let clean = PlanSummary::new(vec![HostPlan::of("b", [&Plan::new("c")])]);
    assert_eq!(
        clean.line(&report(vec![host("b", HostStatus::InSync)])),
        "No changes. 1 hosts in sync."
    );
    assert_eq!(
        clean.line(&report(vec![
            host("b", HostStatus::InSync),
            host("z", HostStatus::Failed)
        ])),
        "No changes to apply; 1 of 2 hosts failed."
    );
}

#[test]
fn the_text_report_of_plan_ends_with_the_counts_and_json_carries_them() {
    let mut r = report(vec![host("a", HostStatus::Drift)]);
    r.plan = Some(PlanSummary::new(vec![HostPlan::of("a", [&files()])]));
    let mut out = Vec::new();
    crate::report::text::write(&r, false, &mut out).expect("write");
    let text = String::from_utf8(out).expect("utf-8");
    assert!(
        text.ends_with(
            "\nPlan: 1 to add, 1 to change, 0 to move aside, 0 to run (on 1 of 1 hosts).\n"
        ),
        "{text}"
    );
    let j = serde_json::to_value(&r).expect("json");
    assert_eq!(j["plan"]["add"], 1);
    assert_eq!(j["plan"]["change"], 1);
    assert_eq!(j["plan"]["hosts_changing"], 1);
    assert_eq!(j["plan"]["per_host"][0]["host"], "a");
    assert_eq!(j["plan"]["per_host"][0]["add"], 1);
    assert_eq!(j["format_version"], 1);
    r.plan = None;
    r.command = "drift";
    let j = serde_json::to_value(&r).expect("json");
    assert!(j.get("plan").is_none(), "drift has no plan field");
}
