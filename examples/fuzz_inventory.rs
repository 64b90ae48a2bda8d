//! Long fuzz runs of inventory loading (see `scripts/fuzz.sh`).
//!
//! `fuzz_inventory [--iterations N] [--seconds S] [--seed X] [--save DIR]`
//! feeds generated inputs (harden::inventory::fuzz) to the loader and
//! prints one summary line: inputs run, panics, unlocated diagnostics,
//! oversized outputs, the slowest input and this process's peak RSS.
//! Failing inputs are written to `--save DIR` to reproduce them.
//! Exit code 1 when any input failed a property.

use std::time::{Duration, Instant};

use harden::inventory::fuzz::{check_one, input, Rng, MAX_OUTPUT};

fn arg(args: &[String], name: &str) -> Option<u64> {
    let i = args.iter().position(|a| a == name)?;
    args.get(i + 1).and_then(|v| v.parse().ok())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let iterations = arg(&args, "--iterations").unwrap_or(u64::MAX);
    let seconds = arg(&args, "--seconds").unwrap_or(if iterations == u64::MAX {
        60
    } else {
        u64::MAX / 4
    });
    let seed = arg(&args, "--seed").unwrap_or(0x155_0e07);
    let save = args
        .iter()
        .position(|a| a == "--save")
        .and_then(|i| args.get(i + 1))
        .map(std::path::PathBuf::from);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("inventories");
    let mut seeds: Vec<String> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .filter_map(|p| std::fs::read_to_string(p).ok())
                .collect()
        })
        .unwrap_or_default();
    seeds.sort();
    std::panic::set_hook(Box::new(|_| {}));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut rng = Rng::new(seed);
    let (mut n, mut panics, mut unlocated, mut oversized) = (0u64, 0u64, 0u64, 0u64);
    let (mut worst, mut worst_len, mut max_out) = (Duration::ZERO, 0usize, 0usize);
    while n < iterations && Instant::now() < deadline {
        let bytes = input(&mut rng, &seeds);
        let len = bytes.len();
        let keep = bytes.clone();
        let t = Instant::now();
        let outcome =
            std::panic::catch_unwind(|| check_one(bytes, harden::controls::sections::sections()));
        let took = t.elapsed();
        if took > worst {
            (worst, worst_len) = (took, len);
        }
        let bad = match outcome {
            Err(_) => {
                panics += 1;
                true
            }
            Ok(o) => {
                max_out = max_out.max(o.text.len());
                let u = !o.unlocated.is_empty();
                let big = o.text.len() > MAX_OUTPUT;
                unlocated += u64::from(u);
                oversized += u64::from(big);
                u || big
            }
        };
        if bad {
            if let Some(d) = &save {
                let _ = std::fs::create_dir_all(d);
                let _ = std::fs::write(d.join(format!("input-{n}.toml")), &keep);
            }
        }
        n += 1;
    }
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    println!(
        "inputs={n} panics={panics} unlocated={unlocated} oversized={oversized} worst_ms={} worst_input_bytes={worst_len} max_output_bytes={max_out} peak_rss_kb={} seed={seed}",
        worst.as_millis(),
        usage.ru_maxrss
    );
    if panics + unlocated + oversized > 0 {
        std::process::exit(1);
    }
}
