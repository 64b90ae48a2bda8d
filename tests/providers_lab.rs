//! Both firewall layers through the real CLI on lab hosts: the three-host
//! estate with the Hetzner and OTC fakes served in the controller's
//! namespace (`lab::fake_cloud::estate`). The first apply creates harden's
//! provider objects beside the host firewalls; a second apply makes no
//! write at either provider and changes nothing on the hosts; a rule
//! deleted by hand at the provider is drift naming it, and apply puts it
//! back.

use harden::lab::fake_cloud::estate::FakeClouds;

use crate::util::{TestLab, ESTATE};

/// The write requests each fake has received so far.
fn writes(c: &FakeClouds) -> (usize, usize) {
    let hz = c
        .hcloud
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .requests
        .iter()
        .filter(|r| r.method != "GET")
        .count();
    let otc = c
        .otc
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .log
        .iter()
        // Reads: GETs, token requests and KMS `describe-key` (the one
        // documented read that is a POST).
        .filter(|l| {
            !l.starts_with("GET ")
                && !l.contains("/v3/auth/tokens")
                && !l.contains("/kms/describe-key")
        })
        .count();
    (hz, otc)
}

#[test]
fn both_layers_apply_once_stay_idempotent_and_repair_a_rule_deleted_by_hand() {
    let t = TestLab::new(&["otc-db-1", "otc-app-1", "hz-gw-1"], "{defaults}");
    let secrets = tempfile::tempdir().expect("secrets dir");
    let clouds = FakeClouds::start(&t.lab.controller_ns(), &secrets.path().join("c"))
        .expect("the provider fakes");
    let inv = t.inventory(
        "both.toml",
        &ESTATE.replace("{defaults}", &format!("{{defaults}}\n{}", clouds.toml())),
    );

    let first = t.harden_with(&inv, &["apply", "--yes", "--format", "json"]);
    first.code(0);
    let (hz, otc) = writes(&clouds);
    assert!(hz >= 1, "the Hetzner firewall was created");
    assert!(otc >= 4, "OTC groups, rules and ports were written ({otc})");
    {
        let h = clouds.hcloud.lock().unwrap_or_else(|p| p.into_inner());
        let fw = h.firewall("harden-hz-gw-1").expect("harden's firewall");
        assert!(!fw.rules.is_empty(), "{fw:?}");
    }
    let groups: Vec<String> = clouds
        .otc
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .groups
        .iter()
        .map(|g| g.name.clone())
        .collect();
    for g in ["harden-otc-db-1", "harden-otc-app-1"] {
        assert!(groups.iter().any(|n| n == g), "{g} in {groups:?}");
    }

    // A second apply: nothing written anywhere, nothing changed on a host.
    let second = t.harden_with(&inv, &["apply", "--yes", "--format", "json"]);
    second.code(0);
    assert_eq!(writes(&clouds), (hz, otc), "no write at either provider");
    for h in second.json()["hosts"].as_array().expect("hosts") {
        assert_eq!(h["changes_applied"], 0, "{h}");
        assert_eq!(h["status"], "in-sync", "{h}");
    }
    t.harden_with(&inv, &["drift"]).code(0);

    // A rule of harden's group on the data host deleted by hand.
    let gone = {
        let mut o = clouds.otc.lock().unwrap_or_else(|p| p.into_inner());
        let gid = o
            .groups
            .iter()
            .find(|g| g.name == "harden-otc-db-1")
            .map(|g| g.id.clone())
            .expect("group");
        let i = o
            .rules
            .iter()
            .position(|r| r.security_group_id == gid && r.port_range_min == Some(5432))
            .expect("the postgres rule");
        o.rules.remove(i)
    };
    let drift = t.harden_with(&inv, &["drift", "--format", "json"]);
    drift.code(2);
    let missing: Vec<String> = drift.json()["hosts"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|h| h["findings"].as_array().cloned().unwrap_or_default())
        .filter(|f| f["check"] == "edge-rules" && f["status"] == "drift")
        .map(|f| f["item"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        missing
            .iter()
            .any(|i| i.contains("harden-otc-db-1") && i.contains("5432")),
        "{missing:?} ({gone:?})"
    );
    t.harden_with(&inv, &["apply", "--yes"]).code(0);
    t.harden_with(&inv, &["drift"]).code(0);
}

/// The source prefixes of every rule in harden's OTC group for `host`.
fn otc_sources(c: &FakeClouds, host: &str) -> Vec<String> {
    let o = c.otc.lock().unwrap_or_else(|p| p.into_inner());
    let Some(gid) = o
        .groups
        .iter()
        .find(|g| g.name == format!("harden-{host}"))
        .map(|g| g.id.clone())
    else {
        return Vec::new();
    };
    o.rules
        .iter()
        .filter(|r| r.security_group_id == gid)
        .filter_map(|r| r.remote_ip_prefix.clone())
        .collect()
}

#[test]
fn a_host_change_rolled_back_gets_no_provider_change_in_the_same_apply() {
    let t = TestLab::new(&["otc-db-1", "otc-app-1", "hz-gw-1"], "{defaults}");
    let secrets = tempfile::tempdir().expect("secrets dir");
    let clouds = FakeClouds::start(&t.lab.controller_ns(), &secrets.path().join("c"))
        .expect("the provider fakes");
    let estate = ESTATE.replace("{defaults}", &format!("{{defaults}}\n{}", clouds.toml()));
    let inv = t.inventory("both.toml", &estate);
    t.harden_with(&inv, &["apply", "--yes", "--limit", "otc-db-1"])
        .code(0);
    let sources = otc_sources(&clouds, "otc-db-1");
    assert!(
        sources.iter().any(|s| s.starts_with("10.213.0.2")),
        "the controller rule is at OTC: {sources:?}"
    );
    let before = writes(&clouds);

    // A controller source that cuts harden off: the host rolls back by
    // itself, and the OTC group must keep the controller rule that works.
    let bad = t.cut_off_inventory(&estate);
    let r = t.apply_rolling_back(&bad);
    r.code(1);
    let j = r.json();
    assert_eq!(j["hosts"][0]["status"], "rolled-back", "{j}");
    assert!(
        j["hosts"][0]["error"]
            .as_str()
            .unwrap_or_default()
            .contains("provider changes not made"),
        "{j}"
    );
    assert_eq!(writes(&clouds), before, "no write at either provider");
    assert_eq!(otc_sources(&clouds, "otc-db-1"), sources);
    t.harden_with(&inv, &["drift", "--limit", "otc-db-1"])
        .code(0);
}
