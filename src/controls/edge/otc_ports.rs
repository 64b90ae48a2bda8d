//! The server's ports for `otc-secgroup`: which groups each carries
//! (harden's added by `PUT /v2.0/ports/{id}`, the others kept and
//! reported as `edge-foreign`), port security (`edge-port-security`), and
//! the layers comparison over every group that filters the server.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use super::compare::{self, Live, TOM};
use super::normalise::{self, id_of, Unreadable};
use super::otc::{call, list, read_rules, GROUPS, MAX_FOREIGN, MAX_LIST, PORTS};
use super::rule::{Atom, Mark};
use crate::contract::api::Method;
use crate::contract::{Facts, Plan, RenderError};
use crate::report::model::{Finding, Fix};

const MAX_PORTS: usize = 16;

fn err(e: impl std::fmt::Display) -> RenderError {
    RenderError(e.to_string())
}

/// One port of the server, read.
pub(super) struct Port {
    pub id: String,
    pub groups: Vec<String>,
    pub secured: bool,
}

pub(super) fn ports(facts: &Facts) -> Result<Vec<Port>, RenderError> {
    let all = list(facts, PORTS)?;
    if all.len() > MAX_PORTS {
        return Err(err(format!(
            "{} ports on the server, harden reads {MAX_PORTS}",
            all.len()
        )));
    }
    all.iter()
        .map(|p| {
            let id = id_of(p.get("id")).ok_or_else(|| err("a port without a usable id"))?;
            let groups = match p.get("security_groups") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(g)) if g.len() <= 64 => g
                    .iter()
                    .map(|g| {
                        id_of(Some(g)).ok_or_else(|| err(format!("port {id}: a bad group id")))
                    })
                    .collect::<Result<_, _>>()?,
                Some(_) => return Err(err(format!("port {id}: security_groups is not a list"))),
            };
            let secured = p.get("port_security_enabled").and_then(Value::as_bool) != Some(false);
            Ok(Port {
                id,
                groups,
                secured,
            })
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
pub(super) fn ports_and_foreign(
    id: &'static str,
    plan: &mut Plan,
    facts: &Facts,
    server: &str,
    name: &str,
    gid: &str,
    ports: &[Port],
    live: &[Live],
    v: &compare::Verdict,
    desired: &BTreeMap<Atom, Mark>,
) -> Result<(), RenderError> {
    let want = "security group on every port of the host's server";
    for p in ports {
        let sec = Finding::new(id, "edge-port-security", format!("port {}", p.id), TOM);
        if !p.secured {
            plan.push(sec.drift("port security enabled", "port_security_enabled: false", Fix::None)
                .with_message("filtering is bypassed on this port: no security group applies; enable port security at the provider"));
            continue;
        }
        plan.push(sec.ok("port security enabled"));
        let item = format!("{name} on port {}", p.id);
        if p.groups.iter().any(|g| g == gid) {
            plan.push(Finding::new(id, "edge-object", item, TOM).ok(want));
            continue;
        }
        let mut groups = p.groups.clone();
        groups.push(gid.to_string());
        let c = plan.change(call(
            Method::Put,
            format!("/v2.0/ports/{}", p.id),
            Some(json!({"port": {"security_groups": groups}})),
            format!(
                "add security group {name} to port {} (its other groups kept)",
                p.id
            ),
        )?);
        plan.push(Finding::new(id, "edge-object", item, TOM).drift(
            want,
            "not on this port",
            Fix::Change(c),
        ));
    }
    if ports.is_empty() {
        plan.push(Finding::new(id, "edge-object", name, TOM).drift(
            want,
            format!("server {server} has no ports"),
            Fix::None,
        ));
    }
    let mut foreign: Vec<&String> = ports
        .iter()
        .filter(|p| p.secured)
        .flat_map(|p| &p.groups)
        .filter(|g| *g != gid)
        .collect();
    foreign.sort();
    foreign.dedup();
    let mut edge: BTreeSet<Atom> = live.iter().map(|l| l.atom).collect();
    if foreign.len() > MAX_FOREIGN {
        plan.push(
            Finding::new(id, "edge-foreign", format!("server {server}"), TOM)
                .drift(
                    format!("at most {MAX_FOREIGN} other groups"),
                    format!("{} other groups on the ports", foreign.len()),
                    Fix::None,
                )
                .with_message(format!("harden reads the first {MAX_FOREIGN}")),
        );
    }
    let groups = list(facts, GROUPS)?;
    for g in foreign.iter().take(MAX_FOREIGN) {
        let body = groups
            .iter()
            .find(|b| id_of(b.get("id")).as_deref() == Some(g.as_str()));
        let gname = body
            .and_then(|b| b.get("name"))
            .map(normalise::shown)
            .unwrap_or_default();
        let (rules, mut bad) = match body
            .and_then(|b| b.get("security_group_rules"))
            .and_then(Value::as_array)
        {
            Some(r) if r.len() <= MAX_LIST => read_rules(r),
            _ => (
                Vec::new(),
                vec![Unreadable {
                    id: None,
                    why: "the group or its rules are not in the listing".into(),
                }],
            ),
        };
        bad.truncate(5);
        let atoms: Vec<Atom> = rules.iter().map(|l| l.atom).collect();
        edge.extend(atoms.iter().copied());
        plan.push(compare::foreign_finding(
            id,
            &format!("security group {g} ({gname})"),
            &atoms,
            &bad,
        ));
    }
    if foreign.is_empty() {
        plan.push(compare::no_foreign(id, &format!("server {server}")));
    }
    let open: BTreeSet<Atom> = v.open.iter().map(|(a, _, _)| *a).collect();
    edge.retain(|a| !open.contains(a));
    let host: BTreeSet<Atom> = desired.keys().copied().collect();
    let item = format!("server {server}");
    plan.push(if ports.iter().any(|p| !p.secured) {
        Finding::new(id, "edge-layers", item, TOM)
            .drift(
                "both layers open the same ports",
                "a port without port security: every port is open at the edge",
                Fix::None,
            )
            .with_message("only the host firewall filters on that port")
    } else {
        compare::layers_finding(id, &item, &edge, &host)
    });
    Ok(())
}
