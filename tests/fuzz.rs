//! Fuzzing inventory loading, bounded and with a fixed seed so a failure
//! reproduces: mutated example inventories, token soups and random bytes
//! through the loader (no panic, every diagnostic located, output bounded),
//! then the real binary on large inputs (bounded output, time and memory).
//! `scripts/fuzz.sh` runs the same generator for longer.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use harden::inventory::fuzz::{check_one, input, Rng, MAX_OUTPUT};

fn seeds() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("inventories");
    let mut out: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    out.sort();
    assert!(
        out.len() >= 2,
        "no example inventories in {}",
        dir.display()
    );
    out
}

#[test]
fn fuzz_inventory_loading_fixed_seed() {
    let seeds = seeds();
    let mut rng = Rng::new(0x155_0e07);
    let (mut loaded, mut refused) = (0, 0);
    let start = Instant::now();
    for i in 0..2500 {
        let bytes = input(&mut rng, &seeds);
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(300)]).into_owned();
        let out =
            std::panic::catch_unwind(|| check_one(bytes, harden::controls::sections::sections()))
                .unwrap_or_else(|_| panic!("input {i} panicked; it starts {head:?}"));
        assert!(
            out.unlocated.is_empty(),
            "input {i}: diagnostics without line:col {:?}; input starts {head:?}",
            out.unlocated
        );
        assert!(
            out.text.len() <= MAX_OUTPUT,
            "input {i}: {} bytes of diagnostics",
            out.text.len()
        );
        if out.ok {
            loaded += 1;
        } else {
            refused += 1;
            assert!(out.text.contains("fuzz.toml:"), "input {i}: {}", out.text);
        }
    }
    // The mix must exercise both outcomes, or the mutators are broken.
    assert!(
        loaded > 10 && refused > 1000,
        "{loaded} loaded, {refused} refused"
    );
    assert!(
        start.elapsed() < Duration::from_secs(120),
        "{:?}",
        start.elapsed()
    );
}

/// Runs `harden check` on `text`; returns stderr, seconds and peak RSS (kB;
/// Linux counts the forked test process before exec, so it is an upper
/// bound). The child is reaped by `wait4`, which std's `wait` cannot report.
#[allow(clippy::zombie_processes)]
fn check_big(name: &str, text: &[u8]) -> (String, f64, i64) {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join(name);
    std::fs::write(&p, text).expect("write");
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_harden"))
        .args(["-i", p.to_str().unwrap_or_default(), "check"])
        .env_remove("HARDEN_INVENTORY")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn harden");
    let mut err = Vec::new();
    if let Some(mut s) = child.stderr.take() {
        // Read at most 4 MB: more is a failure either way.
        let _ = (&mut s).take(4 << 20).read_to_end(&mut err);
    }
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value, and wait4 only writes
    // to the two out-parameters for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32, "wait4");
    (
        String::from_utf8_lossy(&err).into_owned(),
        start.elapsed().as_secs_f64(),
        usage.ru_maxrss,
    )
}

#[test]
fn large_inputs_finish_with_bounded_output() {
    let head = "[defaults]\ncontroller_sources = [\"10.213.0.2\"]\nknown_hosts = \"known_hosts\"\n";
    let mut rng = Rng::new(7);
    let line = format!("{head}x = {}\n", "@\"".repeat(500_000));
    // 10 MB of TOML punctuation, with a line break every 200 bytes or so.
    let soup: Vec<u8> = head
        .bytes()
        .chain((0..10_000_000).map(|_| {
            let alphabet = b"abc=[]{}\"'.,#\\ 1=";
            match rng.below(200) {
                0 => b'\n',
                _ => alphabet[rng.below(alphabet.len())],
            }
        }))
        .collect();
    let strings = format!(
        "{head}x = [{}]\n",
        vec![format!("\"{}\"", "a".repeat(16_000)); 650].join(",\n")
    );
    let over = format!("{head}{}", "#\n".repeat(5 << 20));
    for (name, text, says) in [
        ("line.toml", line.into_bytes(), "error[inv-line-too-long]"),
        ("soup.toml", soup, "error[inv-syntax]"),
        ("strings.toml", strings.into_bytes(), "error[inv-schema]"),
        ("over.toml", over.into_bytes(), "error[inv-too-large]"),
    ] {
        let (err, secs, rss_kb) = check_big(name, &text);
        eprintln!(
            "{name}: {} bytes in, {} bytes of stderr, {secs:.1} s, {rss_kb} kB peak",
            text.len(),
            err.len()
        );
        assert!(err.contains(says), "{name}: {err}");
        assert!(err.contains(&format!("{name}:")), "{name} unlocated: {err}");
        assert!(
            err.len() < 64 * 1024,
            "{name}: {} bytes of stderr",
            err.len()
        );
        assert!(secs < 120.0, "{name}: {secs} s");
        assert!(rss_kb < 1 << 20, "{name}: {rss_kb} kB peak RSS");
    }
}
