//! Writes the laid-out reachability model as one `<svg>` element.
//!
//! Presentation attributes only (no `<style>`, which would leak into the
//! embedding page), no script, no external reference, no
//! `<foreignObject>`; every inventory string goes through [`esc`]. Edges
//! are drawn beneath the boxes; the management port's controller and
//! window sources are listed in each host's rows instead of drawn (they
//! reach every host and would hide the rest).

use std::fmt::Write as _;

use super::layout::{HostBox, Layout, Rect, COL_W, COL_X, SRC_X, TOP, WIDTH};
use super::model::{Edge, Model, Source, When};
use crate::inventory::Environment;
use crate::report::junit::esc;

/// Edges drawn as lines at most (all stay listed in the rows).
pub const MAX_LINES: usize = 1500;

const FONT: &str = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif";

/// Colour of an edge from `s`.
fn colour(s: &Source) -> &'static str {
    match s {
        Source::Anyone => "#c62828",
        Source::Host(_) => "#455a64",
        Source::Management => "#e65100",
        Source::Controller => "#2e7d32",
        Source::Net(_) | Source::OtherNets => "#6a1b9a",
    }
}

fn marker(s: &Source) -> &'static str {
    match s {
        Source::Anyone => "reach-a-anyone",
        Source::Host(_) => "reach-a-host",
        Source::Management => "reach-a-mgmt",
        Source::Controller => "reach-a-ctl",
        Source::Net(_) | Source::OtherNets => "reach-a-net",
    }
}

/// True when the edge is drawn as a line.
pub fn drawn(e: &Edge) -> bool {
    e.when == When::Always && e.from != Source::Controller
}

/// `s` cut to `max` characters, with an ellipsis when cut.
fn fit(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn text(out: &mut String, x: i32, y: i32, size: u32, attrs: &str, body: &str) {
    let _ = write!(
        out,
        r#"<text x="{x}" y="{y}" font-size="{size}" font-family="{FONT}"{attrs}>{}</text>"#,
        esc(body)
    );
}

fn rect(out: &mut String, r: Rect, attrs: &str) {
    let _ = write!(
        out,
        r#"<rect x="{}" y="{}" width="{}" height="{}"{attrs}/>"#,
        r.x, r.y, r.w, r.h
    );
}

fn defs(out: &mut String) {
    out.push_str("<defs>");
    for s in [
        Source::Anyone,
        Source::Host(String::new()),
        Source::Management,
        Source::Controller,
        Source::OtherNets,
    ] {
        let _ = write!(
            out,
            r#"<marker id="{}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="{}"/></marker>"#,
            marker(&s),
            colour(&s)
        );
    }
    out.push_str("</defs>");
}

fn legend_line(out: &mut String, x: i32, y: i32, s: &Source, label: &str) {
    let _ = write!(
        out,
        r#"<line x1="{x}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1.8" marker-end="url(#{})"/>"#,
        y - 4,
        x + 30,
        y - 4,
        colour(s),
        marker(s)
    );
    text(out, x + 38, y, 11, "", label);
}

fn legend(out: &mut String, m: &Model) {
    text(
        out,
        SRC_X,
        20,
        15,
        r##" font-weight="bold" fill="#1a1a1a""##,
        "Who may reach which port on which host",
    );
    text(
        out,
        SRC_X,
        36,
        11,
        r##" fill="#444""##,
        "Drawn from the rendered firewalls (host nftables and provider firewalls share one list). Everything not shown is dropped.",
    );
    let y = 58;
    legend_line(out, SRC_X, y, &Source::Anyone, "open to anyone (internet)");
    legend_line(
        out,
        300,
        y,
        &Source::Host(String::new()),
        "from another host (gatekeeper → backend, app → database)",
    );
    legend_line(
        out,
        SRC_X,
        y + 18,
        &Source::OtherNets,
        "from a named network",
    );
    legend_line(
        out,
        300,
        y + 18,
        &Source::Management,
        "from the management sources, always",
    );
    let y = y + 36;
    rect(
        out,
        Rect {
            x: SRC_X,
            y: y - 10,
            w: 34,
            h: 13,
        },
        r##" rx="2" fill="#1a1a1a""##,
    );
    text(
        out,
        SRC_X + 4,
        y,
        9,
        r##" font-weight="bold" fill="#ffffff""##,
        "DATA",
    );
    text(out, SRC_X + 42, y, 11, "", "holds personal data");
    text(
        out,
        300,
        y,
        11,
        "",
        "“window:” only during a maintenance window (closes by itself)",
    );
    let heads = [
        (SRC_X, "Sources"),
        (COL_X[0], "Gatekeepers, load balancers"),
        (COL_X[1], "Backends, other hosts"),
        (COL_X[2], "Data hosts"),
    ];
    for (x, h) in heads {
        text(
            out,
            x,
            TOP - 8,
            11,
            r##" font-weight="bold" fill="#555""##,
            h,
        );
    }
    if m.omitted_hosts > 0 {
        text(
            out,
            COL_X[1],
            TOP - 22,
            11,
            r##" fill="#c62828""##,
            &format!("{} more hosts not drawn", m.omitted_hosts),
        );
    }
}

fn band_title(m: &Model, g: usize) -> (String, bool) {
    let g = &m.groups[g];
    let prod = g.environment == Environment::Production;
    let env = if prod { "PRODUCTION" } else { "TEST" };
    let tenant = match &g.tenant {
        Some(t) => format!("tenant {t}"),
        None => "no tenant".into(),
    };
    (format!("{env} · {tenant}"), prod)
}

fn bands(out: &mut String, m: &Model, l: &Layout) {
    for b in &l.bands {
        let (title, prod) = band_title(m, b.group);
        let attrs = if prod {
            r##" rx="6" fill="#eef3fa" stroke="#4a6fa5" stroke-width="1.2""##
        } else {
            r##" rx="6" fill="#fdf5e1" stroke="#a07800" stroke-width="1.2" stroke-dasharray="7 4""##
        };
        rect(out, b.rect, attrs);
        let fill = if prod { "#1f3f6b" } else { "#6b5000" };
        text(
            out,
            b.rect.x + 10,
            b.rect.y + 17,
            12,
            &format!(r#" font-weight="bold" fill="{fill}""#),
            &fit(&title, 80),
        );
    }
}

fn edge_path(out: &mut String, from: (i32, i32), to: (i32, i32), s: &Source) {
    let (sx, sy) = from;
    let (tx, ty) = (to.0 - 2, to.1);
    let dx = ((tx - sx) / 2).max(60);
    let width = if *s == Source::Anyone { "1.8" } else { "1.3" };
    let _ = write!(
        out,
        r#"<path d="M{sx} {sy}C{} {sy} {} {ty} {tx} {ty}" fill="none" stroke="{}" stroke-width="{width}" stroke-opacity="0.85" marker-end="url(#{})"/>"#,
        sx + dx,
        tx - dx,
        colour(s),
        marker(s)
    );
}

fn edges(out: &mut String, m: &Model, l: &Layout) {
    for e in m.edges.iter().filter(|e| drawn(e)).take(MAX_LINES) {
        let to = &l.hosts[e.to];
        let Some(k) = m.hosts[e.to].ports.iter().position(|p| p.label == e.port) else {
            continue;
        };
        let from = match &e.from {
            Source::Host(n) => match m.host(n) {
                Some(i) => l.hosts[i].out_anchor(),
                None => continue,
            },
            s => match l.source(s) {
                Some(b) => (b.rect.x + b.rect.w, b.rect.y + 11),
                None => continue,
            },
        };
        edge_path(out, from, to.row_anchor(k), &e.from);
    }
}

fn sources(out: &mut String, l: &Layout) {
    for b in &l.sources {
        let c = colour(&b.source);
        rect(
            out,
            b.rect,
            &format!(r##" rx="4" fill="#ffffff" stroke="{c}" stroke-width="1.4""##),
        );
        text(
            out,
            b.rect.x + 8,
            b.rect.y + 15,
            11,
            &format!(r#" font-weight="bold" fill="{c}""#),
            &b.title,
        );
        for (k, line) in b.lines.iter().enumerate() {
            text(
                out,
                b.rect.x + 8,
                b.rect.y + 29 + 12 * k as i32,
                10,
                r##" fill="#333""##,
                &fit(line, 26),
            );
        }
    }
}

fn row_text(p: &super::model::Port) -> String {
    let mut who: Vec<String> = p.always.iter().map(Source::label).collect();
    if !p.window.is_empty() {
        let w: Vec<String> = p.window.iter().map(Source::label).collect();
        who.push(format!("window: {}", w.join(", ")));
    }
    who.join(", ")
}

fn host(out: &mut String, m: &Model, i: usize, b: &HostBox) {
    let h = &m.hosts[i];
    let attrs = if h.data {
        r##" rx="4" fill="#ffffff" stroke="#1a1a1a" stroke-width="2.4""##
    } else {
        r##" rx="4" fill="#ffffff" stroke="#78909c" stroke-width="1.2""##
    };
    rect(out, b.rect, attrs);
    let (x, y) = (b.rect.x, b.rect.y);
    let name_max = if h.data { 22 } else { 28 };
    text(
        out,
        x + 8,
        y + 16,
        12,
        r##" font-weight="bold" fill="#111""##,
        &fit(&h.name, name_max),
    );
    if h.data {
        rect(
            out,
            Rect {
                x: x + COL_W - 42,
                y: y + 5,
                w: 36,
                h: 14,
            },
            r##" rx="2" fill="#1a1a1a""##,
        );
        text(
            out,
            x + COL_W - 37,
            y + 16,
            9,
            r##" font-weight="bold" fill="#ffffff""##,
            "DATA",
        );
    }
    let roles: Vec<&str> = h.roles.iter().map(|r| r.as_str()).collect();
    let env = match h.environment {
        Environment::Production => "production",
        Environment::Test => "test",
    };
    let meta = format!("{} · {} · {env}", roles.join(", "), h.provider);
    text(out, x + 8, y + 30, 10, r##" fill="#555""##, &fit(&meta, 34));
    for (k, p) in h.ports.iter().take(b.rows).enumerate() {
        let fill = if p.always.contains(&Source::Anyone) {
            "#c62828"
        } else {
            "#222"
        };
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" font-size="10" font-family="{FONT}" fill="{fill}"><tspan font-weight="bold">{}</tspan> ← {}</text>"#,
            x + 8,
            b.row_baseline(k),
            esc(&p.label),
            esc(&fit(
                &row_text(p),
                33usize.saturating_sub(p.label.chars().count())
            ))
        );
    }
    if b.more > 0 {
        text(
            out,
            x + 8,
            b.row_baseline(b.rows),
            10,
            r##" fill="#555""##,
            &format!("+{} more ports", b.more),
        );
    }
}

/// The `<svg>` element for `m` laid out as `l`.
pub fn svg(m: &Model, l: &Layout) -> String {
    let mut out = String::with_capacity(4096 + 900 * m.hosts.len());
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {}" width="100%" role="img" aria-label="Reachability of the estate">"#,
        l.height
    );
    out.push_str("<title>Reachability of the estate: which sources may reach which port on which host</title>");
    defs(&mut out);
    legend(&mut out, m);
    bands(&mut out, m, l);
    edges(&mut out, m, l);
    sources(&mut out, l);
    for (i, b) in l.hosts.iter().enumerate() {
        host(&mut out, m, i, b);
    }
    out.push_str("</svg>");
    out
}
