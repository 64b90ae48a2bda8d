//! Test-only: the non-test Rust sources under `src/`, for the tests that
//! hold a contract (check kinds, warning codes) against the code itself.

use std::path::PathBuf;

/// The crate's root directory.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `src/` that is not a test file, as its path
/// relative to the crate root (`src/…`, `/`-separated) and its text with
/// an inline `#[cfg(test)] mod tests { … }` at the end cut off. Sorted by
/// path.
pub fn files() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut dirs = vec![root().join("src")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).expect("src dir").flatten() {
            let p = e.path();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if p.is_dir() {
                dirs.push(p);
            } else if name.ends_with(".rs") && !name.ends_with("_tests.rs") && name != "tests.rs" {
                let text = std::fs::read_to_string(&p).expect("read source");
                let text = match text.find("#[cfg(test)]\nmod tests {") {
                    Some(i) => text[..i].to_string(),
                    None => text,
                };
                let rel = p.strip_prefix(root()).unwrap_or(&p).display().to_string();
                out.push((rel, text));
            }
        }
    }
    out.sort();
    out
}
