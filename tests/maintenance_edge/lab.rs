//! The CLI path on a lab host with an OTC account whose API is the
//! scripted fake, served inside the controller's namespace (a thread of
//! this test joins that namespace; the machine's own is not touched):
//! a missing security group and a refused rule open nothing on the host;
//! a window opens at the provider and on the host, `list` shows the
//! provider's opening, `close` closes both, and the audit events name the
//! provider rules; a host that fails after its provider opened gets its
//! provider rule closed again (a small stateful handler: the rule's window
//! id is only known at run time).

use std::sync::{Arc, Mutex};

use harden::lab::fake_http::Handler;
use harden::lab::Reach;
use serde_json::{json, Value};

use super::ns_fake::{NsFake, Served};
use crate::fake_api::server::{Reply, Request};
use crate::fake_api::token_file;
use crate::fake_otc::{token_reply, PASSWORD, TOKEN1};
use crate::util::{TestLab, PAIR};

const DB: &str = "10.213.0.11";

/// An inventory with the OTC account at `fake`.
fn cloud_inventory(
    t: &TestLab,
    fake: &NsFake,
    password: &std::path::Path,
    n: u32,
) -> std::path::PathBuf {
    let url = |p: &str| fake.url(p);
    let text = format!(
        "{PAIR}\n[defaults.cloud.otc]\nregion = \"eu-de\"\ndomain = \"OTC-EU-DE-1\"\nproject = \"eu-de_lab\"\nuser = \"harden\"\npassword_file = \"{}\"\niam = \"{}\"\nvpc = \"{}\"\nevs = \"{}\"\necs = \"{}\"\nkms = \"{}\"\n",
        password.display(),
        url("/iam"),
        url("/vpc"),
        url("/evs"),
        url("/ecs"),
        url("/kms"),
    );
    t.inventory(&format!("cloud-{n}.toml"), &text)
}

fn groups(found: bool) -> Reply {
    let g: Vec<Value> = if found {
        vec![json!({"id": "sg-1", "name": "harden-otc-db-1"})]
    } else {
        Vec::new()
    };
    Reply::json(200, json!({ "security_groups": g }))
}

fn rule(id: &str, desc: &str) -> Value {
    json!({"id": id, "security_group_id": "sg-1", "direction": "ingress", "ethertype": "IPv4",
           "protocol": "tcp", "port_range_min": 22, "port_range_max": 22,
           "remote_ip_prefix": "198.51.100.0/28", "description": desc})
}

fn rules(list: Vec<Value>) -> Reply {
    Reply::json(200, json!({ "security_group_rules": list }))
}

fn shape(reqs: &[Request]) -> Vec<String> {
    reqs.iter()
        .map(|r| format!("{} {}", r.method, r.path()))
        .collect()
}

fn audit(t: &TestLab, action: &str) -> Vec<Value> {
    std::fs::read_to_string(t.audit_log())
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["action"] == action)
        .collect()
}

#[test]
fn window_at_the_provider_and_on_the_host_or_on_neither() {
    let t = TestLab::pair("");
    t.harden(&["apply", "--yes"]).code(0);
    let mgmt = t.lab.mgmt_ns();
    let ns = t.lab.controller_ns();
    let (_pw_dir, password) = token_file(PASSWORD);
    let open = |inv: &std::path::Path| {
        t.harden_with(
            inv,
            &[
                "maintenance",
                "open",
                "--host",
                "otc-db-1",
                "--for",
                "10m",
                "--reason",
                "OPS-7",
            ],
        )
    };

    // 1. No security group: nothing opened anywhere.
    let fake = NsFake::start(&ns, vec![token_reply(TOKEN1, 3600), groups(false)]);
    let inv = cloud_inventory(&t, &fake, &password, 1);
    open(&inv)
        .code(1)
        .says("no security group harden-otc-db-1; run harden apply first")
        .says("nothing was opened on the host");
    assert_eq!(
        shape(&fake.api().requests())[1..],
        ["GET /vpc/v2.0/security-groups"]
    );
    assert_eq!(t.reach(&mgmt, DB, 22), Reach::Dropped);
    drop(fake);

    // 2. The rule is refused: nothing left at the provider, nothing on the host.
    let neutron = br#"{"NeutronError": {"type": "SecurityGroupRuleParameterConflict", "message": "refused", "detail": ""}}"#;
    let fake = NsFake::start(
        &ns,
        vec![
            token_reply(TOKEN1, 3600),
            groups(true),
            rules(vec![]),
            Reply::raw(400, neutron.to_vec()),
            groups(true),
            rules(vec![]),
        ],
    );
    let inv = cloud_inventory(&t, &fake, &password, 2);
    open(&inv)
        .code(1)
        .says("(nothing was opened at the provider); nothing was opened on the host");
    assert_eq!(
        fake.api().unused(),
        0,
        "the rollback read the group's rules"
    );
    assert_eq!(t.reach(&mgmt, DB, 22), Reach::Dropped);
    drop(fake);

    // 3. Opened at the provider and on the host; an overdue rule is closed.
    let fake = NsFake::start(
        &ns,
        vec![
            token_reply(TOKEN1, 3600),
            groups(true),
            rules(vec![rule(
                "r-old",
                "harden maintenance w99998888 until 2026-01-01T00:00:00Z",
            )]),
            Reply::raw(204, Vec::new()),
            Reply::json(201, json!({"security_group_rule": {"id": "r-new"}})),
        ],
    );
    let inv = cloud_inventory(&t, &fake, &password, 3);
    let r = open(&inv);
    r.code(0)
        .says("otc-db-1: opened w")
        .says("at the provider (harden-otc-db-1)")
        .says("closed overdue w99998888");
    let reqs = fake.api().requests();
    assert_eq!(
        shape(&reqs)[1..],
        [
            "GET /vpc/v2.0/security-groups",
            "GET /vpc/v2.0/security-group-rules",
            "DELETE /vpc/v2.0/security-group-rules/r-old",
            "POST /vpc/v2.0/security-group-rules",
        ]
    );
    let body = reqs[4].json();
    let desc = body["security_group_rule"]["description"]
        .as_str()
        .expect("description")
        .to_string();
    let window = desc
        .strip_prefix("harden maintenance ")
        .and_then(|d| d.split(' ').next())
        .expect("window id")
        .to_string();
    let until = desc.rsplit(' ').next().expect("until").to_string();
    assert_eq!(
        body["security_group_rule"]["remote_ip_prefix"],
        "198.51.100.0/28"
    );
    assert!(
        r.stdout.contains(&format!("until {until} (10m)")),
        "{}",
        r.stdout
    );
    assert_eq!(t.reach(&mgmt, DB, 22), Reach::Connected, "open on the host");
    drop(fake);
    let intent = audit(&t, "maintenance-open-intent");
    let intent = intent.last().expect("intent");
    assert_eq!(
        intent["details"]["provider"]["otc-db-1"]["object"],
        "harden-otc-db-1"
    );
    let opened = audit(&t, "maintenance-open");
    let p = &opened.last().expect("event")["details"]["provider"]["otc-db-1"];
    assert_eq!(p["opened"][0]["id"], "r-new");
    assert_eq!(p["opened"][0]["until"], json!(until));
    assert_eq!(p["closed"][0]["window"], "w99998888");
    // The host's timeout ends at the provider's instant (within the run).
    let host_left = t
        .harden(&[
            "maintenance",
            "list",
            "--host",
            "otc-db-1",
            "--format",
            "json",
        ])
        .json()["hosts"][0]["elements"][0]["remaining_secs"]
        .as_u64()
        .expect("remaining");
    let provider_left = harden::timefmt::parse_rfc3339(&until)
        .expect("rfc3339")
        .saturating_sub(harden::timefmt::now());
    assert!(
        host_left.abs_diff(provider_left) <= 2,
        "{host_left} vs {provider_left}"
    );

    // 4. list shows the provider's opening; close closes both.
    let ours = rule("r-new", &desc);
    let fake = NsFake::start(
        &ns,
        vec![
            token_reply(TOKEN1, 3600),
            groups(true),
            rules(vec![ours.clone()]),
            token_reply(TOKEN1, 3600),
            groups(true),
            rules(vec![ours]),
            Reply::raw(204, Vec::new()),
        ],
    );
    let inv = cloud_inventory(&t, &fake, &password, 4);
    let l = t.harden_with(
        &inv,
        &[
            "maintenance",
            "list",
            "--host",
            "otc-db-1",
            "--format",
            "json",
        ],
    );
    l.code(0);
    let openings = &l.json()["hosts"][0]["provider"]["openings"];
    assert_eq!(openings[0]["window"], json!(window));
    assert_eq!(openings[0]["until"], json!(until));
    t.harden_with(
        &inv,
        &[
            "maintenance",
            "close",
            "--host",
            "otc-db-1",
            "--id",
            &window,
        ],
    )
    .code(0)
    .says(&format!("otc-db-1: closed {window}"))
    .says("at the provider (harden-otc-db-1)");
    let reqs = fake.api().requests();
    assert_eq!(
        shape(&reqs).last().map(String::as_str),
        Some("DELETE /vpc/v2.0/security-group-rules/r-new")
    );
    assert_eq!((fake.api().unused(), fake.api().unexpected()), (0, 0));
    assert_eq!(t.reach(&mgmt, DB, 22), Reach::Dropped);
    let closed = audit(&t, "maintenance-close");
    let p = &closed.last().expect("event")["details"]["provider"]["otc-db-1"];
    assert_eq!(p["closed"][0]["id"], "r-new");
}

/// A security group `sg-1` that keeps the rules posted to it.
fn stateful_group(rules_held: Arc<Mutex<Vec<Value>>>) -> Handler {
    Arc::new(move |req: Request| {
        let mut held = rules_held.lock().expect("lock");
        match (req.method.as_str(), req.path()) {
            ("POST", "/iam/v3/auth/tokens") => token_reply(TOKEN1, 3600),
            ("GET", "/vpc/v2.0/security-groups") => groups(true),
            ("POST", "/vpc/v2.0/security-group-rules") => {
                let mut r = req.json()["security_group_rule"].clone();
                let id = format!("r-{}", held.len() + 1);
                r["id"] = json!(id);
                held.push(r);
                Reply::json(201, json!({"security_group_rule": {"id": id}}))
            }
            ("GET", "/vpc/v2.0/security-group-rules") => rules(held.clone()),
            ("DELETE", p) => {
                let id = p.rsplit('/').next().unwrap_or("");
                let before = held.len();
                held.retain(|r| r["id"] != json!(id));
                if held.len() < before {
                    Reply::raw(204, Vec::new())
                } else {
                    Reply::error(404, "not_found", "no such rule")
                }
            }
            _ => Reply::error(500, "fake_unexpected", "unexpected request"),
        }
    })
}

#[test]
fn a_host_that_fails_after_its_provider_opened_is_closed_again_there() {
    let t = TestLab::pair("");
    t.harden(&["apply", "--yes"]).code(0);
    let (_pw_dir, password) = token_file(PASSWORD);
    let held = Arc::new(Mutex::new(Vec::new()));
    let fake = NsFake::serve(
        &t.lab.controller_ns(),
        Served::Handler(stateful_group(held.clone())),
    );
    let inv = cloud_inventory(&t, &fake, &password, 1);
    // The host step fails: harden's table is gone from the lab host.
    t.on("otc-db-1", "nft delete table inet harden");
    t.harden_with(
        &inv,
        &[
            "maintenance",
            "open",
            "--host",
            "otc-db-1",
            "--for",
            "10m",
            "--reason",
            "OPS-8",
        ],
    )
    .code(1)
    .says("is not loaded; run harden apply first")
    .says("the host did not open, so w")
    .says("was closed again at the provider (1 rule(s))");
    assert!(
        held.lock().expect("lock").is_empty(),
        "nothing left at the provider"
    );
    let failed = audit(&t, "maintenance-open-failed");
    let f = &failed.last().expect("event")["details"]["failed"][0];
    assert_eq!(f["host"], "otc-db-1");
    assert_eq!(f["provider"], "rolled back");
}
