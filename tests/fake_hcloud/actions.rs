//! Waiting for Hetzner actions: create, set_rules and apply_to each return
//! only when their actions succeeded, polled in batches of at most 25 ids;
//! an action ending in error fails the call with its code, one never
//! ending fails within the rounds and the time budget, an id missing from
//! a poll answer fails; the default wait of `Cloud::call` on a client from
//! `cloud::build` polls every 500 ms.

use std::time::{Duration, Instant};

use harden::backend::http::cloud::{build, ActionWait, CloudError, CloudKey, HetznerSettings};
use harden::backend::http::Credential;
use harden::lab::fake_cloud::hcloud::{ActionEnd, Fault, Resource};
use harden::lab::fake_http::Reply;
use serde_json::json;

use super::*;

#[tokio::test]
async fn create_set_rules_and_apply_each_wait_for_their_actions() {
    let p = project().await;
    let web = p
        .fake
        .state()
        .add_server("web-1", "203.0.113.7", "2001:db8:7::/64", "10.0.0.7");
    let r = p
        .create("harden-web-1", json!([tcp("22", &["198.51.100.5"])]))
        .await
        .expect("create");
    assert_eq!(r.status, 201);
    let id = r.json["firewall"]["id"].as_u64().expect("id");
    let first = r.json["actions"][0]["id"].as_u64().expect("action");
    // The answer comes back with the actions' final state.
    assert_eq!(r.json["actions"][0]["status"], "success");
    assert_eq!(r.json["actions"][0]["command"], "set_firewall_rules");
    let polls = p.polls();
    assert_eq!(
        polls.len(),
        2,
        "running for 1 poll, done on the 2nd: {polls:?}"
    );
    assert_eq!(polls[0], format!("/v1/actions?id={first}&per_page=25"));

    let r = p
        .set_rules(id, json!([tcp("443", &["0.0.0.0/0", "::/0"])]))
        .await
        .expect("set");
    assert_eq!(r.json["actions"].as_array().map(Vec::len), Some(1));
    assert_eq!(p.polls().len(), 4);

    let apply = json!({"apply_to": [{"type": "server", "server": {"id": web}}]});
    let path = format!("/firewalls/{id}/actions/apply_to_resources");
    p.call(&post(&path, apply, "apply firewall"))
        .await
        .expect("apply");
    assert_eq!(p.polls().len(), 6);
    assert_eq!(
        p.fake.state().firewalls[&id].applied_to,
        [Resource::Server(web)]
    );

    // Applied to a server, set_rules starts two actions: one poll asks both.
    let r = p
        .set_rules(id, json!([tcp("22", &["198.51.100.5"])]))
        .await
        .expect("set again");
    let started: Vec<u64> = r.json["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .filter_map(|a| a["id"].as_u64())
        .collect();
    assert_eq!(started.len(), 2);
    let polls = p.polls();
    assert_eq!(polls.len(), 8);
    assert_eq!(ids_of(&polls[6]), started);
    assert!(r.json["actions"]
        .as_array()
        .expect("a")
        .iter()
        .all(|a| a["status"] == "success"));
    // Every poll names its ids; none is the bare list.
    assert!(polls.iter().all(|t| !ids_of(t).is_empty()), "{polls:?}");
    let server = p
        .cloud
        .get(None, &format!("/servers/{web}"), None)
        .await
        .expect("server");
    assert_eq!(server["server"]["public_net"]["firewalls"][0]["id"], id);
}

#[tokio::test]
async fn many_actions_polled_in_batches_of_25() {
    let p = project().await;
    let id = {
        let mut st = p.fake.state();
        for n in 0..30 {
            let s = st.add_server(&format!("s{n}"), "", "", "");
            st.servers
                .get_mut(&s)
                .expect("s")
                .labels
                .insert("fw".into(), "edge".into());
        }
        let id = st.add_firewall("edge", json!([])).expect("fw");
        let f = st.firewalls.get_mut(&id).expect("fw");
        f.applied_to = vec![Resource::LabelSelector("fw=edge".into())];
        id
    };
    let r = p
        .set_rules(id, json!([tcp("80", &["0.0.0.0/0"])]))
        .await
        .expect("set");
    assert_eq!(r.json["actions"].as_array().map(Vec::len), Some(31));
    let polls = p.polls();
    let sizes: Vec<usize> = polls.iter().map(|t| ids_of(t).len()).collect();
    assert_eq!(sizes, [25, 6, 25, 6], "{polls:?}");
    let mut asked: Vec<u64> = polls.iter().flat_map(|t| ids_of(t)).collect();
    asked.sort_unstable();
    asked.dedup();
    assert_eq!(asked.len(), 31);
}

#[tokio::test]
async fn action_error_after_three_polls_fails_the_call_with_its_code() {
    let p = project().await;
    let id = p
        .fake
        .state()
        .add_firewall("fw", json!([tcp("22", &["10.0.0.0/8"])]))
        .expect("fw");
    let before = p.fake.state().firewalls[&id].rules.clone();
    p.fake.script_action(
        3,
        ActionEnd::Error {
            code: "firewall_resource_not_found".into(),
            message: "the server\u{1b}[2J is gone\nreally".into(),
        },
    );
    let e = p
        .set_rules(id, json!([tcp("443", &["0.0.0.0/0"])]))
        .await
        .expect_err("error");
    let CloudError::Action(a) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(e.code(), "hcloud-action-failed");
    let shown = a.to_string();
    assert!(
        shown.contains("set_firewall_rules) failed: firewall_resource_not_found"),
        "{shown}"
    );
    assert!(
        shown.contains("the server\\u{1b}[2J is gone\\nreally"),
        "{shown}"
    );
    assert!(!shown.chars().any(char::is_control), "{shown}");
    assert_eq!(p.polls().len(), 4, "3 running, the 4th the error");
    assert_eq!(
        p.fake.state().firewalls[&id].rules,
        before,
        "the fake did not change"
    );
}

#[tokio::test]
async fn action_never_finishing_fails_within_the_bounds() {
    let p = project().await;
    let id = p.fake.state().add_firewall("fw", json!([])).expect("fw");
    p.fake.script_action(0, ActionEnd::Never);
    let wait = ActionWait {
        poll: Duration::from_millis(10),
        max_polls: 10_000,
        budget: Duration::from_millis(300),
    };
    let call = post(
        &format!("/firewalls/{id}/actions/set_rules"),
        json!({"rules": []}),
        "clear",
    );
    let t = Instant::now();
    let e = p
        .cloud
        .call_waiting(&call, &wait)
        .await
        .expect_err("timeout");
    let took = t.elapsed();
    assert_eq!(e.code(), "hcloud-action-timeout", "{e}");
    assert!(
        took >= Duration::from_millis(250) && took < Duration::from_secs(1),
        "{took:?}"
    );
    assert!(e.to_string().contains("still running after"), "{e}");
    // The round cap: exactly that many polls.
    p.fake.script_action(0, ActionEnd::Never);
    let wait = ActionWait {
        max_polls: 5,
        budget: Duration::from_secs(5),
        ..wait
    };
    let e = p
        .cloud
        .call_waiting(&call, &wait)
        .await
        .expect_err("rounds");
    assert_eq!(e.code(), "hcloud-action-timeout");
    assert!(e.to_string().contains("after 5 poll(s)"), "{e}");
    let last = *p.fake.state().actions.keys().last().expect("action");
    let asked = p.polls().iter().filter(|t| ids_of(t) == [last]).count();
    assert_eq!(asked, 5);
    // A poll request that hangs is cut off at the budget too.
    p.fake.script_action(1, ActionEnd::Success);
    p.fake
        .fault_on("GET", "/actions", Fault::Slow(Duration::from_secs(5)));
    let wait = ActionWait {
        budget: Duration::from_millis(400),
        ..wait
    };
    let t = Instant::now();
    let e = p
        .cloud
        .call_waiting(&call, &wait)
        .await
        .expect_err("slow poll");
    assert_eq!(e.code(), "hcloud-action-timeout", "{e}");
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
}

#[tokio::test]
async fn a_bad_wait_setting_refuses_the_write_before_sending() {
    let p = project().await;
    let wait = ActionWait {
        budget: Duration::from_millis(5),
        ..quick()
    };
    let call = post("/firewalls", json!({"name": "fw"}), "create fw");
    let e = p
        .cloud
        .call_waiting(&call, &wait)
        .await
        .expect_err("refused");
    assert_eq!(e.code(), "hcloud-action-setting", "{e}");
    assert!(p.fake.requests().is_empty());
}

#[tokio::test]
async fn an_action_missing_from_the_poll_answer_fails() {
    let p = project().await;
    let id = p.fake.state().add_firewall("fw", json!([])).expect("fw");
    p.fake.fault_on(
        "GET",
        "/actions",
        Fault::Reply(Reply::json(200, json!({"actions": []}))),
    );
    let e = p.set_rules(id, json!([])).await.expect_err("missing");
    assert_eq!(e.code(), "hcloud-action-missing", "{e}");
    // One not asked for is refused as well.
    p.fake.fault_on(
        "GET",
        "/actions",
        Fault::Reply(Reply::json(
            200,
            json!({"actions": [{"id": 1, "status": "success"}]}),
        )),
    );
    let e = p.set_rules(id, json!([])).await.expect_err("unasked");
    assert_eq!(e.code(), "hcloud-action-bad-answer", "{e}");
    assert!(e.to_string().contains("not asked for"), "{e}");
}

#[tokio::test]
async fn cloud_from_build_waits_with_the_default_interval() {
    let fake = HcloudFake::start("127.0.0.1:0").await.expect("fake");
    fake.token(RW, TokenKind::ReadWrite);
    let (_dir, path) = token_file(RW);
    let key = CloudKey::Hetzner(HetznerSettings {
        endpoint: fake.url(),
        token: Credential::FromFile(path),
    });
    let cloud = build(&key, Duration::from_secs(5)).expect("build");
    let t = Instant::now();
    let body = json!({"name": "harden-web", "rules": [tcp("22", &["10.0.0.0/8"])]});
    let r = cloud
        .call(&post("/firewalls", body, "create"))
        .await
        .expect("create");
    let took = t.elapsed();
    assert_eq!(r.json["actions"][0]["status"], "success");
    // Running for one poll, done on the second: two 500 ms pauses.
    assert!(
        took >= Duration::from_millis(950) && took < Duration::from_secs(3),
        "{took:?}"
    );
    assert_eq!(fake.state().requests_to("GET", "/actions").len(), 2);
    assert!(fake.state().firewall("harden-web").is_some());
}
