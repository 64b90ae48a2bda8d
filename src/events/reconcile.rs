//! Completing what a dead run left: intents without a completion.
//!
//! Every run that talks to hosts calls [`Reporter::flush`], which first
//! delivers the outbox and then reconciles: it reads the local audit log
//! (through its file, as any reader would), finds every intent that no
//! entry refers to by `details.intent`, skips those whose run is still
//! alive on this machine (same boot, same pid with the same start time),
//! and for each of the others looks at the hosts it named:
//!
//! - `apply-intent`: per control, the run's state directory on the host
//!   (`/var/lib/harden/runs/<run>/<control>`): `not-started`, `rolled-back`,
//!   `confirmed`, `rollback-pending` (the host's own timer still runs),
//!   `staged-or-applied`; and whether the host's audit copy has the intent;
//! - `maintenance-open-intent`: the window's elements live in the kernel,
//!   with the seconds they have left.
//!
//! It then records the completion — the intent's base action (`apply`,
//! `maintenance-open`) with `details.outcome = "interrupted"`, the intent
//! id and what it found — in the local log, the host copies and to
//! management. A host it cannot reach is named as such; the completion is
//! recorded anyway, so an intent is reconciled once.

use serde_json::{json, Map, Value};

use super::intent::{run_alive, SUFFIX};
use super::{Reporter, Target};
use crate::backend::ssh::script::stage_dir;
use crate::contract::sh_quote;
use crate::events::hostcopy::HOST_LOG;
use crate::transport::Conn;

/// Intents reconciled per run; the rest wait for the next.
pub const MAX_PER_RUN: usize = 20;

/// Intents in the log `text` that no entry completes, oldest first.
pub fn incomplete(text: &str) -> Vec<Value> {
    let entries: Vec<Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .collect();
    let done: std::collections::HashSet<&str> = entries
        .iter()
        .filter_map(|e| e["details"]["intent"].as_str())
        .collect();
    entries
        .iter()
        .filter(|e| {
            e["action"].as_str().is_some_and(|a| a.ends_with(SUFFIX))
                && e["id"].as_str().is_some_and(|id| !done.contains(id))
        })
        .cloned()
        .collect()
}

fn safe(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The script that reports a run's per-control state on a host.
pub fn apply_state_script(run: &str, controls: &[&str], intent_id: &str) -> String {
    let mut s = String::from("set -u\n");
    for c in controls.iter().filter(|c| safe(c)) {
        s.push_str(&format!(
            r#"S={dir}
if [ ! -d "$S" ]; then st=not-started
elif [ -e "$S/rolled-back" ]; then st=rolled-back
elif [ -e "$S/confirmed" ]; then st=confirmed
elif [ -e "$S/guard.pid" ] && kill -0 "$(cat "$S/guard.pid")" 2>/dev/null; then st=rollback-pending
else st=staged-or-applied; fi
echo "control {c} $st"
"#,
            dir = sh_quote(&stage_dir(run, c)),
        ));
    }
    s.push_str(&format!(
        "if grep -q {} {} 2>/dev/null; then echo 'copy has-intent'; else echo 'copy no-intent'; fi\n",
        sh_quote(intent_id),
        sh_quote(HOST_LOG)
    ));
    s
}

/// Parses [`apply_state_script`]'s output.
pub fn parse_apply_state(out: &str) -> Value {
    let mut controls = Map::new();
    let mut copy = Value::Null;
    for l in out.lines() {
        let w: Vec<&str> = l.split_whitespace().collect();
        match w.as_slice() {
            ["control", c, st] => {
                controls.insert((*c).to_string(), Value::from(*st));
            }
            ["copy", st] => copy = Value::Bool(*st == "has-intent"),
            _ => {}
        }
    }
    json!({"controls": controls, "intent_in_host_copy": copy})
}

impl Reporter {
    /// Reconciles the intents earlier runs left incomplete (module doc).
    pub async fn reconcile(&self) {
        let text = match std::fs::read(self.log.path()) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(_) => return,
        };
        let pending = incomplete(&text);
        if pending.is_empty() {
            return;
        }
        let mut done = 0;
        for intent in &pending {
            if done == MAX_PER_RUN {
                crate::warn::say(
                    crate::warn::Code::IntentsLeft,
                    format!(
                        "{} more incomplete intent(s) are left for the next run",
                        pending.len() - done
                    ),
                );
                break;
            }
            let run = &intent["details"]["run"];
            if run_alive(run) {
                continue;
            }
            done += 1;
            self.reconcile_one(intent).await;
        }
    }

    async fn reconcile_one(&self, intent: &Value) {
        let id = intent["id"].as_str().unwrap_or_default();
        let action = intent["action"].as_str().unwrap_or_default();
        let base = action.strip_suffix(SUFFIX).unwrap_or(action);
        let run_id = intent["details"]["run"]["run_id"]
            .as_str()
            .unwrap_or_default();
        let names: Vec<String> = intent["hosts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|h| h.as_str().map(str::to_string))
            .collect();
        eprintln!(
            "harden: {action} {id} of run {run_id} has no completion: that run was interrupted; looking at {}",
            names.join(", ")
        );
        let mut found = Map::new();
        let mut conns: Vec<(usize, Conn)> = Vec::new();
        for name in &names {
            let Some(hi) = self.hosts.iter().position(|h| &h.name == name) else {
                found.insert(name.clone(), json!({"error": "no longer in the inventory"}));
                continue;
            };
            let host = &self.hosts[hi];
            let conn = match Conn::connect(host, &self.client, "reconcile").await {
                Ok(c) => c,
                Err(e) => {
                    found.insert(name.clone(), json!({"error": format!("unreachable: {e}")}));
                    continue;
                }
            };
            let what = if base == "maintenance-open" {
                let window = intent["details"]["window"].as_str().unwrap_or_default();
                match crate::maintenance::remote::read(&conn, name).await {
                    Ok(slots) => {
                        let open: Vec<Value> = slots
                            .iter()
                            .filter(|s| s.window_id().as_deref() == Some(window))
                            .map(|s| json!({"element": s.key(), "remaining_secs": s.remaining}))
                            .collect();
                        json!({"window": window, "open": open})
                    }
                    Err(e) => json!({"error": e.to_string()}),
                }
            } else {
                let controls: Vec<&str> = intent["details"]["hosts"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|h| h["host"] == name.as_str())
                    .flat_map(|h| h["controls"].as_array().into_iter().flatten())
                    .filter_map(Value::as_str)
                    .collect();
                let safe_run = if safe(run_id) {
                    run_id
                } else {
                    "invalid-run-id"
                };
                match conn
                    .exec(&apply_state_script(safe_run, &controls, id))
                    .await
                {
                    Ok(o) if o.rc == 0 => parse_apply_state(&o.stdout),
                    Ok(o) => {
                        json!({"error": format!("state probe exited {}: {}", o.rc, o.stderr.trim())})
                    }
                    Err(e) => json!({"error": e.to_string()}),
                }
            };
            found.insert(name.clone(), what);
            conns.push((hi, conn));
        }
        let summary = format!(
            "run {run_id} was interrupted after recording {action}; what harden found on the hosts is in details.found"
        );
        let mut event = self.event(base, names).with_details(json!({
            "intent": id,
            "run_id": run_id,
            "outcome": "interrupted",
            "summary": summary,
            "found": found,
            "planned": intent["details"].clone(),
        }));
        if let Some(r) = intent["reason"].as_str() {
            event = event.with_reason(r);
        }
        let targets: Vec<Target<'_>> = conns
            .iter()
            .map(|(hi, c)| Target::Conn(&self.hosts[*hi], c))
            .collect();
        self.record(event, &targets).await;
        for (_, c) in conns {
            c.close().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_intent_is_incomplete_until_an_entry_refers_to_it() {
        let log = [
            json!({"id": "a1", "action": "apply-intent", "details": {}}),
            json!({"id": "b1", "action": "apply", "details": {"intent": "a1"}}),
            json!({"id": "a2", "action": "maintenance-open-intent", "details": {}}),
            json!({"id": "c1", "action": "maintenance-close", "details": {}}),
        ]
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join("\n");
        let left = incomplete(&format!("{log}\nnot json\n"));
        assert_eq!(left.len(), 1);
        assert_eq!(left[0]["id"], "a2");
    }

    #[test]
    fn host_state_is_parsed_and_unsafe_names_never_reach_the_script() {
        let s = apply_state_script("20261201T1-ab", &["firewall", "x;rm -rf /"], "id1");
        assert!(s.contains("control firewall"));
        assert!(!s.contains("rm -rf"), "{s}");
        let v = parse_apply_state(
            "control firewall confirmed\ncontrol sshd not-started\ncopy has-intent\n",
        );
        assert_eq!(v["controls"]["firewall"], "confirmed");
        assert_eq!(v["controls"]["sshd"], "not-started");
        assert_eq!(v["intent_in_host_copy"], true);
    }
}
