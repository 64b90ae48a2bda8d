//! The in-memory world of the Open Telekom Cloud fake: the IAM user and
//! project, issued tokens, ECS servers, EVS volumes, Neutron security
//! groups with their rules, and ports. Tests (and the lab demo) seed it
//! through the helpers here and inspect it after a run; the routes
//! (`otc_iam_ecs.rs`, `otc_evs.rs`, `otc_vpc.rs`) read and change it.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::faults::Faults;

/// The IAM user that may get tokens.
#[derive(Debug, Clone)]
pub struct User {
    /// The user name.
    pub name: String,
    /// The domain (account) name.
    pub domain: String,
    /// The password.
    pub password: String,
}

/// A token the fake issued.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The `X-Subject-Token` value.
    pub token: String,
    /// The project it is scoped to.
    pub project_id: String,
    /// Unix seconds.
    pub expires_at: u64,
    /// Revoked (by a fault or a test): answered 401 from now on.
    pub revoked: bool,
}

/// An ECS server.
#[derive(Debug, Clone)]
pub struct Server {
    /// A UUID.
    pub id: String,
    /// Its name.
    pub name: String,
    /// (network name, address).
    pub addresses: Vec<(String, String)>,
}

/// An EVS volume.
#[derive(Debug, Clone)]
pub struct Volume {
    /// A UUID.
    pub id: String,
    /// Its name.
    pub name: String,
    /// (server id, device).
    pub attachments: Vec<(String, String)>,
    /// Its metadata (`__system__encrypted`, `__system__cmkid`, …).
    pub metadata: BTreeMap<String, String>,
}

/// A Neutron security group rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// A UUID.
    pub id: String,
    /// The group it belongs to.
    pub security_group_id: String,
    /// `ingress` or `egress`.
    pub direction: String,
    /// `IPv4` or `IPv6`.
    pub ethertype: String,
    /// `tcp`, `udp`, `icmp`, a number, or `None` for any.
    pub protocol: Option<String>,
    /// The lower port (ICMP: the type).
    pub port_range_min: Option<u16>,
    /// The upper port (ICMP: the code).
    pub port_range_max: Option<u16>,
    /// A CIDR (a bare IP is stored as /32 or /128, as OTC does).
    pub remote_ip_prefix: Option<String>,
    /// Another group as the source.
    pub remote_group_id: Option<String>,
    /// The description.
    pub description: String,
}

/// A Neutron security group.
#[derive(Debug, Clone)]
pub struct Group {
    /// A UUID.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: String,
}

/// A Neutron port (a server's NIC).
#[derive(Debug, Clone)]
pub struct Port {
    /// A UUID.
    pub id: String,
    /// The server it belongs to.
    pub device_id: String,
    /// The groups on it.
    pub security_groups: Vec<String>,
    /// Filtering on (false bypasses every group).
    pub port_security_enabled: bool,
    /// Its addresses.
    pub fixed_ips: Vec<String>,
}

/// Everything the fake knows.
#[derive(Debug)]
pub struct OtcState {
    /// The one user.
    pub user: User,
    /// The project name (`eu-de`, `eu-de_<sub>`).
    pub project_name: String,
    /// The project id (32 hex digits).
    pub project_id: String,
    /// Seconds a new token is valid; 0 or less: already expired on use.
    pub token_lifetime: i64,
    /// One-shot lifetimes for the next tokens, before `token_lifetime`.
    pub next_lifetimes: Vec<i64>,
    /// Every token issued, in order.
    pub tokens: Vec<IssuedToken>,
    /// The servers.
    pub servers: Vec<Server>,
    /// The volumes, in listing order.
    pub volumes: Vec<Volume>,
    /// The KMS keys (a volume added with a key adds it, enabled).
    pub keys: Vec<super::kms::Key>,
    /// KMS answers 403 (the IAM user lacks `kms:cmk:get`).
    pub kms_forbidden: bool,
    /// The security groups.
    pub groups: Vec<Group>,
    /// Their rules, in creation order.
    pub rules: Vec<Rule>,
    /// The ports.
    pub ports: Vec<Port>,
    /// The most volumes on one EVS page (EVS: 1000).
    pub evs_page_max: usize,
    /// The most rules on one Neutron page (Neutron: 2000).
    pub neutron_page_max: usize,
    /// Faults still to be injected.
    pub faults: Faults,
    /// Every request as `METHOD target` (the token is never kept here).
    pub log: Vec<String>,
    next_id: u64,
}

/// The default project id.
pub const PROJECT_ID: &str = "0123456789abcdef0123456789abcdef";

impl OtcState {
    /// A project `eu-de` with user `harden` in domain `OTC-EU-DE-1` and
    /// `password`; tokens valid for 24 h; nothing else.
    pub fn new(password: &str) -> OtcState {
        OtcState {
            user: User {
                name: "harden".into(),
                domain: "OTC-EU-DE-1".into(),
                password: password.into(),
            },
            project_name: "eu-de".into(),
            project_id: PROJECT_ID.into(),
            token_lifetime: 24 * 3600,
            next_lifetimes: Vec::new(),
            tokens: Vec::new(),
            servers: Vec::new(),
            volumes: Vec::new(),
            keys: Vec::new(),
            kms_forbidden: false,
            groups: Vec::new(),
            rules: Vec::new(),
            ports: Vec::new(),
            evs_page_max: 1000,
            neutron_page_max: 2000,
            faults: Faults::default(),
            log: Vec::new(),
            next_id: 0,
        }
    }

    /// A fresh UUID (deterministic, distinct per kind and call).
    pub fn new_id(&mut self, kind: u32) -> String {
        self.next_id += 1;
        format!("{kind:08x}-0000-4000-8000-{:012x}", self.next_id)
    }

    /// Adds a server with one address on network `net`; its id.
    pub fn add_server(&mut self, name: &str, net: &str, addr: &str) -> String {
        let id = self.new_id(0x5e);
        self.servers.push(Server {
            id: id.clone(),
            name: name.into(),
            addresses: vec![(net.into(), addr.into())],
        });
        id
    }

    /// Adds a volume attached to `server` (as `/dev/vdb`), KMS-encrypted
    /// with key `cmk` when given (added as an enabled key `evs/default`
    /// if unknown); its id.
    pub fn add_volume(&mut self, name: &str, server: Option<&str>, cmk: Option<&str>) -> String {
        let id = self.new_id(0x70);
        let mut metadata = BTreeMap::new();
        if let Some(k) = cmk {
            if !self.keys.iter().any(|x| x.id == k) {
                self.keys.push(super::kms::Key::enabled(k, "evs/default"));
            }
            metadata.insert("__system__encrypted".into(), "1".into());
            metadata.insert("__system__cmkid".into(), k.into());
        }
        self.volumes.push(Volume {
            id: id.clone(),
            name: name.into(),
            attachments: server
                .map(|s| (s.to_string(), "/dev/vdb".to_string()))
                .into_iter()
                .collect(),
            metadata,
        });
        id
    }

    /// The key `id`, to change its state (`None`: unknown).
    pub fn key_mut(&mut self, id: &str) -> Option<&mut super::kms::Key> {
        self.keys.iter_mut().find(|k| k.id == id)
    }

    /// Adds a security group with Neutron's two default allow-all egress
    /// rules (IPv4 and IPv6); its id.
    pub fn add_group(&mut self, name: &str, description: &str) -> String {
        let id = self.new_id(0x56);
        self.groups.push(Group {
            id: id.clone(),
            name: name.into(),
            description: description.into(),
        });
        for ethertype in ["IPv4", "IPv6"] {
            let rid = self.new_id(0x52);
            self.rules.push(Rule {
                id: rid,
                security_group_id: id.clone(),
                direction: "egress".into(),
                ethertype: ethertype.into(),
                protocol: None,
                port_range_min: None,
                port_range_max: None,
                remote_ip_prefix: None,
                remote_group_id: None,
                description: String::new(),
            });
        }
        id
    }

    /// Adds a port of `server` carrying `groups`; its id.
    pub fn add_port(&mut self, server: &str, groups: &[&str], ip: &str) -> String {
        let id = self.new_id(0x90);
        self.ports.push(Port {
            id: id.clone(),
            device_id: server.into(),
            security_groups: groups.iter().map(|g| g.to_string()).collect(),
            port_security_enabled: true,
            fixed_ips: vec![ip.into()],
        });
        id
    }

    /// Issues a token for the project; its value.
    pub fn issue_token(&mut self) -> IssuedToken {
        let lifetime = if self.next_lifetimes.is_empty() {
            self.token_lifetime
        } else {
            self.next_lifetimes.remove(0)
        };
        let n = self.tokens.len() + 1;
        let now = crate::timefmt::now() as i64;
        let t = IssuedToken {
            token: format!("MIIfake-otc-token-{n:04}-{}", self.project_id),
            project_id: self.project_id.clone(),
            expires_at: now.saturating_add(lifetime).max(0) as u64,
            revoked: false,
        };
        self.tokens.push(t.clone());
        t
    }

    /// The rules of group `id`.
    pub fn rules_of(&self, id: &str) -> Vec<&Rule> {
        self.rules
            .iter()
            .filter(|r| r.security_group_id == id)
            .collect()
    }
}

impl Server {
    /// Nova's shape.
    pub fn json(&self, project: &str) -> Value {
        let mut nets: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
        for (net, addr) in &self.addresses {
            let version = if addr.contains(':') { 6 } else { 4 };
            nets.entry(net)
                .or_default()
                .push(json!({"addr": addr, "version": version,
                "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:00:01"}));
        }
        json!({"id": self.id, "name": self.name, "status": "ACTIVE", "tenant_id": project,
            "addresses": nets, "metadata": {}, "flavor": {"id": "s3.medium.2"}})
    }
}

impl Volume {
    /// EVS's `cloudvolumes/detail` shape.
    pub fn json(&self) -> Value {
        let attachments: Vec<Value> = self
            .attachments
            .iter()
            .map(|(s, d)| {
                json!({"server_id": s, "device": d, "id": self.id, "volume_id": self.id,
                "attachment_id": format!("att-{}", &self.id[..8]), "host_name": null,
                "attached_at": "2026-01-01T00:00:00.000000"})
            })
            .collect();
        let status = if attachments.is_empty() {
            "available"
        } else {
            "in-use"
        };
        json!({"id": self.id, "name": self.name, "status": status, "size": 100,
            "volume_type": "SSD", "bootable": "false", "encrypted": null,
            "metadata": self.metadata, "attachments": attachments})
    }
}

impl Rule {
    /// Neutron's shape.
    pub fn json(&self, project: &str) -> Value {
        json!({"id": self.id, "security_group_id": self.security_group_id,
            "direction": self.direction, "ethertype": self.ethertype,
            "protocol": self.protocol, "port_range_min": self.port_range_min,
            "port_range_max": self.port_range_max, "remote_ip_prefix": self.remote_ip_prefix,
            "remote_group_id": self.remote_group_id, "remote_address_group_id": null,
            "description": self.description, "tenant_id": project, "project_id": project,
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"})
    }

    /// The same rule, ignoring id and description (Neutron's duplicate test).
    pub fn same_as(&self, o: &Rule) -> bool {
        self.security_group_id == o.security_group_id
            && self.direction == o.direction
            && self.ethertype == o.ethertype
            && self.protocol == o.protocol
            && self.port_range_min == o.port_range_min
            && self.port_range_max == o.port_range_max
            && self.remote_ip_prefix == o.remote_ip_prefix
            && self.remote_group_id == o.remote_group_id
    }
}

impl Port {
    /// Neutron's shape.
    pub fn json(&self, project: &str) -> Value {
        let ips: Vec<Value> = self
            .fixed_ips
            .iter()
            .map(|ip| json!({"ip_address": ip, "subnet_id": "subnet-1"}))
            .collect();
        json!({"id": self.id, "device_id": self.device_id, "device_owner": "compute:eu-de-01",
            "security_groups": self.security_groups, "port_security_enabled":
            self.port_security_enabled, "fixed_ips": ips, "allowed_address_pairs": [],
            "tenant_id": project, "project_id": project, "status": "ACTIVE"})
    }
}
