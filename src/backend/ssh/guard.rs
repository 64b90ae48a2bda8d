//! Lock-out guard: prove with a fresh connection that harden can still get
//! in, or let the host roll itself back.
//!
//! The apply script armed a rollback on the host before activating (see
//! `script.rs`); it fires by itself after `rollback_after` unless disarmed.
//! Here harden opens a *new* SSH connection (new TCP connection, new key
//! exchange, new authentication; the existing master would survive most
//! breakage and prove nothing) and disarms the rollback through it. If that
//! fails, harden does not intervene: it waits for the host's own timer and
//! then checks, over yet another fresh connection, that the host rolled
//! back and is reachable again.

use std::time::{Duration, Instant};

use super::script;
use crate::inventory::Host;
use crate::transport::ClientConfig;
use crate::transport::Conn;

/// How a guarded change ended.
pub enum Outcome {
    /// A fresh connection got in and disarmed the rollback.
    Confirmed,
    /// harden was cut off; the host restored its previous state.
    RolledBack(String),
    /// harden could not find out (host unreachable even after rollback).
    Unknown(String),
}

/// What the guard needs to know of the run.
pub struct GuardRun<'a> {
    /// Transport settings for the confirming connection.
    pub client: &'a ClientConfig,
    /// The run id (names the guard's state directory).
    pub run_id: &'a str,
    /// When the armed rollback fires.
    pub rollback_after: Duration,
}

/// Tries to confirm the change with a fresh connection; bounded by the
/// rollback time.
pub async fn confirm(host: &Host, opts: &GuardRun<'_>, control: &str) -> Outcome {
    let armed = Instant::now();
    let window = opts
        .rollback_after
        .saturating_sub(Duration::from_secs(2))
        .max(Duration::from_secs(1));
    let mut last_err = String::from("no attempt made");
    let mut attempt = 0u32;
    // sshd may be re-executing after a reload for a moment: retry briefly.
    while armed.elapsed() < window && attempt < 20 {
        attempt += 1;
        let mut cfg = opts.client.clone();
        cfg.command_timeout = Duration::from_secs(10);
        match Conn::connect(host, &cfg, &format!("confirm{attempt}")).await {
            Ok(c) => {
                let r = c
                    .exec_with_timeout(
                        &script::disarm(opts.run_id, control),
                        Duration::from_secs(15),
                    )
                    .await;
                c.close().await;
                match r {
                    Ok(o) if o.rc == 0 => return Outcome::Confirmed,
                    Ok(o) if o.rc == 4 => return Outcome::RolledBack(
                        "the rollback fired before harden could confirm; previous state restored"
                            .into(),
                    ),
                    Ok(o) => last_err = format!("disarm exited {}: {}", o.rc, o.stderr.trim()),
                    Err(e) => last_err = e.to_string(),
                }
            }
            Err(e) => last_err = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Cut off: wait for the host's own timer, then look.
    let fire_at = opts.rollback_after + Duration::from_secs(3);
    if let Some(rest) = fire_at.checked_sub(armed.elapsed()) {
        tokio::time::sleep(rest).await;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut n = 0;
    while Instant::now() < deadline {
        n += 1;
        let mut cfg = opts.client.clone();
        cfg.command_timeout = Duration::from_secs(10);
        if let Ok(c) = Conn::connect(host, &cfg, &format!("after{n}")).await {
            let r = c.exec(&script::guard_state(opts.run_id, control)).await;
            c.close().await;
            if let Ok(o) = r {
                if o.rc == 4 {
                    return Outcome::RolledBack(format!(
                        "a fresh connection could not get in after activation ({last_err}); the host rolled back by itself after {}s and is reachable again",
                        opts.rollback_after.as_secs()
                    ));
                }
                if o.rc == 0 {
                    return Outcome::Confirmed;
                }
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Outcome::Unknown(format!(
        "could not confirm the change ({last_err}) and the host is still unreachable {}s after its rollback should have fired",
        opts.rollback_after.as_secs() + 30
    ))
}
