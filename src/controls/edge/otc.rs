//! The `otc-secgroup` control: the Open Telekom Cloud security group
//! harden owns for a host (named [`object_name`]), holding exactly the
//! host's desired inbound atoms and attached to every port of its server.
//!
//! Facts, in the engine's two phases: the server lookup and the group by
//! name; then the server's ports, the rules of harden's group, and the
//! project's groups (their bodies carry their rules) for the other groups
//! on the ports — the port listing is itself second-phase, so the other
//! groups' rules are read from that listing, not one call per group.
//!
//! Calls: a missing group is created (its rules need its id, so they
//! follow on the next read: see docs/providers.md); each missing atom is
//! one `POST /v2.0/security-group-rules`, each rule of harden's group not
//! desired one `DELETE` (rules have no update: a change is a create and a
//! delete, creates first); a port without harden's group gets it by
//! `PUT /v2.0/ports/{id}`, its other groups kept. A port with
//! `port_security_enabled: false` bypasses every group: a finding.

use serde_json::{json, Value};

use super::compare::{self, Live, TOM};
use super::normalise::{self, id_of, Unreadable};
use super::rule::object_name;
use crate::backend::http::cloud::CloudKey;
use crate::contract::api::{Method, Service};
use crate::contract::{Change, ChangeId, Control, Facts, HostCtx, Plan, Probe, RenderError, Scope};
use crate::controls::cloud::server;
use crate::report::model::{Finding, Fix};

/// Probe ids.
pub const OWN: &str = "otc-sg-own";
/// The server's ports.
pub const PORTS: &str = "otc-ports";
/// The rules of harden's group.
pub const RULES: &str = "otc-rules-own";
/// The project's groups (for the other groups on the ports).
pub const GROUPS: &str = "otc-sg-all";
/// The most other groups on a server's ports read; more is a finding.
pub const MAX_FOREIGN: usize = 10;
pub(super) const MAX_LIST: usize = 2000;

/// The control; `clock` is the time maintenance expiries are judged at.
pub struct OtcSecgroup {
    /// Seconds since the epoch, now (tests pass a fixed time).
    pub clock: fn() -> u64,
}

/// The control as `controls::ALL` holds it.
pub static OTC_SECGROUP: OtcSecgroup = OtcSecgroup {
    clock: crate::timefmt::now,
};

use super::err;

pub(super) fn list<'a>(facts: &'a Facts, id: &str) -> Result<&'a [Value], RenderError> {
    facts
        .api(id)
        .and_then(Value::as_array)
        .filter(|l| l.len() <= MAX_LIST)
        .map(Vec::as_slice)
        .ok_or_else(|| err(format!("the {id} answer is not a bounded list")))
}

/// harden's group's id, if the group exists (two of that name: an error).
fn own_id(ctx: &HostCtx<'_>, facts: &Facts) -> Result<Option<String>, RenderError> {
    let name = object_name(&ctx.host.name);
    let mine: Vec<&Value> = list(facts, OWN)?
        .iter()
        .filter(|g| g.get("name").and_then(Value::as_str) == Some(name.as_str()))
        .collect();
    match mine.as_slice() {
        [] => Ok(None),
        [g] => id_of(g.get("id"))
            .map(Some)
            .ok_or_else(|| err(format!("security group {name} has no usable id"))),
        _ => Err(err(format!(
            "{} security groups are named {name}",
            mine.len()
        ))),
    }
}

pub(super) fn read_rules(rules: &[Value]) -> (Vec<Live>, Vec<Unreadable>) {
    let (mut live, mut bad) = (Vec::new(), Vec::new());
    for r in rules {
        match normalise::otc_rule(r) {
            Ok(Some(rule)) => live.extend(rule.atoms.into_iter().map(|atom| Live {
                atom,
                mark: rule.mark.clone(),
                id: rule.id.clone(),
            })),
            Ok(None) => {}
            Err(u) => bad.push(u),
        }
    }
    (live, bad)
}

pub(super) fn call(
    method: Method,
    path: String,
    body: Option<Value>,
    describe: String,
) -> Result<Change, RenderError> {
    super::api_change(Service::OtcVpc, method, path, body, describe)
}

impl Control for OtcSecgroup {
    fn id(&self) -> &'static str {
        "otc-secgroup"
    }

    fn scope(&self) -> Scope {
        Scope::Provider
    }

    fn measures(&self) -> &'static [&'static crate::tom::Tom] {
        &[crate::tom::PROVIDER_FIREWALL, crate::tom::MGMT_WINDOW]
    }

    fn applies(&self, ctx: &HostCtx<'_>) -> bool {
        matches!(server::account(ctx), Some(CloudKey::Otc(_)))
    }

    fn probes(&self, ctx: &HostCtx<'_>) -> Result<Vec<Probe>, RenderError> {
        let mut p: Vec<Probe> = server::probe(ctx).into_iter().collect();
        let path = format!("/v2.0/security-groups?name={}", object_name(&ctx.host.name));
        p.push(Probe::api_list(
            Some(Service::OtcVpc),
            OWN,
            &path,
            "security_groups",
        ));
        Ok(p)
    }

    fn probes_after(&self, ctx: &HostCtx<'_>, facts: &Facts) -> Result<Vec<Probe>, RenderError> {
        let Ok(srv) = server::read(ctx, facts) else {
            return Ok(Vec::new());
        };
        let vpc = Some(Service::OtcVpc);
        let mut p = vec![Probe::api_list(
            vpc,
            PORTS,
            &format!("/v2.0/ports?device_id={}", srv.id),
            "ports",
        )];
        if let Some(g) = own_id(ctx, facts)? {
            p.push(Probe::api_list(
                vpc,
                RULES,
                &format!("/v2.0/security-group-rules?security_group_id={g}"),
                "security_group_rules",
            ));
        }
        p.push(Probe::api_list(
            vpc,
            GROUPS,
            "/v2.0/security-groups",
            "security_groups",
        ));
        Ok(p)
    }

    fn plan(&self, ctx: &HostCtx<'_>, facts: &Facts) -> Result<Plan, RenderError> {
        let id = self.id();
        let mut plan = Plan::new(id);
        let name = object_name(&ctx.host.name);
        let object = Finding::new(id, "edge-object", name.clone(), TOM);
        let want = "security group on every port of the host's server";
        let srv = match server::read(ctx, facts) {
            Ok(s) => s,
            Err(why) => {
                plan.push(object.drift(want, why, Fix::None).with_message(
                    "harden cannot tell which server is this host (see the cloud-server check)",
                ));
                return Ok(plan);
            }
        };
        let own = own_id(ctx, facts)?;
        let ports = super::otc_ports::ports(facts)?;
        let desired = super::desired::desired(ctx);
        let Some(gid) = own else {
            let body = json!({"security_group": {"name": name,
                "description": format!("harden: inbound rules of host {}", ctx.host.name)}});
            let c = plan.change(call(
                Method::Post,
                "/v2.0/security-groups".into(),
                Some(body),
                format!("create security group {name}"),
            )?);
            plan.push(object.drift(want, "no such security group", Fix::Change(c)));
            let v = compare::judge(&desired, &[], (self.clock)());
            plan.push(
                compare::rules_finding(id, &name, &desired, &[], &v, &[], Fix::Change(c)).with_message(
                    "the group is created first; its rules need its id and are added once the group is read back (the next apply)",
                ),
            );
            return Ok(plan);
        };
        let (live, unreadable) = read_rules(list(facts, RULES)?);
        let v = compare::judge(&desired, &live, (self.clock)());
        let rules_path = "/v2.0/security-group-rules";
        let mut calls: Vec<(String, ChangeId, &'static str)> = Vec::new();
        for a in &v.missing {
            let mark = desired
                .get(a)
                .cloned()
                .unwrap_or(super::rule::Mark::Controller);
            let c = plan.change(call(
                Method::Post,
                rules_path.into(),
                Some(normalise::otc_rule_body(&gid, a, &mark)),
                format!("add {a} to security group {name}"),
            )?);
            calls.push((format!("{name} {a}"), c, "missing"));
        }
        let delete = |plan: &mut Plan, rule: &str, what: String| -> Result<ChangeId, RenderError> {
            Ok(plan.change(call(
                Method::Delete,
                format!("{rules_path}/{rule}"),
                None,
                format!("delete {what} (rule {rule}) from security group {name}"),
            )?))
        };
        for l in &v.extra {
            if let Some(rule) = &l.id {
                let c = delete(&mut plan, rule, l.atom.to_string())?;
                calls.push((format!("{name} {}", l.atom), c, "not desired"));
            }
        }
        let mut overdue = std::collections::BTreeMap::new();
        for (l, _, _) in &v.overdue {
            if let Some(rule) = &l.id {
                overdue.insert(rule.clone(), delete(&mut plan, rule, l.atom.to_string())?);
            }
        }
        let mut unfixable = Vec::new();
        for u in &unreadable {
            match &u.id {
                Some(rule) => {
                    let c = delete(&mut plan, rule, "an unreadable rule".into())?;
                    calls.push((format!("{name} rule {rule}"), c, "unreadable"));
                    plan.push(
                        Finding::new(id, "edge-rules", format!("{name} rule {rule}"), TOM)
                            .drift("absent", "present", Fix::Change(c))
                            .with_message(format!(
                                "unreadable in harden's own group ({}): deleted",
                                u.why
                            )),
                    );
                }
                None => unfixable.push(u.clone()),
            }
        }
        for (item, c, why) in &calls {
            if *why == "unreadable" {
                continue;
            }
            let (expected, actual) = if *why == "missing" {
                ("present", "missing")
            } else {
                ("absent", "present")
            };
            plan.push(
                Finding::new(id, "edge-rules", item.clone(), TOM)
                    .drift(expected, actual, Fix::Change(*c))
                    .with_message(if *why == "missing" {
                        "desired, not at the provider: created"
                    } else {
                        "in harden's own group but not desired: deleted (rules have no update; a change is a create and a delete, creates first)"
                    }),
            );
        }
        if calls.is_empty() || !unfixable.is_empty() || !v.kept_controller.is_empty() {
            let fix = calls.first().map(|c| Fix::Change(c.1)).unwrap_or(Fix::None);
            let mut f = compare::rules_finding(id, &name, &desired, &live, &v, &unfixable, fix);
            if !calls.is_empty() && f.status == crate::report::model::Status::InSync {
                f.status = crate::report::model::Status::Info;
            }
            plan.push(f);
        }
        plan.extend(compare::maintenance_findings(id, &name, &v, |l| {
            l.id.as_ref()
                .and_then(|r| overdue.get(r))
                .map(|c| Fix::Change(*c))
                .unwrap_or(Fix::None)
        }));
        super::otc_ports::ports_and_foreign(
            id, &mut plan, facts, &srv.id, &name, &gid, &ports, &live, &v, &desired,
        )?;
        Ok(plan)
    }
}

#[cfg(test)]
#[path = "otc_tests.rs"]
mod tests;
