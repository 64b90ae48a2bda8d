//! Rendering the sshd control for the OpenSSH versions harden meets.

use super::*;
use crate::contract::CmdFact;
use crate::testkit;

fn render(banner: &str) -> String {
    let inv = testkit::inventory()
        .controller_sources(&["10.213.0.2", "fd00:213::2", "192.0.2.0/24"])
        .host("app", "10.213.0.12", "app")
        .load();
    let ctx = HostCtx::new(&inv, &inv.hosts[0], None);
    let mut facts = Facts::default();
    facts.set_cmd(
        VERSION,
        CmdFact {
            rc: 0,
            stdout: String::new(),
            stderr: banner.into(),
        },
    );
    let p = Sshd.plan(&ctx, &facts).expect("render");
    let text = p.files().next().expect("sshd_config").text();
    text
}

#[test]
fn controller_sources_are_exempt_from_penalties_from_openssh_9_8_only() {
    let d12 = render("OpenSSH_9.2p1 Debian-2+deb12u10, OpenSSL 3.0.19");
    assert!(!d12.contains("PerSourcePenalty"), "{d12}");
    let line = "\nPerSourcePenaltyExemptList 10.213.0.2/32,fd00:213::2/128,192.0.2.0/24\n";
    for banner in [
        "OpenSSH_9.8p1, OpenSSL 3.3",
        "OpenSSH_9.9p1 Ubuntu-3",
        "OpenSSH_10.0p2 Debian-7, OpenSSL 3.5.1",
    ] {
        let text = render(banner);
        assert!(text.contains(line), "{banner}:\n{text}");
        // Penalties stay on for everyone else: harden never turns them off.
        assert!(!text.contains("PerSourcePenalties "), "{text}");
    }
}
