use super::*;
use crate::controls::edge::fixtures::{ctx, inventory};

#[test]
fn desired_is_the_host_firewall_s_inputs() {
    let inv = inventory();
    let c = ctx(&inv, "web");
    let needs = [crate::contract::PortNeed {
        control: "haproxy",
        port: crate::inventory::PortRange::single(8443),
        proto: Proto::Tcp,
        from: Some(vec![Cidr::parse("10.213.0.13").expect("cidr")]),
        why: "listener web".into(),
    }];
    let d = desired(&c.with_ports(&needs));
    let shown: Vec<String> = d
        .iter()
        .map(|(a, m)| format!("{a} [{}]", m.description()))
        .collect();
    assert_eq!(
        shown,
        [
            "tcp/22 from 10.213.0.2 [harden controller]",
            "tcp/22 from fd00:213::2 [harden controller]",
            "tcp/443 from 0.0.0.0/0 [harden allow[0] tls]",
            "tcp/443 from ::/0 [harden allow[0] tls]",
            "tcp/8443 from 10.213.0.13 [harden haproxy listener web]",
            "icmp from 0.0.0.0/0 [harden icmp (rate-limited on the host)]",
            "icmp from ::/0 [harden icmp (rate-limited on the host)]",
        ]
    );
    assert_eq!(controller(&d).len(), 2);
}
