//! The `hcloud-firewall` control: the Hetzner Cloud Firewall harden owns
//! for a host (named [`object_name`], labelled `managed-by=harden`),
//! holding exactly the host's desired inbound atoms and applied to its
//! server. Missing: `POST /firewalls` with the rules and `apply_to`;
//! rules differ: `set_rules` with the full list (the API has no per-rule
//! call; open maintenance windows and kept controller rules are part of
//! the list); not applied: `apply_to_resources`. Other firewalls applied
//! to the server, directly or by label selector, are hand-made: their
//! rules are reported (`edge-foreign`), never touched. The calls return
//! actions; waiting for them is the client's job.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::compare::{self, Live, TOM};
use super::normalise::{self, Unreadable};
use super::rule::{object_name, Atom};
use crate::backend::http::cloud::CloudKey;
use crate::contract::api::{Method, Service};
use crate::contract::{Change, Control, Facts, HostCtx, Plan, Probe, RenderError, Scope};
use crate::controls::cloud::server;
use crate::report::model::{Finding, Fix};

/// The firewalls listing's probe id.
pub const PROBE: &str = "hcloud-firewalls";
/// The most firewalls read (a project holds few; a hostile answer is bounded).
const MAX_FIREWALLS: usize = 500;

/// The control; `clock` is the time maintenance expiries are judged at.
pub struct HcloudFirewall {
    /// Seconds since the epoch, now (tests pass a fixed time).
    pub clock: fn() -> u64,
}

/// The control as `controls::ALL` holds it.
pub static HCLOUD_FIREWALL: HcloudFirewall = HcloudFirewall {
    clock: crate::timefmt::now,
};

/// One firewall of the listing, read.
struct Firewall {
    id: u64,
    name: String,
    rules: Vec<Live>,
    unreadable: Vec<Unreadable>,
    on_server: bool,
}

use super::err;

fn applied(fw: &Value, server: u64) -> bool {
    let direct = |r: &Value| {
        r.get("type").and_then(Value::as_str) == Some("server")
            && r.pointer("/server/id").and_then(Value::as_u64) == Some(server)
    };
    let Some(list) = fw.get("applied_to").and_then(Value::as_array) else {
        return false;
    };
    list.iter().take(MAX_FIREWALLS).any(|r| {
        direct(r)
            || r.get("applied_to_resources")
                .and_then(Value::as_array)
                .is_some_and(|m| m.iter().take(1000).any(direct))
    })
}

/// Where harden's firewall of one host is applied besides that host's
/// server: other servers and label selectors, in the API's own shape (to
/// send back in `remove_from_resources`), and how each reads.
fn elsewhere(fw: &Value, server: u64) -> Vec<(Value, String)> {
    let Some(list) = fw.get("applied_to").and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .take(MAX_FIREWALLS)
        .filter_map(|r| match r.get("type").and_then(Value::as_str) {
            Some("server") => {
                let id = r.pointer("/server/id").and_then(Value::as_u64)?;
                (id != server).then(|| {
                    (
                        json!({"type": "server", "server": {"id": id}}),
                        format!("server {id}"),
                    )
                })
            }
            Some("label_selector") => {
                let sel = r
                    .pointer("/label_selector/selector")
                    .and_then(Value::as_str)?;
                let ok = !sel.is_empty()
                    && sel.len() <= 200
                    && sel.chars().all(|c| c.is_ascii_graphic() || c == ' ');
                ok.then(|| {
                    (
                        json!({"type": "label_selector", "label_selector": {"selector": sel}}),
                        format!("label selector {sel}"),
                    )
                })
            }
            _ => None,
        })
        .collect()
}

fn read_firewall(fw: &Value, server: u64) -> Result<Firewall, String> {
    let id = fw
        .get("id")
        .and_then(Value::as_u64)
        .ok_or("a firewall without a numeric id")?;
    let name = fw
        .get("name")
        .and_then(Value::as_str)
        .map(|n| normalise::shown(&json!(n)))
        .unwrap_or_default();
    let mut rules = Vec::new();
    let mut unreadable = Vec::new();
    let list = match fw.get("rules") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(l)) if l.len() <= 1000 => l.clone(),
        Some(_) => return Err(format!("firewall {id}: rules are not a bounded list")),
    };
    for r in &list {
        match normalise::hcloud_rule(r) {
            Ok(Some(rule)) => rules.extend(rule.atoms.into_iter().map(|atom| Live {
                atom,
                mark: rule.mark.clone(),
                id: None,
            })),
            Ok(None) => {}
            Err(u) => unreadable.push(u),
        }
    }
    Ok(Firewall {
        id,
        name,
        rules,
        unreadable,
        on_server: applied(fw, server),
    })
}

fn call(
    method: Method,
    path: String,
    body: Value,
    describe: String,
) -> Result<Change, RenderError> {
    super::api_change(Service::Hcloud, method, path, Some(body), describe)
}

impl Control for HcloudFirewall {
    fn id(&self) -> &'static str {
        "hcloud-firewall"
    }

    fn scope(&self) -> Scope {
        Scope::Provider
    }

    fn measures(&self) -> &'static [&'static crate::tom::Tom] {
        &[crate::tom::PROVIDER_FIREWALL, crate::tom::MGMT_WINDOW]
    }

    fn applies(&self, ctx: &HostCtx<'_>) -> bool {
        matches!(server::account(ctx), Some(CloudKey::Hetzner(_)))
    }

    fn probes(&self, ctx: &HostCtx<'_>) -> Result<Vec<Probe>, RenderError> {
        let mut p: Vec<Probe> = server::probe(ctx).into_iter().collect();
        p.push(Probe::api_list(
            Some(Service::Hcloud),
            PROBE,
            "/firewalls",
            "firewalls",
        ));
        Ok(p)
    }

    fn plan(&self, ctx: &HostCtx<'_>, facts: &Facts) -> Result<Plan, RenderError> {
        let id = self.id();
        let mut plan = Plan::new(id);
        let name = object_name(&ctx.host.name);
        let object = Finding::new(id, "edge-object", name.clone(), TOM);
        let srv = match server::read(ctx, facts) {
            Ok(s) => s,
            Err(why) => {
                plan.push(
                    object
                        .drift("firewall applied to the host's server", why, Fix::None)
                        .with_message("harden cannot tell which server is this host (see the cloud-server check)"),
                );
                return Ok(plan);
            }
        };
        let server_id: u64 = srv
            .id
            .parse()
            .map_err(|_| err("a Hetzner server id that is not a number"))?;
        let all = facts
            .api(PROBE)
            .and_then(Value::as_array)
            .filter(|l| l.len() <= MAX_FIREWALLS)
            .ok_or_else(|| err("the firewalls listing is not a bounded list"))?;
        let mut own: Option<Firewall> = None;
        let mut foreign = Vec::new();
        for fw in all {
            let f = read_firewall(fw, server_id).map_err(err)?;
            if fw.get("name").and_then(Value::as_str) == Some(name.as_str()) {
                if own.is_some() {
                    return Err(err(format!("two firewalls are named {name}")));
                }
                own = Some(f);
            } else if f.on_server {
                foreign.push(f);
            }
        }
        let desired = super::desired::desired(ctx);
        let live: &[Live] = own.as_ref().map(|f| f.rules.as_slice()).unwrap_or(&[]);
        let v = compare::judge(&desired, live, (self.clock)());
        let rules = normalise::hcloud_rules(&v.keep).map_err(err)?;
        let target = json!([{"type": "server", "server": {"id": server_id}}]);
        let (rules_fix, object_finding) = match &own {
            None => {
                let body = json!({"name": name, "labels": {"managed-by": "harden"},
                    "rules": rules, "apply_to": target});
                let c = plan.change(call(
                    Method::Post,
                    "/firewalls".into(),
                    body,
                    format!("create firewall {name} applied to server {server_id}"),
                )?);
                let f = object.drift(
                    "firewall applied to the host's server",
                    "no such firewall",
                    Fix::Change(c),
                );
                (Fix::Change(c), f)
            }
            Some(fw) => {
                let unread = !fw.unreadable.is_empty();
                let fix = if v.drifts() || unread {
                    Fix::Change(plan.change(call(
                        Method::Post,
                        format!("/firewalls/{}/actions/set_rules", fw.id),
                        json!({ "rules": rules }),
                        format!("set the rules of firewall {name}"),
                    )?))
                } else {
                    Fix::None
                };
                let f = if fw.on_server {
                    object.ok("firewall applied to the host's server")
                } else {
                    let c = plan.change(call(
                        Method::Post,
                        format!("/firewalls/{}/actions/apply_to_resources", fw.id),
                        json!({ "apply_to": target }),
                        format!("apply firewall {name} to server {server_id}"),
                    )?);
                    object.drift(
                        "firewall applied to the host's server",
                        format!("firewall {} not applied to server {server_id}", fw.id),
                        Fix::Change(c),
                    )
                };
                (fix, f)
            }
        };
        plan.push(object_finding);
        // harden's firewall of this host holds this host's rules: applied
        // to anything else, it would impose them there.
        if let Some(fw_json) = all
            .iter()
            .find(|f| f.get("name").and_then(Value::as_str) == Some(name.as_str()))
        {
            let extra = elsewhere(fw_json, server_id);
            let scope = Finding::new(id, "edge-object-scope", name.clone(), TOM);
            if extra.is_empty() {
                plan.push(scope.ok(format!("applied only to server {server_id}")));
            } else if let Some(fw) = &own {
                let shown: Vec<&str> = extra.iter().map(|(_, s)| s.as_str()).collect();
                let c = plan.change(call(
                    Method::Post,
                    format!("/firewalls/{}/actions/remove_from_resources", fw.id),
                    json!({ "remove_from": extra.iter().map(|(v, _)| v.clone()).collect::<Vec<_>>() }),
                    format!("remove firewall {name} from {}", shown.join(", ")),
                )?);
                plan.push(
                    scope
                        .drift(
                            format!("applied only to server {server_id}"),
                            format!("also applied to {}", shown.join(", ")),
                            Fix::Change(c),
                        )
                        .with_message("harden's firewall of one host carries that host's rules; apply removes it from everything else"),
                );
            }
        }
        let unreadable = own.as_ref().map(|f| f.unreadable.as_slice()).unwrap_or(&[]);
        plan.push(compare::rules_finding(
            id,
            &name,
            &desired,
            live,
            &v,
            unreadable,
            rules_fix.clone(),
        ));
        plan.extend(compare::maintenance_findings(id, &name, &v, |_| {
            rules_fix.clone()
        }));
        if foreign.is_empty() {
            plan.push(compare::no_foreign(id, &format!("server {server_id}")));
        }
        let mut edge: BTreeSet<Atom> = BTreeSet::new();
        if own.as_ref().is_some_and(|f| f.on_server) {
            edge.extend(live.iter().map(|l| l.atom));
        }
        for f in &foreign {
            let atoms: Vec<Atom> = f.rules.iter().map(|l| l.atom).collect();
            edge.extend(atoms.iter().copied());
            plan.push(compare::foreign_finding(
                id,
                &format!("firewall {} ({})", f.id, f.name),
                &atoms,
                &f.unreadable,
            ));
        }
        let open: BTreeSet<Atom> = v.open.iter().map(|(a, _, _)| *a).collect();
        edge.retain(|a| !open.contains(a));
        let host: BTreeSet<Atom> = desired.keys().copied().collect();
        let on_server = own.as_ref().is_some_and(|f| f.on_server) || !foreign.is_empty();
        let layers = if on_server {
            compare::layers_finding(id, &format!("server {server_id}"), &edge, &host)
        } else {
            Finding::new(id, "edge-layers", format!("server {server_id}"), TOM)
                .drift("both layers open the same ports", "no firewall at the edge: every port is open there", Fix::None)
                .with_message("a Hetzner server without a firewall applied accepts everything at the edge; only the host firewall filters")
        };
        plan.push(layers);
        Ok(plan)
    }
}

#[cfg(test)]
#[path = "hetzner_tests.rs"]
mod tests;
