//! The provider-scoped check-apply path (`harden::engine::provider`) end
//! to end against the fake API server (`fake_api/server.rs`), with
//! test-only provider controls (`provider_backend/controls.rs`): "the
//! firewall `fw-<host>` allows exactly tcp/443". Read-only runs send no
//! write; apply sends exactly the planned call, re-reads and reports in
//! sync; a rejected call fails naming its code and the call, unretried,
//! and stops the calls after it; a second apply is idempotent; contract
//! errors and caps send nothing. Every test asserts on the requests the
//! server recorded. No lab, no SSH.

pub mod controls;

use harden::backend::http::cloud::Cloud;
use harden::backend::http::ApiClient;
use harden::contract::{Control, Facts, HostCtx, Plan, Probe, RenderError, Scope};
use harden::engine::provider::{check_apply, check_apply_with, merge_into, ProviderOutcome};
use harden::report::model::{HostReport, HostStatus, Status};
use serde_json::{json, Value};

use crate::fake_api::client;
use crate::fake_api::server::{FakeApi, Reply, Request};
use controls::*;

/// Runs `controls` for host `web` against `fake`.
async fn run(
    fake: &FakeApi,
    controls: &[&'static dyn Control],
    apply: bool,
) -> Vec<ProviderOutcome> {
    let inv = inventory();
    let ctx = HostCtx::new(&inv, &inv.hosts[0], None);
    let (api, _dir): (ApiClient, _) = client(fake, |_| {});
    check_apply_with(controls, &ctx, &Cloud::Single(api), apply).await
}

fn only(mut outs: Vec<ProviderOutcome>) -> ProviderOutcome {
    assert_eq!(outs.len(), 1, "one outcome per control");
    outs.remove(0)
}

fn methods_and_targets(reqs: &[Request]) -> Vec<(String, String)> {
    reqs.iter()
        .map(|r| (r.method.clone(), r.target.clone()))
        .collect()
}

fn get(target: &str) -> (String, String) {
    ("GET".into(), format!("/v1{target}"))
}

fn post(target: &str) -> (String, String) {
    ("POST".into(), format!("/v1{target}"))
}

const LIST: &str = "/firewalls?name=fw-web";
const SET_RULES: &str = "/firewalls/42/actions/set_rules";

fn host_report() -> HostReport {
    let mut r = HostReport::failed("web", "10.213.0.12".into(), String::new(), 0);
    r.status = HostStatus::InSync;
    r.error = None;
    r
}

#[tokio::test]
async fn drift_reads_only_and_sends_no_post() {
    let fake = FakeApi::start(vec![listing(wrong())]).await;
    let o = only(run(&fake, &[&FW], false).await);
    assert!(o.error.is_none(), "{:?}", o.error);
    assert_eq!(o.findings.len(), 1);
    let f = &o.findings[0];
    assert_eq!((f.status, f.host.as_str()), (Status::Drift, "web"));
    assert_eq!(f.control, "test-provider-firewall");
    assert_eq!(f.item, "fw-web");
    let plan = o.plan.as_ref().expect("plan");
    assert_eq!(plan.selected_changes().len(), 1);
    assert_eq!(plan.selected_changes()[0].kind(), "api-call");
    assert!(o.done.is_empty() && o.not_done.is_empty());
    assert_eq!(methods_and_targets(&fake.requests()), [get(LIST)]);
    assert_eq!((fake.unused(), fake.unexpected()), (0, 0));
    let mut rep = host_report();
    merge_into(&mut rep, vec![o]);
    assert_eq!(rep.status, HostStatus::Drift);
    assert!(!rep.changed && rep.error.is_none());
}

#[tokio::test]
async fn apply_sends_one_post_then_verifies_in_sync() {
    let fake = FakeApi::start(vec![listing(wrong()), action(), listing(wanted())]).await;
    let o = only(run(&fake, &[&FW], true).await);
    assert!(
        o.error.is_none(),
        "{}",
        o.error.as_ref().map(|e| e.to_string()).unwrap_or_default()
    );
    let reqs = fake.requests();
    assert_eq!(
        methods_and_targets(&reqs),
        [get(LIST), post(SET_RULES), get(LIST)]
    );
    let body: Value = serde_json::from_slice(&reqs[1].body).expect("json body");
    assert_eq!(body, json!({ "rules": wanted() }));
    assert_eq!(reqs[1].header("content-type"), Some("application/json"));
    assert_eq!(o.done.len(), 1);
    assert_eq!(o.done[0].describe, "set the rules of firewall fw-web");
    assert!(o.not_done.is_empty());
    let f = &o.findings[0];
    assert_eq!(
        f.status,
        Status::Changed,
        "drift before, in sync after: {f:?}"
    );
    assert_eq!(f.host, "web");
    assert_eq!((fake.unused(), fake.unexpected()), (0, 0));
    let mut rep = host_report();
    merge_into(&mut rep, vec![o]);
    assert_eq!((rep.status, rep.changes_applied), (HostStatus::Changed, 1));
    assert!(rep.changed && rep.error.is_none());
}

#[tokio::test]
async fn rejected_post_fails_naming_code_and_call_without_retry() {
    let fake = FakeApi::start(vec![
        listing(wrong()),
        Reply::error(422, "invalid_input", "invalid input in field 'rules'"),
    ])
    .await;
    let o = only(run(&fake, &[&FW], true).await);
    assert_eq!(
        methods_and_targets(&fake.requests()),
        [get(LIST), post(SET_RULES)],
        "one POST, not retried, and no re-read after nothing was done"
    );
    assert_eq!((fake.unused(), fake.unexpected()), (0, 0));
    let e = o.error.as_ref().expect("an error");
    assert_eq!(e.code(), "api-answer");
    let shown = e.to_string();
    assert!(shown.starts_with("api-answer: "), "{shown}");
    assert!(shown.contains("HTTP 422 invalid_input"), "{shown}");
    assert!(
        shown.contains("set the rules of firewall fw-web"),
        "{shown}"
    );
    assert!(o.done.is_empty());
    assert_eq!(o.not_done.len(), 1);
    assert_eq!(o.not_done[0].path, SET_RULES);
    let f = &o.findings[0];
    assert_eq!(f.status, Status::Failed);
    assert!(
        f.message.as_deref().unwrap_or("").contains("invalid_input"),
        "{f:?}"
    );
    let mut rep = host_report();
    merge_into(&mut rep, vec![o]);
    assert_eq!(rep.status, HostStatus::Failed);
    let err = rep.error.expect("host error");
    assert!(
        err.starts_with("test-provider-firewall: api-answer: "),
        "{err}"
    );
}

#[tokio::test]
async fn second_apply_in_sync_sends_no_post() {
    let fake = FakeApi::start(vec![listing(wanted())]).await;
    let o = only(run(&fake, &[&FW], true).await);
    assert!(o.error.is_none(), "{:?}", o.error);
    assert_eq!(methods_and_targets(&fake.requests()), [get(LIST)]);
    assert_eq!(o.findings[0].status, Status::InSync);
    assert!(o.done.is_empty() && !o.changed());
    assert!(!o.plan.as_ref().expect("plan").needs_apply());
    let mut rep = host_report();
    merge_into(&mut rep, vec![o]);
    assert_eq!(rep.status, HostStatus::InSync);
}

#[tokio::test]
async fn drift_left_after_apply_is_an_error() {
    let fake = FakeApi::start(vec![listing(wrong()), action(), listing(wrong())]).await;
    let o = only(run(&fake, &[&FW], true).await);
    assert_eq!(fake.requests().len(), 3);
    let e = o.error.as_ref().expect("still drifting");
    assert_eq!(e.code(), "provider-drift-after-apply");
    assert_eq!(o.findings[0].status, Status::Drift);
    assert_eq!(o.done.len(), 1, "the call was made");
}

#[tokio::test]
async fn second_phase_probes_use_the_first_phase_facts() {
    let one = |rules: Value| Reply::json(200, json!({"firewall": {"id": 42, "rules": rules}}));
    let fake = FakeApi::start(vec![
        listing(json!(null)),
        one(wrong()),
        action(),
        listing(json!(null)),
        one(wanted()),
    ])
    .await;
    let o = only(run(&fake, &[&FW2], true).await);
    assert!(o.error.is_none(), "{:?}", o.error);
    assert_eq!(
        methods_and_targets(&fake.requests()),
        [
            get(LIST),
            get("/firewalls/42"),
            post(SET_RULES),
            get(LIST),
            get("/firewalls/42")
        ]
    );
    assert_eq!(o.findings[0].status, Status::Changed);
}

#[tokio::test]
async fn failed_probe_is_a_failed_outcome_not_a_panic() {
    let fake = FakeApi::start(vec![Reply::error(404, "not_found", "no such firewall")]).await;
    let o = only(run(&fake, &[&FW], true).await);
    let e = o.error.as_ref().expect("error");
    assert_eq!(e.code(), "api-answer");
    assert!(e.to_string().contains("GET /firewalls?name=fw-web"), "{e}");
    assert!(o.plan.is_none() && o.findings.is_empty() && o.done.is_empty());
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn calls_stop_at_the_first_failure() {
    let fake = FakeApi::start(vec![
        Reply::json(200, json!({})),
        Reply::error(403, "forbidden", "token may not write"),
    ])
    .await;
    let o = only(run(&fake, &[&TWO_CALLS], true).await);
    assert_eq!(
        methods_and_targets(&fake.requests()),
        [get("/things/0"), post("/things/1")],
        "the second call is never sent"
    );
    let not: Vec<&str> = o.not_done.iter().map(|c| c.describe.as_str()).collect();
    assert_eq!(not, ["make thing 1", "make thing 2"]);
    let st: Vec<Status> = o.findings.iter().map(|f| f.status).collect();
    assert_eq!(st, [Status::Failed, Status::Drift]);
    assert_eq!(o.error.as_ref().map(|e| e.code()), Some("api-answer"));
}

#[tokio::test]
async fn after_a_partial_apply_the_provider_is_read_again() {
    let fake = FakeApi::start(vec![
        Reply::json(200, json!({})),
        Reply::json(201, json!({})),
        Reply::error(403, "forbidden", "token may not write"),
        Reply::json(200, json!({})),
    ])
    .await;
    let o = only(run(&fake, &[&TWO_CALLS], true).await);
    assert_eq!(
        methods_and_targets(&fake.requests()),
        [
            get("/things/0"),
            post("/things/1"),
            post("/things/2"),
            get("/things/0")
        ]
    );
    let done: Vec<&str> = o.done.iter().map(|c| c.describe.as_str()).collect();
    let not: Vec<&str> = o.not_done.iter().map(|c| c.describe.as_str()).collect();
    assert_eq!((done, not), (vec!["make thing 1"], vec!["make thing 2"]));
    // Read again: thing-0 is still missing (this fake never changes), the
    // failed call's finding stays failed with its error.
    let st: Vec<Status> = o.findings.iter().map(|f| f.status).collect();
    assert_eq!(st, [Status::Drift, Status::Failed]);
    assert!(o.findings[1]
        .message
        .as_deref()
        .is_some_and(|m| m.contains("forbidden")));
    let e = o.error.as_ref().expect("error");
    assert_eq!(e.code(), "api-answer", "the call's error is kept: {e}");
    let mut rep = host_report();
    merge_into(&mut rep, vec![o]);
    assert_eq!((rep.status, rep.changes_applied), (HostStatus::Failed, 1));
    assert!(rep.changed, "a call was made: the host counts as changed");
}

#[tokio::test]
async fn contract_breaches_send_nothing_that_writes() {
    let fake = FakeApi::start(vec![Reply::json(200, json!({}))]).await;
    let o = only(run(&fake, &[&RUN_CHANGE], true).await);
    let e = o.error.as_ref().expect("contract error");
    assert_eq!(e.code(), "provider-change-kind");
    assert!(e.to_string().contains("not a run change"), "{e}");
    assert!(o.done.is_empty());
    assert_eq!(methods_and_targets(&fake.requests()), [get("/things/0")]);

    let fake = FakeApi::start(vec![Reply::json(200, json!({}))]).await;
    let o = only(run(&fake, &[&CMD_PROBE], false).await);
    assert_eq!(
        o.error.as_ref().map(|e| e.code()),
        Some("provider-probe-kind")
    );
    assert!(o.plan.is_none());

    let fake = FakeApi::start(vec![Reply::json(200, json!({}))]).await;
    let o = only(run(&fake, &[&MANY_CALLS], true).await);
    assert_eq!(o.error.as_ref().map(|e| e.code()), Some("provider-limit"));
    assert!(o.done.is_empty());
    assert_eq!(
        methods_and_targets(&fake.requests()),
        [get("/things/0")],
        "too many calls: none is made; a probe asked twice is read once"
    );

    let fake = FakeApi::start(Vec::new()).await;
    let o = only(run(&fake, &[&MANY_PROBES], false).await);
    assert_eq!(o.error.as_ref().map(|e| e.code()), Some("provider-limit"));
    assert!(
        fake.requests().is_empty(),
        "the cap is checked before any request"
    );
}

#[tokio::test]
async fn selection_is_by_scope_and_the_control_list() {
    struct HostOnly;
    impl Control for HostOnly {
        fn id(&self) -> &'static str {
            "test-host-only"
        }
        fn probes(&self, _: &HostCtx<'_>) -> Result<Vec<Probe>, RenderError> {
            Ok(vec![Probe::api(None, "x", "/x")])
        }
        fn plan(&self, _: &HostCtx<'_>, _: &Facts) -> Result<Plan, RenderError> {
            Ok(Plan::new("test-host-only"))
        }
    }
    static HOST_ONLY: HostOnly = HostOnly;
    let fake = FakeApi::start(Vec::new()).await;
    assert!(run(&fake, &[&HOST_ONLY], true).await.is_empty());
    // The registered provider controls that apply (none without a cloud
    // account in the inventory): nothing is read then.
    let inv = inventory();
    let ctx = HostCtx::new(&inv, &inv.hosts[0], None);
    let (api, _dir) = client(&fake, |_| {});
    let from_list = check_apply(&ctx, &Cloud::Single(api), false).await;
    let provider_ids: Vec<&str> = harden::controls::ALL
        .iter()
        .filter(|c| c.scope() == Scope::Provider && c.applies(&ctx))
        .map(|c| c.id())
        .collect();
    assert!(
        harden::controls::ALL
            .iter()
            .any(|c| c.scope() == Scope::Provider && c.id() == "cloud"),
        "the cloud control is registered as provider-scoped"
    );
    let got: Vec<&str> = from_list.iter().map(|o| o.control).collect();
    assert_eq!(got, provider_ids);
    if provider_ids.is_empty() {
        assert!(fake.requests().is_empty());
    }
}
