//! Puts the git commit into `harden --version` (env HARDEN_COMMIT at
//! compile time): `git rev-parse --short HEAD`, else the HARDEN_COMMIT
//! environment variable (a source tarball), else "unknown".

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let o = Command::new("git").args(args).output().ok()?;
    let s = String::from_utf8(o.stdout).ok()?.trim().to_string();
    (o.status.success() && !s.is_empty()).then_some(s)
}

fn main() {
    println!("cargo:rerun-if-env-changed=HARDEN_COMMIT");
    // A worktree's HEAD is not under ./.git: ask git where it is.
    match git(&["rev-parse", "--absolute-git-dir"]) {
        Some(dir) => println!("cargo:rerun-if-changed={dir}/HEAD"),
        None => println!("cargo:rerun-if-changed=build.rs"),
    }
    if let Some(common) = git(&["rev-parse", "--git-common-dir"]) {
        println!("cargo:rerun-if-changed={common}/refs/heads");
    }
    let ok = |s: &String| s.len() <= 40 && s.chars().all(|c| c.is_ascii_alphanumeric());
    let commit = git(&["rev-parse", "--short", "HEAD"])
        .filter(ok)
        .or_else(|| {
            std::env::var("HARDEN_COMMIT")
                .ok()
                .filter(|s| !s.is_empty() && ok(s))
        })
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=HARDEN_COMMIT={commit}");
}
