//! `harden drift` (the binary) against the OTC fake. The host's address
//! is a loopback port where no SSH server listens, so the host itself
//! is `failed` (cannot connect) and the run exits 1 — but the provider
//! phase still runs and its findings are in the host's report: that is
//! what these tests assert, in the JSON and the text report, and that
//! neither the password nor any token the fake issued is ever printed.

use std::sync::Arc;

use serde_json::Value;

use super::{fake, world, World, ADDR, KEY, PASSWORD};
use crate::util::Run;

async fn drift(w: &Arc<World>, args: &[&str]) -> Run {
    let w = w.clone();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let mut c = std::process::Command::new(crate::util::harden_bin());
        c.arg("-i")
            .arg(&w.inv)
            .arg("drift")
            .args(&args)
            .env_remove("HARDEN_INVENTORY")
            .stdin(std::process::Stdio::null());
        crate::util::run(c)
    })
    .await
    .expect("harden ran")
}

/// `(control, check, item, status)` of the host's findings.
fn findings(report: &Value) -> Vec<(String, String, String, String)> {
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    report["hosts"][0]["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|f| f["control"] == "evs" || f["control"] == "cloud")
                .map(|f| {
                    (
                        s(&f["control"]),
                        s(&f["check"]),
                        s(&f["item"]),
                        s(&f["status"]),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn never_shows_secrets(w: &World, runs: &[&Run]) {
    let tokens: Vec<String> = w
        .fake
        .lock()
        .tokens
        .iter()
        .map(|t| t.token.clone())
        .collect();
    assert!(!tokens.is_empty(), "the run got a token");
    for r in runs {
        r.never_says(PASSWORD);
        for t in &tokens {
            r.never_says(t);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_reports_the_unencrypted_volume_and_never_a_secret() {
    let f = fake().await;
    let (good, bad) = {
        let mut s = f.lock();
        let srv = s.add_server("db-1", "subnet-1", ADDR);
        (
            s.add_volume("db-1-data", Some(&srv), Some(KEY)),
            s.add_volume("db-1-logs", Some(&srv), None),
        )
    };
    let w = Arc::new(world(f, ""));
    let json = drift(&w, &["--format", "json"]).await;
    json.code(1).says("cannot connect");
    let report = json.json();
    assert_eq!(report["hosts"][0]["status"], "failed", "SSH is refused");
    assert_eq!(
        findings(&report),
        [
            (
                "cloud".into(),
                "cloud-server".into(),
                "server named db-1".into(),
                "in-sync".into()
            ),
            (
                "evs".into(),
                "evs-volume".into(),
                format!("{good} (db-1-data)"),
                "in-sync".into()
            ),
            (
                "evs".into(),
                "evs-volume".into(),
                format!("{bad} (db-1-logs)"),
                "drift".into()
            ),
            (
                "evs".into(),
                "evs-key".into(),
                format!("{good} (db-1-data)"),
                "in-sync".into()
            ),
        ]
    );
    let text = drift(&w, &[]).await;
    text.code(1).says(&bad).says("not encrypted by EVS");
    never_shows_secrets(&w, &[&json, &text]);
    // Two runs, one token each: the CLI logs in once per run.
    assert_eq!(w.fake.lock().tokens.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_names_a_missing_server_and_a_wrong_password_fails_unshown() {
    let w = Arc::new(world(fake().await, "cloud = { server = \"db-1-prod\" }"));
    let r = drift(&w, &["--format", "json"]).await;
    r.code(1);
    let f = findings(&r.json());
    assert!(
        f.iter().any(|(c, k, i, s)| c == "evs"
            && k == "evs-volumes"
            && i == "server named db-1-prod"
            && s == "drift"),
        "{f:?}"
    );
    never_shows_secrets(&w, &[&r]);

    // The password changed at IAM: the provider phase fails, naming
    // neither password.
    let w = Arc::new(world(fake().await, ""));
    w.fake.lock().user.password = "the-new-password-nobody-told-harden".into();
    let r = drift(&w, &[]).await;
    r.code(1)
        .says("evs: api-answer: API otc-iam: get a project token: HTTP 401")
        .never_says(PASSWORD)
        .never_says("the-new-password-nobody-told-harden");
    assert!(w.fake.lock().tokens.is_empty());
}
