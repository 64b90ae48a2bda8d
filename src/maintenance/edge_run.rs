//! The provider steps of a window, performed with the production client:
//! read the object, plan (`edge_hetzner`, `edge_otc`), call. Every step
//! is one bounded read or call of the client (its own retries, timeouts
//! and page caps); an OTC close deletes at most the rules it listed.

use super::hetzner::{self, Firewall};
use super::otc;
use super::{object_name, EdgeError, EdgeRule, OpenFailure, Opening, Outcome, ReadError, Which};
use crate::backend::http::cloud::{Cloud, CloudError};
use crate::contract::api::{ApiCall, Service};

fn cloud_err(host: &str) -> impl Fn(CloudError) -> EdgeError + '_ {
    move |error| EdgeError::Cloud {
        host: host.to_string(),
        error,
    }
}

fn answer(host: &str, message: impl Into<String>) -> EdgeError {
    EdgeError::Answer {
        host: host.to_string(),
        message: message.into(),
    }
}

async fn call(cloud: &Cloud, host: &str, c: &ApiCall) -> Result<serde_json::Value, EdgeError> {
    Ok(cloud.call(c).await.map_err(cloud_err(host))?.json)
}

async fn firewall(cloud: &Cloud, host: &str) -> Result<Firewall, EdgeError> {
    let object = object_name(host);
    let list = cloud
        .get(
            Some(Service::Hcloud),
            &hetzner::find_path(&object),
            Some(hetzner::LIST_KEY),
        )
        .await
        .map_err(cloud_err(host))?;
    hetzner::firewall(&list, &object).map_err(|e| read_error(e, host, object, "firewall"))
}

/// The error of a failed read of harden's object `object` of `kind`.
fn read_error(e: ReadError, host: &str, object: String, kind: &'static str) -> EdgeError {
    match e {
        ReadError::Missing => EdgeError::NotApplied {
            host: host.to_string(),
            object,
            kind,
        },
        ReadError::Several(count) => EdgeError::Ambiguous {
            host: host.to_string(),
            object,
            count,
        },
        ReadError::Bad(m) => answer(host, m),
    }
}

async fn group(cloud: &Cloud, host: &str) -> Result<String, EdgeError> {
    let object = object_name(host);
    let list = cloud
        .get(
            Some(Service::OtcVpc),
            &otc::find_path(&object),
            Some(otc::GROUPS_KEY),
        )
        .await
        .map_err(cloud_err(host))?;
    otc::group(&list, &object).map_err(|e| read_error(e, host, object, "security group"))
}

async fn otc_rules(cloud: &Cloud, host: &str, group: &str) -> Result<Vec<EdgeRule>, EdgeError> {
    let list = cloud
        .get(
            Some(Service::OtcVpc),
            &otc::rules_path(group),
            Some(otc::RULES_KEY),
        )
        .await
        .map_err(cloud_err(host))?;
    otc::maintenance(&list).map_err(|m| answer(host, m))
}

/// Opens `o` for `host` at its provider, and closes the overdue
/// maintenance rules at `now` (Hetzner: in the same call). A failure is
/// rolled back (this window's rules removed again) before it is returned.
pub async fn open(
    cloud: &Cloud,
    host: &str,
    o: &Opening,
    now: u64,
) -> Result<Outcome, OpenFailure> {
    let done = match cloud {
        Cloud::Single(_) => open_hetzner(cloud, host, o, now).await,
        Cloud::Otc(_) => open_otc(cloud, host, o, now).await,
    };
    match done {
        Ok(out) => Ok(out),
        // Nothing was written when the object is missing or unusable.
        Err(error @ (EdgeError::NotApplied { .. } | EdgeError::Ambiguous { .. })) => {
            Err(OpenFailure {
                error,
                rollback: Ok(Vec::new()),
            })
        }
        Err(error) => {
            let which = Which::Window {
                id: o.window.clone(),
                now: 0,
            };
            let rollback =
                close(cloud, host, &which)
                    .await
                    .and_then(|out| match out.warnings.first() {
                        Some(w) => Err(answer(host, w.clone())),
                        None => Ok(out.closed),
                    });
            Err(OpenFailure { error, rollback })
        }
    }
}

async fn open_hetzner(
    cloud: &Cloud,
    host: &str,
    o: &Opening,
    now: u64,
) -> Result<Outcome, EdgeError> {
    let fw = firewall(cloud, host).await?;
    let (c, opened, closed) = hetzner::open(&fw, o, now)?;
    call(cloud, host, &c).await?;
    let kept = hetzner::maintenance(&fw)
        .into_iter()
        .filter(|r| !closed.contains(r))
        .chain(opened.iter().cloned())
        .collect();
    Ok(Outcome {
        object: fw.name,
        opened,
        closed,
        kept,
        warnings: Vec::new(),
    })
}

async fn open_otc(cloud: &Cloud, host: &str, o: &Opening, now: u64) -> Result<Outcome, EdgeError> {
    let group = group(cloud, host).await?;
    // First the rules this window replaces and the overdue ones: OTC
    // refuses a rule equal to one it holds. One that cannot be deleted is
    // a warning (the next run, or drift, removes it), not a failure.
    let all = otc_rules(cloud, host, &group).await?;
    let mut out = Outcome {
        object: object_name(host),
        ..Outcome::default()
    };
    for r in all {
        if !(r.overdue(now) || r.replaced_by(o)) {
            out.kept.push(r);
            continue;
        }
        let Some(c) = otc::delete_call(&r)? else {
            continue;
        };
        match call(cloud, host, &c).await {
            Ok(_) => out.closed.push(r),
            Err(e) => {
                out.warnings.push(format!("{r} NOT closed: {e}"));
                out.kept.push(r);
            }
        }
    }
    for (c, source) in otc::create_calls(&group, o)? {
        let answer_json = call(cloud, host, &c).await?;
        let id = otc::created_id(&answer_json).ok_or_else(|| {
            answer(
                host,
                format!("the rule for {source} came back without an id"),
            )
        })?;
        let rule = EdgeRule {
            id: Some(id),
            window: o.window.clone(),
            until: o.until,
            sources: vec![source],
            ports: Some((o.port, o.port)),
        };
        out.kept.push(rule.clone());
        out.opened.push(rule);
    }
    Ok(out)
}

/// Closes the maintenance rules `which` selects for `host`. A rule that
/// could not be deleted (OTC) is a warning in the outcome; the others are
/// still deleted.
pub async fn close(cloud: &Cloud, host: &str, which: &Which) -> Result<Outcome, EdgeError> {
    match cloud {
        Cloud::Single(_) => {
            let fw = firewall(cloud, host).await?;
            let all = hetzner::maintenance(&fw);
            let closed = match hetzner::close(&fw, which)? {
                Some((c, closed)) => {
                    call(cloud, host, &c).await?;
                    closed
                }
                None => Vec::new(),
            };
            let kept = all.into_iter().filter(|r| !closed.contains(r)).collect();
            Ok(Outcome {
                object: fw.name,
                closed,
                kept,
                ..Outcome::default()
            })
        }
        Cloud::Otc(_) => close_otc(cloud, host, which).await,
    }
}

async fn close_otc(cloud: &Cloud, host: &str, which: &Which) -> Result<Outcome, EdgeError> {
    let group = group(cloud, host).await?;
    close_in_group(cloud, host, &group, which).await
}

async fn close_in_group(
    cloud: &Cloud,
    host: &str,
    group: &str,
    which: &Which,
) -> Result<Outcome, EdgeError> {
    let all = otc_rules(cloud, host, group).await?;
    let mut out = Outcome {
        object: object_name(host),
        ..Outcome::default()
    };
    for (c, rule) in otc::close_calls(&all, which)? {
        match call(cloud, host, &c).await {
            Ok(_) => out.closed.push(rule),
            Err(e) => out.warnings.push(format!("{rule} NOT closed: {e}")),
        }
    }
    out.kept = all
        .into_iter()
        .filter(|r| !out.closed.contains(r))
        .collect();
    Ok(out)
}

/// Removes every maintenance rule of `host` whose expiry has passed at
/// `now` (any window); the outcome also lists the rules still open.
pub async fn close_overdue(cloud: &Cloud, host: &str, now: u64) -> Result<Outcome, EdgeError> {
    close(cloud, host, &Which::Overdue(now)).await
}
