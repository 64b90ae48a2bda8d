//! Test-only provider-scoped controls and the fake server's answers for
//! them: `Fw` ("the firewall `fw-<host>` allows exactly tcp/443", read in
//! one or two phases) and `Odd` (controls that break the provider
//! contract, one way each).

use std::path::Path;

use harden::contract::api::{ApiCall, Method};
use harden::contract::{Change, Control, Facts, Fix, HostCtx, Plan, Probe, RenderError, Scope};
use harden::engine::provider::{MAX_CALLS, MAX_PROBES};
use harden::inventory::{load_str, Inventory};
use harden::report::model::Finding;
use serde_json::{json, Value};

use crate::fake_api::server::Reply;

pub const INV: &str = r#"
[defaults]
controller_sources = ["10.213.0.2"]
known_hosts = "known_hosts"

[[hosts]]
name = "web"
address = "10.213.0.12"
provider = "hetzner"
environment = "production"
roles = ["app"]
"#;

pub fn inventory() -> Inventory {
    load_str(
        Path::new("t.toml"),
        INV.into(),
        harden::controls::sections::sections(),
    )
    .expect("inventory")
}

/// The rules the test control wants: inbound tcp/443 from anywhere.
pub fn wanted() -> Value {
    json!([{"direction": "in", "protocol": "tcp", "port": "443",
            "source_ips": ["0.0.0.0/0", "::/0"]}])
}

/// Some other rules (ssh open to the world).
pub fn wrong() -> Value {
    json!([{"direction": "in", "protocol": "tcp", "port": "22",
            "source_ips": ["0.0.0.0/0"]}])
}

/// The answer to `GET /firewalls?name=fw-web`.
pub fn listing(rules: Value) -> Reply {
    Reply::json(
        200,
        json!({"firewalls": [{"id": 42, "name": "fw-web", "rules": rules}]}),
    )
}

/// A Hetzner-style action answer, the action already done (a running one
/// is polled until done: see `fake_hcloud/actions.rs`).
pub fn action() -> Reply {
    Reply::json(201, json!({"actions": [{"id": 1, "status": "success"}]}))
}

/// The test control. With `two_phase`, the listing only yields the id and
/// the rules come from `GET /firewalls/{id}` in the second phase.
pub struct Fw {
    pub two_phase: bool,
}

pub static FW: Fw = Fw { two_phase: false };
pub static FW2: Fw = Fw { two_phase: true };

fn fw_name(ctx: &HostCtx<'_>) -> String {
    format!("fw-{}", ctx.host.name)
}

impl Control for Fw {
    fn id(&self) -> &'static str {
        "test-provider-firewall"
    }

    fn scope(&self) -> Scope {
        Scope::Provider
    }

    fn probes(&self, ctx: &HostCtx<'_>) -> Result<Vec<Probe>, RenderError> {
        Ok(vec![Probe::api(
            None,
            "list",
            &format!("/firewalls?name={}", fw_name(ctx)),
        )])
    }

    fn probes_after(&self, _: &HostCtx<'_>, facts: &Facts) -> Result<Vec<Probe>, RenderError> {
        if !self.two_phase {
            return Ok(Vec::new());
        }
        let id = facts
            .api("list")
            .and_then(|v| v.pointer("/firewalls/0/id"))
            .and_then(Value::as_u64)
            .ok_or_else(|| RenderError("no firewall id in the listing".into()))?;
        Ok(vec![Probe::api(None, "one", &format!("/firewalls/{id}"))])
    }

    fn plan(&self, ctx: &HostCtx<'_>, facts: &Facts) -> Result<Plan, RenderError> {
        let name = fw_name(ctx);
        let mut plan = Plan::new(self.id());
        let fw = facts
            .api("list")
            .and_then(|v| v.get("firewalls"))
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .ok_or_else(|| RenderError(format!("no firewall {name}")))?;
        let id = fw
            .get("id")
            .and_then(Value::as_u64)
            .ok_or_else(|| RenderError("firewall without a numeric id".into()))?;
        let rules = if self.two_phase {
            facts.api("one").and_then(|v| v.pointer("/firewall/rules"))
        } else {
            fw.get("rules")
        };
        let have = rules.cloned().unwrap_or(Value::Null);
        let call = ApiCall::new(
            Method::Post,
            format!("/firewalls/{id}/actions/set_rules"),
            Some(json!({ "rules": wanted() })),
            format!("set the rules of firewall {name}"),
        )
        .map_err(|e| RenderError(e.to_string()))?;
        let change = plan.change(Change::Api(call));
        plan.push(
            Finding::new(self.id(), "edge-rules", name, harden::tom::PORTS.id).compare(
                wanted().to_string(),
                have.to_string(),
                Fix::Change(change),
            ),
        );
        Ok(plan)
    }
}

/// Controls that break the provider contract, one way each.
pub enum Odd {
    /// Plans a shell line.
    RunChange,
    /// Asks for a command probe.
    CmdProbe,
    /// Asks for more probes than allowed.
    ManyProbes,
    /// Plans two calls, both selected.
    TwoCalls,
    /// Selects more calls than allowed.
    ManyCalls,
}

pub static RUN_CHANGE: Odd = Odd::RunChange;
pub static CMD_PROBE: Odd = Odd::CmdProbe;
pub static MANY_PROBES: Odd = Odd::ManyProbes;
pub static TWO_CALLS: Odd = Odd::TwoCalls;
pub static MANY_CALLS: Odd = Odd::ManyCalls;

impl Control for Odd {
    fn id(&self) -> &'static str {
        "test-odd"
    }

    fn scope(&self) -> Scope {
        Scope::Provider
    }

    fn probes(&self, _: &HostCtx<'_>) -> Result<Vec<Probe>, RenderError> {
        let api = |i: usize| Probe::api(None, &format!("p{i}"), &format!("/things/{i}"));
        Ok(match self {
            Odd::CmdProbe => vec![api(0), Probe::cmd("x", "true")],
            Odd::ManyProbes => (0..=MAX_PROBES).map(api).collect(),
            Odd::RunChange | Odd::TwoCalls | Odd::ManyCalls => vec![api(0), api(0)],
        })
    }

    fn plan(&self, _: &HostCtx<'_>, _: &Facts) -> Result<Plan, RenderError> {
        let mut plan = Plan::new(self.id());
        let post = |n: u32| {
            ApiCall::new(
                Method::Post,
                format!("/things/{n}"),
                None,
                format!("make thing {n}"),
            )
            .map_err(|e| RenderError(e.to_string()))
        };
        let ids = match self {
            Odd::RunChange => vec![plan.change(Change::Api(post(1)?)), plan.run("rm -rf /x")],
            Odd::ManyCalls => (0..=MAX_CALLS as u32)
                .map(|n| Ok(plan.change(Change::Api(post(n)?))))
                .collect::<Result<_, RenderError>>()?,
            _ => vec![
                plan.change(Change::Api(post(1)?)),
                plan.change(Change::Api(post(2)?)),
            ],
        };
        for (i, id) in ids.into_iter().enumerate() {
            plan.push(
                Finding::new(
                    self.id(),
                    "edge-object",
                    format!("thing-{i}"),
                    harden::tom::PORTS.id,
                )
                .drift("there", "missing", Fix::Change(id)),
            );
        }
        Ok(plan)
    }
}
