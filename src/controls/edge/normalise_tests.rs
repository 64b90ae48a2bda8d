use super::*;

fn atoms(v: Value) -> Vec<Atom> {
    hcloud_rule(&v).expect("readable").expect("inbound").atoms
}

fn otc_atoms(v: Value) -> Vec<Atom> {
    otc_rule(&v).expect("readable").expect("ingress").atoms
}

fn neutron(extra: Value) -> Value {
    let mut r = json!({"id": "r-1", "direction": "ingress", "ethertype": "IPv4", "protocol": "tcp",
        "port_range_min": 22, "port_range_max": 22, "remote_ip_prefix": "10.0.0.1/32",
        "remote_group_id": null});
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        r[k] = v;
    }
    r
}

#[test]
fn hetzner_spellings_are_equivalent() {
    let a = atoms(json!({"direction": "in", "protocol": "tcp", "port": "22",
        "source_ips": ["10.0.0.1/32", "2001:db8::1/128"]}));
    let b = atoms(
        json!({"direction": "in", "protocol": "tcp", "port": "22-22",
        "source_ips": ["2001:0db8:0000::1", "10.0.0.1"], "description": null}),
    );
    let mut b_sorted = b.clone();
    b_sorted.sort();
    let mut a_sorted = a.clone();
    a_sorted.sort();
    assert_eq!(a_sorted, b_sorted);
    let all = atoms(
        json!({"direction": "in", "protocol": "udp", "port": null, "source_ips": ["0.0.0.0/0"]}),
    );
    let any = atoms(
        json!({"direction": "in", "protocol": "udp", "port": "any", "source_ips": ["0.0.0.0/0"]}),
    );
    let range = atoms(
        json!({"direction": "in", "protocol": "udp", "port": "1-65535", "source_ips": ["0.0.0.0/0"]}),
    );
    assert_eq!((&all, &any), (&range, &range));
    assert_eq!(
        hcloud_rule(&json!({"direction": "out", "protocol": "tcp", "port": "80"})),
        Ok(None)
    );
}

#[test]
fn hetzner_hostile_rules_are_unreadable_with_a_reason() {
    for (rule, why) in [
        (
            json!({"direction": "in", "protocol": "tcp", "port": "22", "source_ips": ["10.0.0.1/8"]}),
            "not an exact prefix",
        ),
        (
            json!({"direction": "in", "protocol": "tcp", "port": "0", "source_ips": []}),
            "not a port",
        ),
        (
            json!({"direction": "in", "protocol": "tcp", "port": "90-80", "source_ips": []}),
            "backwards",
        ),
        (
            json!({"direction": "in", "protocol": "tcp", "port": 22, "source_ips": []}),
            "not a string",
        ),
        (
            json!({"direction": "in", "protocol": "esp", "source_ips": []}),
            "protocol esp is not modelled",
        ),
        (
            json!({"direction": "in", "protocol": "icmp", "port": "8", "source_ips": []}),
            "icmp rule with port",
        ),
        (json!({"direction": "sideways"}), "no direction"),
        (
            json!({"direction": "in", "protocol": "tcp", "port": "22", "source_ips": "x"}),
            "bounded list",
        ),
        (
            json!({"direction": "in", "protocol": "tcp", "port": "22", "source_ips": ["\u{1b}[31m"]}),
            "source ?[31m",
        ),
    ] {
        let e = hcloud_rule(&rule).expect_err("unreadable");
        assert!(e.why.contains(why), "{rule}: {}", e.why);
        assert!(!e.why.chars().any(char::is_control), "{}", e.why);
    }
}

#[test]
fn hetzner_rules_group_per_port_and_mark_and_respect_the_limits() {
    let mut want = BTreeMap::new();
    for i in 0..150u32 {
        let s = Cidr::parse(&format!("10.0.{}.{}", i / 200, i % 200)).expect("cidr");
        want.insert(
            Atom {
                proto: EdgeProto::Tcp,
                ports: Some((443, 443)),
                source: s,
            },
            Mark::Derived("allow[0]".into()),
        );
    }
    let rules = hcloud_rules(&want).expect("rules");
    assert_eq!(rules.len(), 2, "150 sources: 100 + 50");
    assert_eq!(rules[0]["source_ips"].as_array().map(Vec::len), Some(100));
    assert_eq!(rules[0]["port"], "443");
    let mut many = BTreeMap::new();
    for p in 1..=51u16 {
        many.insert(
            Atom {
                proto: EdgeProto::Udp,
                ports: Some((p, p)),
                source: super::super::desired::anyone()[0],
            },
            Mark::Controller,
        );
    }
    let e = hcloud_rules(&many).expect_err("over the limit");
    assert!(
        e.contains("51 rules needed, more than the 50 a Hetzner firewall holds"),
        "{e}"
    );
}

#[test]
fn neutron_spellings_are_equivalent() {
    let base = otc_atoms(neutron(json!({})));
    assert_eq!(
        otc_atoms(neutron(
            json!({"remote_ip_prefix": "10.0.0.1", "protocol": "6"})
        )),
        base
    );
    assert_eq!(otc_atoms(neutron(json!({"protocol": 6}))), base);
    let all = otc_atoms(neutron(
        json!({"port_range_min": null, "port_range_max": null}),
    ));
    let full = otc_atoms(neutron(
        json!({"port_range_min": 1, "port_range_max": 65535}),
    ));
    assert_eq!(all, full);
    let any6 = otc_atoms(neutron(
        json!({"ethertype": "IPv6", "remote_ip_prefix": null, "protocol": "ipv6-icmp",
        "port_range_min": null, "port_range_max": null}),
    ));
    assert_eq!(any6[0].source.to_string(), "::/0");
    assert_eq!(any6[0].proto, EdgeProto::Icmp);
    assert_eq!(
        otc_rule(&neutron(json!({"direction": "egress", "protocol": null}))),
        Ok(None)
    );
}

#[test]
fn neutron_hostile_rules_are_unreadable_and_keep_a_usable_id() {
    for (extra, why) in [
        (json!({"protocol": null}), "any protocol"),
        (json!({"protocol": "47"}), "protocol 47 is not modelled"),
        (
            json!({"port_range_min": 22, "port_range_max": null}),
            "half-open",
        ),
        (
            json!({"port_range_min": 70000, "port_range_max": 70000}),
            "not 1-65535",
        ),
        (json!({"remote_group_id": "g"}), "remote_group_id"),
        (json!({"ethertype": "IPv6"}), "does not match the ethertype"),
        (
            json!({"protocol": "icmp", "port_range_min": 8, "port_range_max": 0}),
            "ICMP",
        ),
        (
            json!({"remote_ip_prefix": "10.0.0.1/8"}),
            "not an exact prefix",
        ),
    ] {
        let e = otc_rule(&neutron(extra.clone())).expect_err("unreadable");
        assert!(e.why.contains(why), "{extra}: {}", e.why);
        assert_eq!(e.id.as_deref(), Some("r-1"));
    }
    let e = otc_rule(&neutron(json!({"id": "../x"}))).expect_err("bad id");
    assert_eq!(e.id, None);
}

#[test]
fn neutron_bodies_round_trip() {
    let a = Atom {
        proto: EdgeProto::Udp,
        ports: Some((60000, 61000)),
        source: Cidr::parse("2001:db8::/32").expect("cidr"),
    };
    let mut r =
        otc_rule_body("g-1", &a, &Mark::Derived("allow[1]".into()))["security_group_rule"].clone();
    assert_eq!(r["ethertype"], "IPv6");
    r["id"] = json!("n-1");
    let back = otc_rule(&r).expect("readable").expect("ingress");
    assert_eq!(back.atoms, [a]);
    assert_eq!(back.mark, Some(Mark::Derived("allow[1]".into())));
}
