//! The SVG text: escaped, self-contained, bounded.

use super::svg;
use crate::testkit;

#[test]
fn hostile_names_are_escaped_and_nothing_active_is_emitted() {
    // The inventory refuses `<` in text; the picture must not rely on it.
    let mut inv = testkit::inventory()
        .host("web", "10.213.0.12", "app")
        .with(r#"allow = [ { port = 443, comment = "x" } ]"#)
        .load();
    inv.hosts[0].tenant = Some("a<b&c\"d'e".into());
    inv.hosts[0].name = "<script>&x".into();
    let s = svg(&inv).unwrap();
    assert!(s.contains("tenant a&lt;b&amp;c&quot;d&apos;e"), "{s}");
    assert!(s.contains("&lt;script&gt;&amp;x"), "{s}");
    assert!(!s.contains("a<b") && !s.contains("<script>&x"), "{s}");
    for bad in [
        "<script",
        "<foreignObject",
        "href",
        "http://",
        "https://",
        "<style",
    ] {
        let rest = s.replacen("xmlns=\"http://www.w3.org/2000/svg\"", "", 1);
        assert!(!rest.contains(bad), "{bad} in {s}");
    }
    assert!(s.starts_with("<svg") && s.ends_with("</svg>"));
    assert!(s.contains("width=\"100%\"") && s.contains("viewBox=\"0 0 900 "));
    assert!(s.contains("PRODUCTION · tenant"), "text, not only colour");
    assert!(s.contains("443/tcp</tspan> ← anyone"), "{s}");
}

#[test]
fn an_empty_estate_draws_nothing() {
    let mut inv = testkit::inventory().host("a", "10.213.0.12", "app").load();
    inv.hosts.clear();
    assert_eq!(svg(&inv).unwrap(), "");
}

#[test]
fn two_hundred_hosts_render_bounded() {
    let mut b = testkit::inventory().management_sources(&["198.51.100.0/28"]);
    for i in 0..200 {
        let role = ["gatekeeper", "app", "data"][i % 3];
        b = b
            .host(
                &format!("h{i:03}"),
                &format!("10.1.{}.{}", i / 200, i % 200 + 1),
                role,
            )
            .with(&format!(r#"tenant = "t{}""#, i % 7))
            .with(&format!(
                r#"allow = [ {{ port = {}, from = ["10.9.{i}.0/24"] }} ]"#,
                1000 + i
            ));
        if i % 2 == 1 {
            b = b.environment("test");
        }
    }
    let inv = b.load();
    let t = std::time::Instant::now();
    let s = svg(&inv).unwrap();
    let took = t.elapsed();
    assert!(took < std::time::Duration::from_secs(10), "{took:?}");
    assert!(s.len() < 2_000_000, "{} bytes", s.len());
    assert_eq!(s.matches("<svg").count(), 1);
    assert!(
        s.contains("h199") && s.contains("other networks"),
        "nets beyond the cap merge"
    );
    let m = super::model::build(&inv);
    assert_eq!(m.hosts.len(), 200);
    assert_eq!(m.groups.len(), 14);
}

#[test]
fn the_evidence_page_embeds_the_example_picture() {
    let inv = crate::inventory::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("inventories/example.toml"),
        crate::controls::sections::sections(),
    )
    .expect("the example inventory");
    let svg = super::svg(&inv).expect("the picture");
    let kept = crate::report::evidence::html::safe_svg(&svg)
        .expect("the evidence page's guard keeps the real picture");
    assert!(
        kept.contains("hz-a-gw-1") && kept.starts_with("<svg"),
        "{kept:.200}"
    );
}
