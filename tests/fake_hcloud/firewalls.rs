//! Firewalls at the fake: 120 of them read over three pages through
//! `Cloud::get(…, Some("firewalls"))`, the fake's validation answered as
//! `invalid_input` naming the fields, the rules read back normalised,
//! servers in Hetzner's shape, the bare `/actions` refused, and hostile
//! answers (huge or string ids, unknown statuses, control characters,
//! non-JSON) refused with an error and no panic.

use harden::backend::http::cloud::CloudError;
use harden::backend::http::ErrorKind;
use harden::lab::fake_cloud::hcloud::Fault;
use harden::lab::fake_http::Reply;
use serde_json::json;

use super::*;

#[tokio::test]
async fn one_hundred_twenty_firewalls_over_three_pages() {
    let p = project().await;
    for n in 0..120 {
        p.fake
            .state()
            .add_firewall(&format!("fw-{n:03}"), json!([]))
            .expect("fw");
    }
    let all = p
        .cloud
        .get(None, "/firewalls?per_page=50", Some("firewalls"))
        .await
        .expect("pages");
    let names: Vec<&str> = all
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert_eq!(names.len(), 120);
    assert_eq!((names[0], names[119]), ("fw-000", "fw-119"));
    let targets: Vec<String> = p.fake.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        [
            "/v1/firewalls?per_page=50&page=1",
            "/v1/firewalls?per_page=50&page=2",
            "/v1/firewalls?per_page=50&page=3"
        ]
    );
    let one = p
        .cloud
        .get(None, "/firewalls?name=fw-077", Some("firewalls"))
        .await
        .expect("by name");
    assert_eq!(one.as_array().map(Vec::len), Some(1));
    let e = p
        .cloud
        .get(None, "/firewalls?per_page=51", None)
        .await
        .expect_err("per_page");
    let CloudError::Api(a) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(a.server_code(), Some("invalid_input"));
    assert!(e.to_string().contains("per_page"), "{e}");
}

#[tokio::test]
async fn invalid_rules_refused_naming_the_field() {
    let p = project().await;
    let id = p.fake.state().add_firewall("fw", json!([])).expect("fw");
    let many_ips: Vec<String> = (0..101).map(|n| format!("10.0.{n}.0/24")).collect();
    let many_ips: Vec<&str> = many_ips.iter().map(String::as_str).collect();
    let fifty_one: Vec<_> = (1..=51)
        .map(|n| tcp(&n.to_string(), &["0.0.0.0/0"]))
        .collect();
    let cases = [
        (
            json!([{"direction": "in", "protocol": "icmp", "port": "8", "source_ips": ["0.0.0.0/0"]}]),
            "rules[0].port",
        ),
        (
            json!([tcp("22", &["10.0.0.1/8"])]),
            "rules[0].source_ips[0]",
        ),
        (json!(fifty_one), "at most 50 rules"),
        (json!([tcp("22", &many_ips)]), "at most 100 addresses"),
        (
            json!([{"direction": "out", "protocol": "tcp", "port": "53",
            "source_ips": ["10.0.0.0/8"], "destination_ips": ["0.0.0.0/0"]}]),
            "rules[0].source_ips: must be empty for direction out",
        ),
    ];
    for (rules, field) in cases {
        let e = p.set_rules(id, rules).await.expect_err(field);
        let CloudError::Api(a) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(
            (a.status(), a.server_code(), a.attempts),
            (Some(400), Some("invalid_input"), 1)
        );
        assert!(e.to_string().contains(field), "{field}: {e}");
    }
    assert!(p.fake.state().firewalls[&id].rules.is_empty());
    assert!(
        p.fake.state().actions.is_empty(),
        "no action for a refused call"
    );
}

#[tokio::test]
async fn rules_read_back_normalised() {
    let p = project().await;
    let r = p
        .create(
            "fw",
            json!([tcp("22", &["198.51.100.5", "2001:DB8:0:0::1", "10.0.0.0/8", "::/0"]),
                {"direction": "in", "protocol": "icmp", "source_ips": ["0.0.0.0/0"],
                 "description": "harden icmp"}]),
        )
        .await
        .expect("create");
    let id = r.json["firewall"]["id"].as_u64().expect("id");
    let got = p
        .cloud
        .get(None, &format!("/firewalls/{id}"), None)
        .await
        .expect("get");
    let rules = got["firewall"]["rules"].as_array().expect("rules");
    let mut ips: Vec<&str> = rules[0]["source_ips"]
        .as_array()
        .expect("ips")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    ips.sort_unstable();
    assert_eq!(
        ips,
        ["10.0.0.0/8", "198.51.100.5/32", "2001:db8::1/128", "::/0"]
    );
    assert_eq!(rules[0]["destination_ips"], json!([]));
    assert_eq!(rules[0]["description"], Value::Null);
    assert_eq!(rules[1]["port"], Value::Null);
    assert_eq!(rules[1]["description"], "harden icmp");
    // Renamed and deleted; a second firewall may not take a used name.
    let put = ApiCall::new(
        Method::Put,
        format!("/firewalls/{id}"),
        Some(json!({"name": "fw2"})),
        "rename",
    )
    .expect("call");
    p.call(&put).await.expect("rename");
    assert!(p.fake.state().firewall("fw2").is_some());
    let del =
        ApiCall::new(Method::Delete, format!("/firewalls/{id}"), None, "delete").expect("call");
    assert_eq!(p.call(&del).await.expect("delete").status, 204);
    assert!(p.fake.state().firewalls.is_empty());
}

#[tokio::test]
async fn servers_in_hetzners_shape_and_the_bare_action_list_refused() {
    let p = project().await;
    let id = p
        .fake
        .state()
        .add_server("web-1", "203.0.113.7", "2001:db8:7::/64", "10.0.0.7");
    let s = p
        .cloud
        .get(None, "/servers?name=web-1", None)
        .await
        .expect("servers");
    let server = &s["servers"][0];
    assert_eq!(server["id"], id);
    assert_eq!(server["public_net"]["ipv4"]["ip"], "203.0.113.7");
    assert_eq!(server["public_net"]["ipv6"]["ip"], "2001:db8:7::/64");
    assert_eq!(server["private_net"][0]["ip"], "10.0.0.7");
    assert_eq!(s["meta"]["pagination"]["total_entries"], 1);
    let none = p
        .cloud
        .get(None, "/servers?name=web-2", None)
        .await
        .expect("none");
    assert_eq!(none["servers"], json!([]));
    let e = p
        .cloud
        .get(None, "/servers/999999", None)
        .await
        .expect_err("404");
    assert!(e.to_string().contains("404 not_found"), "{e}");
    let e = p
        .cloud
        .get(None, "/actions", None)
        .await
        .expect_err("bare list");
    let CloudError::Api(a) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(
        (a.status(), a.server_code()),
        (Some(400), Some("invalid_input"))
    );
}

#[tokio::test]
async fn hostile_answers_refused_without_panics() {
    let p = project().await;
    let id = p.fake.state().add_firewall("fw", json!([])).expect("fw");
    let set = format!("/firewalls/{id}/actions/set_rules");
    let hostile = [
        (
            r#"{"actions":[{"id":184467440737095516150,"status":"running"}]}"#,
            "hcloud-action-bad-answer",
        ),
        (
            r#"{"actions":[{"id":1e308,"status":"running"}]}"#,
            "hcloud-action-bad-answer",
        ),
        (
            r#"{"actions":[{"id":"7","status":"running"}]}"#,
            "hcloud-action-bad-answer",
        ),
        (
            r#"{"actions":[{"id":7,"status":"running\u001b[2J"}]}"#,
            "hcloud-action-bad-answer",
        ),
        (r#"{"actions":{"id":7}}"#, "hcloud-action-bad-answer"),
        (
            r#"{"action":{"id":7,"status":"error","error":{"code":"x\u0007","message":"a\u202eb\r\nX: 1"}}}"#,
            "hcloud-action-failed",
        ),
        ("not json \u{1b}[31m at all", "api-bad-answer"),
    ];
    for (body, code) in hostile {
        let reply = Reply::raw(201, body.as_bytes().to_vec());
        p.fake.fault_on("POST", &set, Fault::Reply(reply));
        let e = p.set_rules(id, json!([])).await.expect_err(body);
        assert_eq!(e.code(), code, "{body}: {e}");
        let shown = e.to_string();
        assert!(
            !shown.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "{shown}"
        );
        assert!(shown.len() < 1200, "{shown}");
    }
    // A poll answer that is not JSON, or lists huge ids.
    for body in [
        "<html>",
        r#"{"actions":[{"id":-1,"status":"success"}]}"#,
        r#"{"meta":{}}"#,
    ] {
        p.fake.fault_on(
            "GET",
            "/actions",
            Fault::Reply(Reply::raw(200, body.as_bytes().to_vec())),
        );
        let e = p.set_rules(id, json!([])).await.expect_err(body);
        assert!(
            matches!(e.code(), "hcloud-action-poll" | "hcloud-action-bad-answer"),
            "{body}: {e}"
        );
        if let CloudError::Action(a) = &e {
            if let harden::backend::http::cloud::hcloud_actions::ActionErrorKind::Poll(inner) =
                &a.kind
            {
                assert!(matches!(inner.kind, ErrorKind::BadAnswer(_)), "{inner}");
            }
        }
    }
}
