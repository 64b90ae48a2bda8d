//! Firewall control: one nftables table per host, `inet harden`.
//!
//! It turns the host's `allow` entries and the inventory's controller
//! sources into a default-drop input chain for IPv4 and IPv6, plus the
//! maintenance-window sets whose elements expire in the kernel. Drift is
//! read from the live kernel state: the live table is compared with the
//! desired file loaded into a throw-away network namespace on the same
//! host (`unshare -n`), so both sides are printed by the same nft and no
//! version-specific canonical form has to be guessed. Other tables are
//! never flushed or changed.

pub mod live;
pub mod persist;
pub mod ports;
pub mod render;
pub mod section;

use crate::contract::{sh_quote, Control, Facts, HostCtx, ManagedFile, Plan, Probe, RenderError};
use crate::report::model::{Finding, Fix};

pub use render::{RULES_PATH, TABLE};

const TOM_PORTS: &str = crate::tom::PORTS.id;
const TOM_WINDOW: &str = crate::tom::MGMT_WINDOW.id;

/// Probe ids.
const LIVE: &str = "firewall.live";
const CANON: &str = "firewall.canonical";
const JSON: &str = "firewall.json";

/// The maintenance sets and the address family of each.
pub const MGMT_SETS: [(&str, bool); 2] = [("mgmt_v4", true), ("mgmt_v6", false)];

/// The nftables control.
pub struct Firewall;

impl Control for Firewall {
    fn id(&self) -> &'static str {
        "firewall"
    }

    fn measures(&self) -> &'static [&'static crate::tom::Tom] {
        &[crate::tom::PORTS, crate::tom::MGMT_WINDOW]
    }

    fn section(&self) -> Option<&'static dyn crate::contract::section::Section> {
        Some(&section::FirewallSection)
    }

    fn templates(&self) -> &'static [(&'static str, &'static str)] {
        &[(
            "firewall/harden.nft",
            include_str!("../../../templates/firewall/harden.nft.tera"),
        )]
    }

    fn probes(&self, ctx: &HostCtx<'_>) -> Result<Vec<Probe>, RenderError> {
        let rules = render::ruleset(ctx)?;
        Ok(vec![
            Probe::cmd(LIVE, format!("nft list table inet {TABLE}")),
            // Load the desired rules into an empty network namespace and
            // list them back: the reference listing, printed by this host's
            // nft. `nft -i` does both in one process ($T is the probe's
            // private scratch directory).
            Probe::cmd(
                CANON,
                format!(
                    "printf '%s' {} > \"$T/rules.nft\" && printf 'include \"%s\"\\nlist table inet {TABLE}\\n' \"$T/rules.nft\" | unshare -n nft -i",
                    sh_quote(&rules)
                ),
            ),
            Probe::cmd(JSON, "nft -j list ruleset"),
            Probe::cmd(ports::PROBE, ports::SCRIPT),
            Probe::cmd(persist::PROBE, persist::SCRIPT),
            // Only rendered on systemd hosts, so the engine's offline
            // render does not list it: probe it here.
            Probe::File(persist::UNIT_PATH.into()),
        ])
    }

    fn plan(&self, ctx: &HostCtx<'_>, facts: &Facts) -> Result<Plan, RenderError> {
        let rules = render::ruleset(ctx)?;
        let mut p = Plan::new("firewall");
        p.guard = true;
        p.activate.push(format!(
            "if [ -f {RULES_PATH} ]; then nft -f {RULES_PATH}; else nft delete table inet {TABLE} 2>/dev/null || true; fi"
        ));
        p.activate.push(persist::ENABLE.to_string());
        p.file(
            ManagedFile::root(RULES_PATH, rules, 0o600, TOM_PORTS).validated_by("nft -c -f {}"),
            &facts.file(RULES_PATH),
        );
        if let Some(f) = persist::file(facts, RULES_PATH) {
            let have = facts.file(&f.path);
            p.file(f, &have);
        }
        if let Some(addr) = facts.base.client_addr {
            let h = ctx.host;
            if !h.controller_sources.iter().any(|c| c.contains(addr)) {
                p.preflight.push(format!(
                    "the host sees harden connecting from {addr}, which controller_sources ({}) does not include: the new firewall would cut harden off",
                    h.controller_sources.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
                ));
            }
        }
        if facts.assumed {
            return Ok(p);
        }
        let table = table_finding(facts);
        let listed = match facts.cmd(JSON).map(|c| live::parse(&c.stdout)) {
            Some(Ok(live)) => Some(live),
            Some(Err(e)) => {
                p.push(
                    Finding::new("firewall", "nft-json", "nft -j list ruleset", TOM_PORTS)
                        .failed(e),
                );
                None
            }
            None => None,
        };
        p.push(table);
        if let Some(live) = listed {
            // Chains and sets harden no longer renders go with the
            // activation that reloads the table.
            for c in live.chains.iter().filter(|c| c.name != "input") {
                p.activate.push(format!(
                    "nft delete chain inet {TABLE} {} 2>/dev/null || true",
                    sh_quote(&c.name)
                ));
            }
            for s in live
                .sets
                .iter()
                .filter(|s| !MGMT_SETS.iter().any(|(n, _)| *n == s.name))
            {
                p.activate.push(format!(
                    "nft delete set inet {TABLE} {} 2>/dev/null || true",
                    sh_quote(&s.name)
                ));
            }
            window_findings(ctx, &live, &mut p);
            if !live.other_tables.is_empty() {
                p.push(
                    Finding::new(
                        "firewall",
                        "other-tables",
                        "other nftables tables",
                        TOM_PORTS,
                    )
                    .info(format!("left untouched: {}", live.other_tables.join(", "))),
                );
            }
        }
        p.extend(ports::check(ctx, facts));
        p.extend(persist::finding(facts));
        Ok(p)
    }
}

/// The live table compared with the rendered rules, both listed by this
/// host's nft (see the module doc).
fn table_finding(facts: &Facts) -> Finding {
    let item = format!("table inet {TABLE}");
    let table = Finding::new("firewall", "nft-table", item, TOM_PORTS);
    match (facts.cmd(LIVE), facts.cmd(CANON)) {
        (_, Some(c)) if !c.ok() || !c.stdout.contains("table inet") => table.failed(format!(
            "cannot build the reference listing (nft in an empty network namespace): {}",
            c.stderr.trim()
        )),
        (Some(l), Some(c)) if l.ok() => {
            let want = live::normalise_listing(&c.stdout);
            let have = live::normalise_listing(&l.stdout);
            if want == have {
                table.ok("loaded as rendered")
            } else {
                let diff = crate::report::diff::unified(&have, &want, "live", "desired");
                table
                    .drift("as rendered", "differs", Fix::Activate)
                    .with_message("the live table differs from the rendered rules")
                    .with_diff(Some(diff))
            }
        }
        (Some(_), Some(_)) => table
            .drift("loaded", "absent", Fix::Activate)
            .with_message("harden's table is not loaded: input is not filtered"),
        _ => table.failed("live table was not probed"),
    }
}

/// Why a live maintenance element is not allowed, if it is not.
pub fn window_problem(ctx: &HostCtx<'_>, e: &live::Elem) -> Option<String> {
    if e.timeout.is_none() {
        return Some("has no timeout: it would never close".into());
    }
    let inside = ctx
        .host
        .management_sources
        .iter()
        .any(|m| m.prefix <= e.source.prefix && m.contains(e.source.addr));
    if !inside {
        return Some(format!("{} is outside management_sources", e.source));
    }
    None
}

fn window_findings(ctx: &HostCtx<'_>, live: &live::Live, out: &mut Plan) {
    for (name, _) in MGMT_SETS {
        let Some(set) = live.set(name) else { continue };
        for e in &set.elems {
            let item = format!("{name} {} . {}", e.source, e.port);
            let f = Finding::new("firewall", "maintenance-window", item, TOM_WINDOW);
            match window_problem(ctx, e) {
                Some(why) => {
                    let id = out.run(format!(
                        "nft delete element inet {TABLE} {name} '{{ {} . {} }}' 2>/dev/null || true",
                        e.source, e.port
                    ));
                    out.push(
                        f.drift(
                            "timeout, source in management_sources",
                            why.clone(),
                            Fix::Change(id),
                        )
                        .with_message(format!("maintenance element {why}")),
                    )
                }
                None => out.push(f.info(format!(
                    "maintenance window open, closes in {}s{}",
                    e.expires.unwrap_or(0),
                    e.comment.as_deref().map(|c| format!(" ({c})")).unwrap_or_default()
                ))),
            }
        }
        for odd in &set.odd_elems {
            out.push(
                Finding::new(
                    "firewall",
                    "maintenance-window",
                    format!("{name} {odd}"),
                    TOM_WINDOW,
                )
                .drift("prefix . port with timeout", odd.clone(), Fix::None)
                .with_message("unreadable element in a maintenance set; remove it by hand"),
            );
        }
    }
}
