//! A partly failed apply, in every format: the host whose firewall changed
//! before its sshd failed counts as changed (and failed), and its error
//! names the host exactly once.

use super::model::{
    with_host_prefix, without_host_prefix, Finding, Fix, HostReport, HostStatus, Report, Status,
    FORMAT_VERSION,
};

fn partly_failed() -> Report {
    let mut fw = Finding::new(
        "firewall",
        "file",
        "/etc/harden/firewall.nft",
        crate::tom::PORTS.id,
    );
    fw.host = "otc-db-1".into();
    fw.status = Status::Changed;
    let mut sshd = Finding::new(
        "sshd",
        "file",
        "/etc/ssh/sshd_config",
        crate::tom::CRITICAL_LOGIN.id,
    )
    .drift("as rendered", "content differs", Fix::Activate);
    sshd.host = "otc-db-1".into();
    let mut h = HostReport {
        status: HostStatus::Failed,
        findings: vec![fw, sshd],
        changes_applied: 1,
        changed: true,
        ..HostReport::failed(
            "otc-db-1",
            "10.213.0.11".into(),
            "otc-db-1: otc-db-1: sshd: validation failed, nothing activated".into(),
            5,
        )
    };
    h.normalise_error();
    Report {
        format_version: FORMAT_VERSION,
        harden_version: "t",
        command: "apply",
        inventory: "i.toml".into(),
        inventory_sha256: String::new(),
        started: "now".into(),
        duration_ms: 5,
        hosts: vec![h],
        plan: None,
        probes: Vec::new(),
        api_reads: Vec::new(),
        host_times: Vec::new(),
    }
}

fn render(r: &Report, f: super::Format) -> String {
    let mut out = Vec::new();
    super::write(r, f, false, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn a_host_changed_then_failed_counts_as_changed_in_every_format() {
    let r = partly_failed();
    let text = render(&r, super::Format::Text);
    assert!(
        text.contains("Apply complete: 1 of 1 hosts changed, 0 in sync, 0 rolled back, 1 failed [1 changed, then failed] (1 checks changed)."),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&render(&r, super::Format::Json)).unwrap();
    assert_eq!(json["hosts"][0]["changed"], true);
    assert_eq!(json["hosts"][0]["status"], "failed");
    let junit = render(&r, super::Format::Junit);
    assert!(
        junit.contains(r#"<property name="changed" value="true"/>"#),
        "{junit}"
    );
    assert!(
        junit.contains(r#"name="run"><error message="sshd: validation failed"#),
        "the host error is a test case even though checks ran: {junit}"
    );
    assert_eq!(r.exit_code(), 1, "still a failure");
}

#[test]
fn an_unchanged_failed_host_is_not_counted_as_changed() {
    let mut r = partly_failed();
    r.hosts[0].changed = false;
    r.hosts[0].findings.clear();
    let text = render(&r, super::Format::Text);
    assert!(
        text.contains("Apply complete: 0 of 1 hosts changed, 0 in sync, 0 rolled back, 1 failed (0 checks changed)."),
        "{text}"
    );
}

#[test]
fn failure_lines_name_the_host_once() {
    let r = partly_failed();
    let text = render(&r, super::Format::Text);
    assert!(!text.contains("otc-db-1: otc-db-1:"), "{text}");
    assert_eq!(
        r.hosts[0].error.as_deref(),
        Some("sshd: validation failed, nothing activated")
    );
    for msg in [
        "x",
        "h: x",
        "h: h: x",
        "h: h: h: verifying after apply: h: h: probe failed",
    ] {
        let one = with_host_prefix("h", msg);
        assert!(one.starts_with("h: "), "{one}");
        assert!(!one.contains("h: h: "), "{one}");
    }
    assert_eq!(without_host_prefix("h", "hh: x"), "hh: x");
}
