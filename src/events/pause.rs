//! Test hook: stop at a named point of a run so a fault-injection test can
//! kill it exactly there (`tests/faults.rs`).
//!
//! Inert unless both variables are set: `HARDEN_TEST_PAUSE_AT` (a
//! comma-separated list of point names) and `HARDEN_TEST_PAUSE_FILE` (a
//! path prefix). At a listed point harden writes `<prefix>.<point>`
//! containing its pid, then waits until `<prefix>.<point>.go` exists (at
//! most [`MAX_PAUSE`]) and goes on. The test waits for the first file — a
//! condition, not a sleep — and then kills, cuts a link or releases.
//!
//! Points: `phase-one` (hosts checked, nothing changed), `intent` (intent
//! recorded, nothing changed), `activated` (a guarded control is active,
//! not yet confirmed), `phase-two` (every host done, completion not yet
//! recorded), `maintenance-intent` and `maintenance-opened` (windows open
//! in the kernel, `maintenance-open` not yet recorded).

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The longest a pause lasts.
pub const MAX_PAUSE: Duration = Duration::from_secs(300);

fn files(point: &str) -> Option<(PathBuf, PathBuf)> {
    let want = std::env::var("HARDEN_TEST_PAUSE_AT").ok()?;
    if !want.split(',').any(|p| p.trim() == point) {
        return None;
    }
    let prefix = std::env::var("HARDEN_TEST_PAUSE_FILE").ok()?;
    if prefix.is_empty() {
        return None;
    }
    Some((
        PathBuf::from(format!("{prefix}.{point}")),
        PathBuf::from(format!("{prefix}.{point}.go")),
    ))
}

/// Pauses at `point` when the test hook asks for it.
pub async fn at(point: &str) {
    let Some((here, go)) = files(point) else {
        return;
    };
    let tmp = here.with_extension("tmp");
    if std::fs::write(&tmp, format!("{}\n", std::process::id())).is_ok() {
        let _ = std::fs::rename(&tmp, &here);
    }
    eprintln!("harden: test hook: paused at {point}");
    let started = Instant::now();
    while !go.exists() && started.elapsed() < MAX_PAUSE {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
