//! The reachability graph of an estate, read from the rendered firewalls.
//!
//! Every edge comes from `controls::firewall::render::openings` of the
//! target host (with the ports its controls declared, the list the nft
//! ruleset and the provider firewalls are rendered from) plus the
//! management port the ruleset always opens to the controller and, during
//! a maintenance window, to the management sources. Nothing here is drawn;
//! `layout` and `write` turn the model into the picture, and the tests read
//! the model to check what the picture claims.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use crate::controls::firewall::render::openings;
use crate::engine::check::with_host_ctx;
use crate::inventory::{Cidr, Environment, Host, Inventory, Provider, Role};

/// Hosts drawn at most; the rest are counted in [`Model::omitted_hosts`].
pub const MAX_HOSTS: usize = 400;
/// Distinct outside networks drawn as their own source at most; the rest
/// are merged into [`Source::OtherNets`].
pub const MAX_NETS: usize = 16;

/// One host's openings: port label and allowed sources (`None`: anyone).
type Opened = Vec<(String, Option<Vec<Cidr>>)>;

/// Who may open a connection.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// Any address (no `from`, or `0.0.0.0/0`).
    Anyone,
    /// The host's `controller_sources` (harden itself).
    Controller,
    /// The host's `management_sources` (people, via maintenance windows).
    Management,
    /// A network or address outside the estate, as written in the rules.
    Net(Cidr),
    /// Outside networks beyond [`MAX_NETS`].
    OtherNets,
    /// Another host of the estate (by name).
    Host(String),
}

impl Source {
    /// The short label shown beside a port.
    pub fn label(&self) -> String {
        match self {
            Source::Anyone => "anyone".into(),
            Source::Controller => "controller".into(),
            Source::Management => "mgmt".into(),
            Source::Net(c) => c.to_string(),
            Source::OtherNets => "other networks".into(),
            Source::Host(n) => n.clone(),
        }
    }
}

/// When an edge is open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum When {
    /// Always (a rule of the ruleset).
    Always,
    /// Only while a maintenance window is open (a set element that expires).
    Window,
}

/// The column a host is drawn in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    /// Gatekeepers and load balancers: what the internet meets.
    Front,
    /// App hosts and every other host.
    Back,
    /// Hosts holding personal data.
    Data,
}

/// One port of a host and who may reach it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Port {
    /// `443/tcp`, `60000-61000/udp`.
    pub label: String,
    /// Sources with a permanent rule.
    pub always: Vec<Source>,
    /// Sources admitted only during a maintenance window.
    pub window: Vec<Source>,
}

/// One host of the estate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostNode {
    /// Host name (inventory text: escape before drawing).
    pub name: String,
    /// Production or test.
    pub environment: Environment,
    /// Tenant, if any.
    pub tenant: Option<String>,
    /// Roles.
    pub roles: Vec<Role>,
    /// Provider.
    pub provider: Provider,
    /// True for a data host.
    pub data: bool,
    /// Column.
    pub tier: Tier,
    /// Ports in port order, the management port included.
    pub ports: Vec<Port>,
}

/// One allowed connection: `from` may open `port` on host `to`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    /// Who.
    pub from: Source,
    /// Index into [`Model::hosts`].
    pub to: usize,
    /// Port label, as in [`Port::label`].
    pub port: String,
    /// Always or during a window.
    pub when: When,
}

/// Hosts of one environment and tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// Production or test.
    pub environment: Environment,
    /// Tenant, if any.
    pub tenant: Option<String>,
    /// Indexes into [`Model::hosts`], sorted by name.
    pub hosts: Vec<usize>,
}

/// The whole picture's content.
#[derive(Clone, Debug, Default)]
pub struct Model {
    /// Hosts sorted by name (at most [`MAX_HOSTS`]).
    pub hosts: Vec<HostNode>,
    /// Production groups first, then test; by tenant within.
    pub groups: Vec<Group>,
    /// Every edge, sorted.
    pub edges: Vec<Edge>,
    /// Every controller source of any host.
    pub controller: Vec<Cidr>,
    /// Every management source of any host.
    pub management: Vec<Cidr>,
    /// Hosts not drawn (beyond [`MAX_HOSTS`]).
    pub omitted_hosts: usize,
}

impl Model {
    /// The index of host `name`.
    pub fn host(&self, name: &str) -> Option<usize> {
        self.hosts.iter().position(|h| h.name == name)
    }

    /// True when `from` may reach `port` on host `to` at time `when`.
    pub fn reaches(&self, from: &Source, to: &str, port: &str, when: When) -> bool {
        let Some(i) = self.host(to) else {
            return false;
        };
        self.edges
            .iter()
            .any(|e| e.to == i && &e.from == from && e.port == port && e.when == when)
    }

    /// Outside sources that appear on some edge, in drawing order.
    pub fn sources(&self) -> Vec<Source> {
        let set: BTreeSet<&Source> = self
            .edges
            .iter()
            .map(|e| &e.from)
            .filter(|s| !matches!(s, Source::Host(_)))
            .collect();
        set.into_iter().cloned().collect()
    }
}

fn tier(h: &Host) -> Tier {
    if h.has_role(Role::Gatekeeper) || h.has_role(Role::Loadbalancer) {
        Tier::Front
    } else if h.has_role(Role::Data) {
        Tier::Data
    } else {
        Tier::Back
    }
}

/// Classifies one allowed source of `h`'s rules.
fn classify(h: &Host, c: &Cidr, by_addr: &BTreeMap<IpAddr, &str>, nets: &[Cidr]) -> Source {
    if c.is_any() {
        return Source::Anyone;
    }
    if Cidr::host(c.addr) == *c {
        if let Some(n) = by_addr.get(&c.addr) {
            return Source::Host((*n).to_string());
        }
    }
    if h.controller_sources.contains(c) {
        Source::Controller
    } else if h.management_sources.contains(c) {
        Source::Management
    } else if nets.contains(c) {
        Source::Net(*c)
    } else {
        Source::OtherNets
    }
}

/// Builds the model of `inv` from its rendered firewalls.
pub fn build(inv: &Inventory) -> Model {
    let mut sorted: Vec<&Host> = inv.hosts.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let omitted_hosts = sorted.len().saturating_sub(MAX_HOSTS);
    sorted.truncate(MAX_HOSTS);
    let mut by_addr: BTreeMap<IpAddr, &str> = BTreeMap::new();
    for h in &inv.hosts {
        for a in &h.addresses {
            by_addr.entry(*a).or_insert(&h.name);
        }
    }
    // Each host's openings, read once.
    let opened: Vec<Opened> = sorted
        .iter()
        .map(|h| {
            with_host_ctx(inv, h, None, |ctx| {
                openings(ctx)
                    .into_iter()
                    .map(|o| {
                        (
                            format!("{}/{}", o.port, o.proto),
                            o.from.map(<[Cidr]>::to_vec),
                        )
                    })
                    .collect()
            })
        })
        .collect();
    let nets = outside_nets(&sorted, &opened, &by_addr);
    let mut model = Model {
        omitted_hosts,
        ..Model::default()
    };
    let mut controller = BTreeSet::new();
    let mut management = BTreeSet::new();
    let mut edges = BTreeSet::new();
    for (i, (h, list)) in sorted.iter().zip(&opened).enumerate() {
        controller.extend(h.controller_sources.iter().copied());
        management.extend(h.management_sources.iter().copied());
        let mut ports: BTreeMap<String, Port> = BTreeMap::new();
        let mgmt = format!("{}/tcp", h.conn.port);
        let mut add = |label: &str, s: Source, when: When, ports: &mut BTreeMap<String, Port>| {
            let p = ports.entry(label.to_string()).or_insert_with(|| Port {
                label: label.to_string(),
                always: Vec::new(),
                window: Vec::new(),
            });
            let v = if when == When::Always {
                &mut p.always
            } else {
                &mut p.window
            };
            if !v.contains(&s) {
                v.push(s.clone());
            }
            edges.insert(Edge {
                from: s,
                to: i,
                port: label.to_string(),
                when,
            });
        };
        if !h.controller_sources.is_empty() {
            add(&mgmt, Source::Controller, When::Always, &mut ports);
        }
        if !h.management_sources.is_empty() {
            add(&mgmt, Source::Management, When::Window, &mut ports);
        }
        for (label, from) in list {
            match from {
                None => add(label, Source::Anyone, When::Always, &mut ports),
                Some(cs) => {
                    for c in cs {
                        let s = classify(h, c, &by_addr, &nets);
                        if s != Source::Host(h.name.clone()) {
                            add(label, s, When::Always, &mut ports);
                        }
                    }
                }
            }
        }
        let mut ports: Vec<Port> = ports.into_values().collect();
        ports.sort_by_key(|p| port_key(&p.label));
        model.hosts.push(HostNode {
            name: h.name.clone(),
            environment: h.environment,
            tenant: h.tenant.clone(),
            roles: h.roles.clone(),
            provider: h.provider,
            data: h.has_role(Role::Data),
            tier: tier(h),
            ports,
        });
    }
    model.edges = edges.into_iter().collect();
    model.controller = controller.into_iter().collect();
    model.management = management.into_iter().collect();
    model.groups = groups(&model.hosts);
    model
}

/// Sorts ports numerically (`22/tcp` before `443/tcp`), then by text.
fn port_key(label: &str) -> (u32, String) {
    let n = label
        .split(['/', '-'])
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or(u32::MAX);
    (n, label.to_string())
}

/// The outside networks drawn on their own: the first [`MAX_NETS`] in
/// address order.
fn outside_nets(hosts: &[&Host], opened: &[Opened], by_addr: &BTreeMap<IpAddr, &str>) -> Vec<Cidr> {
    let mut set = BTreeSet::new();
    for (h, list) in hosts.iter().zip(opened) {
        for c in list.iter().filter_map(|(_, f)| f.as_ref()).flatten() {
            let known = c.is_any()
                || (Cidr::host(c.addr) == *c && by_addr.contains_key(&c.addr))
                || h.controller_sources.contains(c)
                || h.management_sources.contains(c);
            if !known {
                set.insert(*c);
            }
        }
    }
    set.into_iter().take(MAX_NETS).collect()
}

fn groups(hosts: &[HostNode]) -> Vec<Group> {
    let mut map: BTreeMap<(u8, Option<String>), Vec<usize>> = BTreeMap::new();
    for (i, h) in hosts.iter().enumerate() {
        let env = match h.environment {
            Environment::Production => 0,
            Environment::Test => 1,
        };
        map.entry((env, h.tenant.clone())).or_default().push(i);
    }
    map.into_iter()
        .map(|((env, tenant), hosts)| Group {
            environment: if env == 0 {
                Environment::Production
            } else {
                Environment::Test
            },
            tenant,
            hosts,
        })
        .collect()
}
