//! A deterministic inventory fuzzer: a seeded PRNG and mutators over the
//! example inventories, shared by the bounded run in the test suite
//! (`tests/fuzz.rs`) and the long runs of `scripts/fuzz.sh`.
//!
//! [`check_one`] loads one input and checks the properties every input must
//! have: no panic (the caller catches it), every diagnostic located at a
//! line and column, and output bounded whatever the input size.

/// splitmix64: small, fast and the same on every machine.
pub struct Rng(u64);

impl Rng {
    /// A generator from a fixed seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn bits(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.bits() % n as u64) as usize
        }
    }
}

/// Fragments that stress the TOML parser and the value checks.
const TOKENS: &[&str] = &[
    "\n",
    "\r\n",
    "\t",
    "\0",
    "\u{7f}",
    "\u{85}",
    "\u{2028}",
    "\u{202e}",
    "\"",
    "'",
    "\"\"\"",
    "'''",
    "\\",
    "\\n",
    "\\u2028",
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "=",
    ".",
    ",",
    "#",
    " ",
    "[[hosts]]\n",
    "[defaults]\n",
    "[ca]\n",
    "name = ",
    "extra = [\"Match all\"]",
    "ssh_user = 'x\"$(id)\"'",
    "known_hosts = \"a\\\"b\"",
    "= \"\"\"\nMatch Address 0.0.0.0/0\n\"\"\"",
    "\u{ff}",
    "é",
    "a.b.c.d.e.f.g.h",
    "1979-05-27T07:32:00Z",
    "0x1f",
    "inf",
    "-0",
];

/// Bytes of one fuzz input built from `seeds` (texts of example inventories).
pub fn input(rng: &mut Rng, seeds: &[String]) -> Vec<u8> {
    let seed = seeds
        .get(rng.below(seeds.len()))
        .map(|s| s.as_bytes().to_vec())
        .unwrap_or_default();
    match rng.below(8) {
        0 => (0..rng.below(4096)).map(|_| rng.bits() as u8).collect(),
        1 => {
            let mut out = Vec::new();
            for _ in 0..rng.below(400) {
                out.extend_from_slice(TOKENS[rng.below(TOKENS.len())].as_bytes());
            }
            out
        }
        2 => {
            // One long line: a chunk repeated up to 20 kB (the limit is 16 KiB).
            let mut out = seed.clone();
            let at = rng.below(out.len() + 1);
            let chunk = TOKENS[rng.below(TOKENS.len())].replace('\n', "@");
            let n = 1 + rng.below(20_000 / chunk.len().max(1));
            let long = chunk.repeat(n);
            out.splice(at..at, long.bytes());
            out
        }
        _ => {
            let mut out = seed;
            for _ in 0..1 + rng.below(8) {
                mutate(rng, &mut out, seeds);
            }
            out
        }
    }
}

fn mutate(rng: &mut Rng, b: &mut Vec<u8>, seeds: &[String]) {
    let at = rng.below(b.len() + 1);
    match rng.below(6) {
        0 if at < b.len() => b[at] ^= 1 << rng.below(8),
        1 => b.insert(at, rng.bits() as u8),
        2 => {
            let t = TOKENS[rng.below(TOKENS.len())];
            b.splice(at..at, t.bytes());
        }
        3 => {
            let end = (at + rng.below(64)).min(b.len());
            b.drain(at..end);
        }
        4 => {
            let end = (at + rng.below(256)).min(b.len());
            let dup = b[at..end].to_vec();
            b.splice(at..at, dup);
        }
        _ => {
            if let Some(other) = seeds.get(rng.below(seeds.len())) {
                let o = other.as_bytes();
                let s = rng.below(o.len() + 1);
                let e = (s + rng.below(512)).min(o.len());
                b.splice(at..at, o[s..e].iter().copied());
            }
        }
    }
}

/// Output of one load: the text harden would print and its properties.
pub struct Outcome {
    /// The inventory loaded.
    pub ok: bool,
    /// What `harden check` would print for the inventory's diagnostics.
    pub text: String,
    /// Diagnostics without a line and column.
    pub unlocated: Vec<String>,
}

/// The most output one input may produce: 100 diagnostics of a few
/// kilobytes each, whatever the size of the input.
pub const MAX_OUTPUT: usize = 512 * 1024;

/// Loads `bytes` as `fuzz.toml` with the control `sections` and reports
/// what it printed.
pub fn check_one(bytes: Vec<u8>, sections: &[&dyn crate::contract::section::Section]) -> Outcome {
    let path = std::path::Path::new("fuzz.toml");
    match super::load_bytes(path, bytes, sections) {
        Ok(inv) => Outcome {
            ok: true,
            unlocated: inv
                .warnings
                .iter()
                .filter(|d| d.line == 0 || d.col == 0)
                .map(|d| d.to_string())
                .collect(),
            text: inv.warnings.iter().map(|d| format!("{d}\n")).collect(),
        },
        Err(e) => {
            let unlocated = match &e {
                super::LoadError::Invalid(d) => d
                    .kept()
                    .iter()
                    .filter(|d| d.line == 0 || d.col == 0)
                    .map(|d| d.to_string())
                    .collect(),
                super::LoadError::Io { .. } => vec![e.to_string()],
            };
            Outcome {
                ok: false,
                text: e.to_string(),
                unlocated,
            }
        }
    }
}
