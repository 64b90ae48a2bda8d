//! `harden report` on lab hosts: the evidence of a drift run with one host
//! drifting (a managed file edited by hand), fresh and from a saved drift
//! JSON, in JSON and HTML; and a saved file harden must refuse.

mod engine_reads;
mod provider;

use crate::util::{drifting, TestLab};

const DB: &str = "otc-db-1";

fn technical(kind: &str) -> bool {
    kind == "T" || kind == "T/O"
}

#[test]
fn report_names_the_drifting_measure_and_host_fresh_and_from_a_saved_run() {
    let t = TestLab::pair("");
    t.harden(&["apply", "--yes"]).code(0);
    t.on(DB, "echo '# edited by hand' >> /etc/harden/firewall.nft");

    let drift = t.harden(&["drift", "--format", "json"]);
    drift.code(2);
    let d = drift.json();
    let drifts = drifting(&d);
    assert!(
        !drifts.is_empty() && drifts.iter().all(|(h, _, _)| h == DB),
        "{drifts:?}"
    );
    assert_eq!(d["inventory_sha256"].as_str().map(str::len), Some(64));
    let probes = d["probes"].as_array().expect("drift JSON records probes");
    assert!(
        probes.iter().any(|p| p["host"] == DB
            && p["control"] == "firewall"
            && p["probes"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|l| l == "file:/etc/harden/firewall.nft")),
        "the firewall's file probe on {DB} is recorded: {probes:?}"
    );
    // Each host's own read times, within the run.
    let times = d["host_times"]
        .as_array()
        .expect("drift JSON records host times");
    let db_time = times.iter().find(|t| t["host"] == DB).expect("DB's time");
    let (from, to) = (db_time["started"].as_str(), db_time["finished"].as_str());
    assert!(
        from.is_some() && d["started"].as_str() <= from && from <= to,
        "{db_time} in the run of {}",
        d["started"]
    );
    let drift_toms: Vec<String> = d["hosts"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|h| h["findings"].as_array().into_iter().flatten())
        .filter(|f| f["status"] == "drift")
        .filter_map(|f| f["tom"].as_str().map(str::to_string))
        .collect();

    let fresh = t.harden(&["report", "--format", "json"]);
    fresh.code(2);
    let e = fresh.json();
    assert_eq!(e["report_format_version"], 1);
    let named: Vec<(String, Vec<String>)> = e["summary"]["drifting_measures"]
        .as_array()
        .expect("drifting_measures")
        .iter()
        .map(|m| {
            let hosts = m["hosts"].as_array().into_iter().flatten();
            (
                m["tom"].as_str().unwrap_or_default().to_string(),
                hosts
                    .filter_map(|h| h.as_str().map(str::to_string))
                    .collect(),
            )
        })
        .collect();
    assert!(!named.is_empty(), "a drifting measure is named");
    for tom in &drift_toms {
        let m = named
            .iter()
            .find(|(t, _)| t == tom)
            .unwrap_or_else(|| panic!("{tom} not named: {named:?}"));
        assert_eq!(m.1, [DB], "only {DB} drifts");
    }
    // Every technical measure of the TOM is a row; organisational ones are outside.
    let rows: Vec<&str> = e["measures"]
        .as_array()
        .expect("measures")
        .iter()
        .filter_map(|m| m["tom"].as_str())
        .collect();
    let outside: Vec<&str> = e["outside"]
        .as_array()
        .expect("outside")
        .iter()
        .filter_map(|m| m["tom"].as_str())
        .collect();
    for t in harden::tom::ALL {
        if technical(t.kind.label()) {
            assert!(rows.contains(&t.id), "{} missing", t.id);
        } else {
            assert!(outside.contains(&t.id), "{} not outside", t.id);
        }
    }
    assert!(outside.contains(&"TOM-1.1-office-access"));
    assert_eq!(e["run"]["inventory_sha256"], d["inventory_sha256"]);
    let db_info = e["hosts"]
        .as_array()
        .and_then(|h| h.iter().find(|h| h["host"] == DB))
        .expect("DB in hosts");
    assert!(
        db_info["started"].is_string() && db_info["finished"].is_string(),
        "{db_info}"
    );

    let html = t.harden(&["report", "--format", "html"]);
    html.code(2);
    let h = &html.stdout;
    assert!(h.starts_with("<!doctype html>"));
    assert!(h.contains(DB) && h.contains(&drift_toms[0]) && h.contains("✗ drifts"));
    for bad in ["http://", "https://", "src=", "<script"] {
        assert!(!h.contains(bad), "{bad} in the HTML");
    }
    assert!(
        h.contains("<svg") && h.contains(DB),
        "the reachability picture is embedded"
    );

    // The saved drift run gives the same evidence as the fresh one.
    let saved = t.inv.with_file_name("drift.json");
    std::fs::write(&saved, &drift.stdout).expect("save drift JSON");
    let from = t.harden(&[
        "report",
        "--from",
        saved.to_str().expect("path"),
        "--format",
        "json",
    ]);
    from.code(2);
    let f = from.json();
    assert_eq!(f["run"]["source"], "saved");
    assert_eq!(
        f["measures"], e["measures"],
        "--from gives the same evidence"
    );
    assert_eq!(
        f["summary"]["drifting_measures"],
        e["summary"]["drifting_measures"]
    );

    // A saved file of an unknown format version is refused, naming file and field.
    let bad = t.inv.with_file_name("drift-v9.json");
    std::fs::write(
        &bad,
        drift
            .stdout
            .replacen("\"format_version\": 1", "\"format_version\": 9", 1),
    )
    .expect("write");
    t.harden(&["report", "--from", bad.to_str().expect("path")])
        .code(1)
        .says("drift-v9.json: format_version: 9");
}

/// Offline: a saved run of another inventory is refused before anything
/// is written, naming the file and the field.
#[test]
fn a_saved_run_of_another_inventory_is_refused() {
    let inv = concat!(env!("CARGO_MANIFEST_DIR"), "/inventories/example.toml");
    let dir = std::env::temp_dir().join(format!("harden-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let saved = dir.join("other.json");
    let run = format!(
        r#"{{"format_version":1,"harden_version":"0","command":"drift","inventory":"x.toml","inventory_sha256":"{}","started":"2026-12-02T03:00:00Z","duration_ms":1,"hosts":[]}}"#,
        "ab".repeat(32)
    );
    std::fs::write(&saved, run).expect("write");
    let r =
        crate::util::harden_local(&["-i", inv, "report", "--from", saved.to_str().expect("path")]);
    r.code(1)
        .says("other.json: inventory_sha256: the drift run checked another inventory");
    let _ = std::fs::remove_dir_all(&dir);
}
