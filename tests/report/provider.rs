//! Offline: the provider API reads are evidence. `harden drift` and
//! `harden report` (the binary) against the OTC fake, the host's SSH
//! refused (nothing listens on its loopback port), so only the provider
//! phase reads it: the drift JSON records each read of the `cloud` and
//! `evs` controls (service, GET, path template, pages, when) and the
//! host's read times; the report shows them under the measures those
//! controls serve, fresh and from the saved run, and never a secret or
//! the project id.

use std::sync::Arc;

use serde_json::Value;

use crate::evs::{fake, world, World, ADDR, KEY, PASSWORD};
use crate::util::Run;
use harden::lab::fake_cloud::otc::PROJECT_ID;

/// `harden -i <the world's inventory> args…`, off the fake's runtime.
async fn harden(w: &Arc<World>, args: &[&str]) -> Run {
    let mut all = vec!["-i".to_string(), w.inv.display().to_string()];
    all.extend(args.iter().map(|a| a.to_string()));
    tokio::task::spawn_blocking(move || {
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        crate::util::harden_local(&all)
    })
    .await
    .expect("harden ran")
}

/// `(control, service, method, path)` of each read in `reads`.
fn reads(reads: &Value) -> Vec<(String, String, String, String)> {
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    reads
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            (
                s(&r["control"]),
                s(&r["service"]),
                s(&r["method"]),
                s(&r["path"]),
            )
        })
        .collect()
}

fn read(control: &str, service: &str, path: &str) -> (String, String, String, String) {
    (control.into(), service.into(), "GET".into(), path.into())
}

const SERVER: &str = "/v2.1/{project_id}/servers/detail?name=*";
const VOLUMES: &str = "/v2/{project_id}/cloudvolumes/detail";
const DESCRIBE_KEY: &str = "/v1.0/{project_id}/kms/describe-key";

/// The KMS read of the evs control: a POST, recorded without its body.
fn kms_read() -> (String, String, String, String) {
    (
        "evs".into(),
        "otc-kms".into(),
        "POST".into(),
        DESCRIBE_KEY.into(),
    )
}

/// The measure `tom`'s cell on host `db-1` in evidence JSON `e`.
fn cell<'a>(e: &'a Value, tom: &str) -> &'a Value {
    e["measures"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["tom"] == tom))
        .map(|m| &m["hosts"][0])
        .unwrap_or_else(|| panic!("no {tom}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_reads_are_evidence_of_the_measures_their_controls_serve() {
    let f = fake().await;
    let bad = {
        let mut s = f.lock();
        let srv = s.add_server("db-1", "subnet-1", ADDR);
        s.add_volume("db-1-data", Some(&srv), Some(KEY));
        s.add_volume("db-1-logs", Some(&srv), None)
    };
    let w = Arc::new(world(f, ""));

    let drift = harden(&w, &["drift", "--format", "json"]).await;
    drift.code(1).says("cannot connect");
    let d = drift.json();
    let all = reads(&d["api_reads"]);
    for want in [
        read("cloud", "otc-ecs", SERVER),
        read("evs", "otc-evs", VOLUMES),
        kms_read(),
    ] {
        assert!(all.contains(&want), "{want:?} not in {all:?}");
    }
    assert!(
        !d["api_reads"].to_string().contains(KEY),
        "no body (the key id) is recorded: {}",
        d["api_reads"]
    );
    for r in d["api_reads"].as_array().expect("api_reads") {
        assert_eq!(r["host"], "db-1");
        assert!(r["pages"].as_u64().is_some_and(|p| p >= 1), "{r}");
        assert!(r["at"].as_str().is_some_and(|t| t.ends_with('Z')), "{r}");
    }
    // The evs control's server lookup is the cloud control's answer.
    let evs_server = d["api_reads"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|r| r["control"] == "evs" && r["path"] == SERVER)
        })
        .expect("evs looks its server up too");
    assert_eq!(evs_server["cached"], true, "{evs_server}");
    let times = &d["host_times"][0];
    assert_eq!(times["host"], "db-1");
    let (a, b) = (times["started"].as_str(), times["finished"].as_str());
    assert!(a.is_some() && a <= b, "{times}");

    let fresh = harden(&w, &["report", "--format", "json"]).await;
    fresh.code(1);
    let e = fresh.json();
    let disk = cell(&e, "TOM-1.2-disk-encryption");
    assert_eq!(disk["status"], "drifts", "{disk}");
    let disk_reads = reads(&disk["api_reads"]);
    assert!(
        disk_reads.contains(&read("evs", "otc-evs", VOLUMES)) && disk_reads.contains(&kms_read()),
        "{disk_reads:?}"
    );
    assert!(
        disk_reads.iter().all(|r| r.0 == "evs"),
        "only the controls serving the measure: {disk_reads:?}"
    );
    let fw = cell(&e, "TOM-6-provider-firewall");
    assert!(
        reads(&fw["api_reads"]).contains(&read("cloud", "otc-ecs", SERVER)),
        "{fw}"
    );
    // The fresh report's own run: its host read times, not the run's.
    let host = &e["hosts"][0];
    let (a, b) = (host["started"].as_str(), host["finished"].as_str());
    assert!(
        a.is_some() && a <= b && e["run"]["started"].as_str() <= a,
        "{host}"
    );

    // The saved run gives the same evidence.
    let saved = w.inv.with_file_name("drift.json");
    std::fs::write(&saved, &drift.stdout).expect("save drift JSON");
    let path = saved.to_str().expect("path");
    let from = harden(&w, &["report", "--from", path, "--format", "json"]).await;
    from.code(1);
    let s = from.json();
    // ...the drift's reads of evs, each as the drift JSON has it.
    let evs_reads: Vec<Value> = d["api_reads"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["control"] == "evs")
        .map(|r| {
            let mut r = r.clone();
            r.as_object_mut().map(|o| o.remove("host"));
            r["cached"] = r["cached"].as_bool().unwrap_or(false).into();
            r
        })
        .collect();
    assert_eq!(
        cell(&s, "TOM-1.2-disk-encryption")["api_reads"],
        Value::Array(evs_reads)
    );
    assert_eq!(
        (&s["hosts"][0]["started"], &s["hosts"][0]["finished"]),
        (&times["started"], &times["finished"]),
        "the saved run's host times are the evidence's"
    );

    let html = harden(&w, &["report", "--from", path, "--format", "html"]).await;
    html.code(1);
    assert!(
        html.stdout.contains(&format!(
            "read by <b>evs</b> at the provider: <span class=\"mono\">otc-evs GET {VOLUMES}, 1 page, at "
        )),
        "{}",
        html.stdout
    );
    assert!(
        html.stdout
            .contains(&format!("otc-kms POST {DESCRIBE_KEY}, 1 page, at ")),
        "{}",
        html.stdout
    );
    assert!(
        html.stdout.contains(&bad),
        "the unencrypted volume is named"
    );

    let tokens: Vec<String> = w
        .fake
        .lock()
        .tokens
        .iter()
        .map(|t| t.token.clone())
        .collect();
    for r in [&drift, &fresh, &from, &html] {
        r.never_says(PASSWORD).never_says(PROJECT_ID);
        for t in &tokens {
            r.never_says(t);
        }
    }
}
