//! The writers: the JSON field set against docs/report.md, escaping of
//! hostile values in HTML and Markdown, the HTML's self-containment and
//! print layout, and the SVG embedding guard.

use std::collections::BTreeSet;

use super::html::safe_svg;
use super::tests::evidence;
use super::Evidence;

/// Every key path of `v` (`summary.drifting_measures[].tom`).
fn paths(v: &serde_json::Value, at: &str, out: &mut BTreeSet<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                let p = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                out.insert(p.clone());
                paths(x, &p, out);
            }
        }
        serde_json::Value::Array(a) => {
            for x in a {
                paths(x, &format!("{at}[]"), out);
            }
        }
        _ => {}
    }
}

/// The evidence with every optional field filled and hostile values.
fn full() -> Evidence {
    let mut e = evidence(true, true);
    let m = e
        .measures
        .iter_mut()
        .find(|m| m.tom == "TOM-1.2-ports")
        .expect("ports");
    let f = &mut m.hosts[0].findings[0];
    f.message = Some("x".into());
    f.item = "<script>alert('item')</script> | `x` *y* http://evil.example/".into();
    e.hosts[0].host = "<script>alert(1)</script>".into();
    m.hosts[0].host = e.hosts[0].host.clone();
    m.hosts[0].api_reads.push(super::ApiReadUse {
        control: "cloud".into(),
        service: "hcloud".into(),
        method: "GET".into(),
        path: "/servers?name=*&<b>=*".into(),
        pages: 2,
        at: "2026-12-02T03:00:04Z".into(),
        cached: true,
    });
    e.hosts[0].started = Some("2026-12-02T03:00:01Z".into());
    e.hosts[0].finished = Some("2026-12-02T03:00:07Z".into());
    let down = &mut e.summary.unreachable_hosts[0];
    (down.started, down.finished) = (Some("2026-12-02T03:00:01Z".into()), Some("x".into()));
    e
}

fn html(e: &Evidence, svg: &str) -> String {
    let mut out = Vec::new();
    super::html::write(e, svg, &mut out).expect("write");
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn json_fields_are_exactly_the_documented_ones() {
    let v = serde_json::to_value(full()).expect("json");
    let mut have = BTreeSet::new();
    paths(&v, "", &mut have);
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/report.md"))
        .expect("docs/report.md");
    let start = doc
        .find("<!-- schema:start -->")
        .expect("schema start marker");
    let end = doc.find("<!-- schema:end -->").expect("schema end marker");
    let documented: BTreeSet<String> = doc[start..end]
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_string)
        .collect();
    assert_eq!(
        have, documented,
        "the evidence JSON fields and docs/report.md's schema table differ: \
         document the field (and bump report_format_version if one changed meaning)"
    );
    assert_eq!(v["report_format_version"], super::REPORT_FORMAT_VERSION);
}

#[test]
fn html_is_self_contained_escaped_and_prints_on_a4() {
    let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><text x="1" y="5">ssh on 22, https</text></svg>"#;
    let h = html(&full(), svg);
    assert!(!h.contains("<script"), "a hostile value opened a script");
    assert!(h.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(h.contains("&lt;script&gt;alert(&apos;item&apos;)"));
    for bad in ["http://", "https://", "src=", "<link", "@import", "url("] {
        // The hostile item carries http://evil.example/ : escaped text, but
        // the URL itself must not reach the page as a reference either.
        let n = h.matches(bad).count();
        let from_item = if bad == "http://" { 2 } else { 0 };
        assert!(n <= from_item, "{bad} appears {n} times");
    }
    assert!(!h.contains("href="), "no link of any kind");
    assert!(h.contains("@page{size:A4;margin:"));
    assert!(h.contains("break-before:page"));
    assert!(h.contains("overflow-wrap:anywhere"));
    assert!(
        h.contains("<svg viewBox"),
        "the picture is embedded, namespace dropped"
    );
    // Summary first, drifting measure named, footer last.
    let summary = h.find("<h2>Summary</h2>").expect("summary");
    let measures = h.find("<h2>Measures</h2>").expect("measures");
    assert!(summary < measures);
    assert!(h[summary..measures].contains("TOM-1.2-ports"));
    assert!(h.contains("✗ drifts") && h.contains("✓ holds") && h.contains("? not checked"));
    assert!(h.contains("Outside harden&apos;s reach") || h.contains("Outside harden's reach"));
    assert!(h.trim_end().ends_with("</body></html>"));
    // The provider read and the host's own read times are evidence.
    assert!(
        h.contains("read by <b>cloud</b> at the provider: <span class=\"mono\">hcloud GET /servers?name=*&amp;&lt;b&gt;=*, 2 pages, at 2026-12-02T03:00:04Z, answered by the run&apos;s earlier read</span>"),
        "{h}"
    );
    assert!(h.contains("read from 2026-12-02T03:00:01Z to 2026-12-02T03:00:07Z"));
    assert!(
        h.contains("read within 3 ms of the run&apos;s start 2026-12-02T03:00:00Z"),
        "a host without recorded times falls back to the run's start"
    );
    assert!(h.contains(&"0".repeat(64)), "the inventory hash is printed");
}

#[test]
fn html_without_evil_item_has_no_url_at_all() {
    let mut e = evidence(true, true);
    e.hosts[0].host = "app".into();
    let h = html(&e, "");
    for bad in ["http", "src=", "href", "<script"] {
        assert!(!h.contains(bad), "{bad}");
    }
    assert!(h.contains("No picture"));
}

#[test]
fn svg_is_embedded_only_when_plain() {
    assert!(
        safe_svg(r#"<svg xmlns="http://www.w3.org/2000/svg"><text>on 443 https</text></svg>"#)
            .is_some()
    );
    assert!(safe_svg(r##"<svg><use href="#a"/></svg>"##).is_some());
    for bad in [
        "<svg><script>alert(1)</script></svg>",
        r#"<svg><image href="http://x/y.png"/></svg>"#,
        r#"<svg onload="alert(1)"></svg>"#,
        r#"<svg><a href="https://x">x</a></svg>"#,
        r#"<svg style="background:url(//x)"></svg>"#,
        "<div>not svg</div>",
    ] {
        assert!(safe_svg(bad).is_none(), "{bad}");
    }
    let h = html(&evidence(false, false), "<svg><script>x</script></svg>");
    assert!(!h.contains("<script") && h.contains("left out"));
}

#[test]
fn markdown_escapes_and_names_the_drift_first() {
    let mut out = Vec::new();
    super::md::write(&full(), &mut out).expect("md");
    let m = String::from_utf8(out).expect("utf-8");
    assert!(!m.contains("<script"));
    assert!(m.contains("\\| \\`x\\` \\*y\\*"), "table markup escaped");
    let summary = m.find("## Summary").expect("summary");
    let measures = m.find("## Measures").expect("measures");
    assert!(m[summary..measures].contains("TOM-1.2-ports"));
    assert!(m.contains("## Outside harden's reach"));
    assert!(m.contains("TOM-1.1-office-access"));
    assert!(
        m.contains("read by cloud at the provider: hcloud GET /servers?name=\\*&amp;&lt;b&gt;=\\*, 2 pages"),
        "{m}"
    );
    assert!(m.contains("read from 2026-12-02T03:00:01Z to 2026-12-02T03:00:07Z"));
}
