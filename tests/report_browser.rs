//! The reachability picture in a real browser: the example inventory's
//! `report::reach::svg` in a minimal A4 HTML page, rendered by headless
//! Chromium through `scripts/screenshot.sh` (PNG and PDF). Fails, never
//! skips, when Chromium is missing: `scripts/install-deps.sh` installs it.
//! `HARDEN_BLESS=1` also copies the screenshot to `docs/img/reach.png`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A minimal self-contained page around `body`, printed on A4.
fn page(body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>reach</title>\
         <style>@page {{ size: A4; margin: 12mm }} body {{ margin: 24px; font-family: sans-serif }}</style>\
         </head><body>{body}</body></html>"
    )
}

fn shoot(dir: &Path, name: &str, html: &str) -> (Vec<u8>, Vec<u8>) {
    let input = dir.join(format!("{name}.html"));
    let png = dir.join(format!("{name}.png"));
    let pdf = dir.join(format!("{name}.pdf"));
    std::fs::write(&input, html).unwrap();
    let out = Command::new(root().join("scripts/screenshot.sh"))
        .args([&input, &png, &pdf])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "screenshot.sh failed (is chromium installed? scripts/install-deps.sh): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (std::fs::read(&png).unwrap(), std::fs::read(&pdf).unwrap())
}

/// Width and height from the PNG's IHDR chunk.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(png.len() > 24, "PNG too short");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&png[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&png[16..20]), be(&png[20..24]))
}

fn mediabox_is_a4(pdf: &[u8]) -> bool {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/MediaBox").any(|(i, _)| {
        let tail: String = text[i..].chars().take(60).collect();
        let nums: Vec<f64> = tail
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .filter_map(|s| s.parse().ok())
            .collect();
        nums.len() >= 4 && (nums[2] - 595.0).abs() < 1.0 && (nums[3] - 842.0).abs() < 1.0
    })
}

#[test]
fn reachability_picture_renders_in_chromium_on_a4() {
    let inv = harden::inventory::load(
        &root().join("inventories/example.toml"),
        harden::controls::sections::sections(),
    )
    .unwrap();
    let svg = harden::report::reach::svg(&inv).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("hz-a-gw-1"),
        "{svg}"
    );
    let dir = tempfile_dir();
    let started = Instant::now();
    let (blank_png, _) = shoot(&dir, "blank", &page(""));
    let (png, pdf) = shoot(&dir, "reach", &page(&svg));
    eprintln!(
        "report_browser: two chromium runs (PNG+PDF each) took {:?}",
        started.elapsed()
    );
    assert_eq!(png_size(&png), (1240, 1754));
    assert_eq!(png_size(&blank_png), (1240, 1754));
    // A blank page compresses to almost nothing; the picture does not.
    assert!(
        png.len() > blank_png.len() * 5 && png.len() > 20_000,
        "screenshot looks blank: {} bytes vs blank {}",
        png.len(),
        blank_png.len()
    );
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    assert!(mediabox_is_a4(&pdf), "PDF is not A4 (MediaBox 595x842)");
    if std::env::var_os("HARDEN_BLESS").is_some() {
        let img = root().join("docs/img");
        std::fs::create_dir_all(&img).unwrap();
        std::fs::write(img.join("reach.png"), &png).unwrap();
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempfile_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("harden-report-browser-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}
