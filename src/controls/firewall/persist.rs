//! Keeping harden's table across reboots.
//!
//! On systemd hosts a oneshot unit loads /etc/harden/firewall.nft early in
//! boot, ordered after Debian's nftables.service (whose stock
//! /etc/nftables.conf starts with `flush ruleset`) and before the network
//! comes up, so a rebooted host is never reachable without its rules.
//! Hosts without systemd (containers, the lab) have no boot hook harden
//! can rely on: drift says so as information.

use crate::contract::Facts;
use crate::contract::ManagedFile;
use crate::report::model::{Finding, Fix};

/// The unit file.
pub const UNIT_PATH: &str = "/etc/systemd/system/harden-firewall.service";
/// Probe id of `systemctl is-enabled`.
pub const PROBE: &str = "firewall.unit";
/// The probe script.
pub const SCRIPT: &str = "if [ -d /run/systemd/system ]; then systemctl is-enabled harden-firewall.service 2>/dev/null; else echo no-systemd; fi";
/// Makes the unit known and enabled (idempotent).
pub const ENABLE: &str = "if [ -d /run/systemd/system ]; then systemctl daemon-reload && systemctl enable --quiet harden-firewall.service; fi";

/// The unit's content.
pub fn unit(rules_path: &str) -> String {
    format!(
        "# Managed by harden: loads harden's nftables table at boot.\n\
         [Unit]\n\
         Description=harden host firewall (table inet harden)\n\
         DefaultDependencies=no\n\
         After=local-fs.target nftables.service\n\
         Before=network-pre.target shutdown.target\n\
         Wants=network-pre.target\n\
         Conflicts=shutdown.target\n\
         \n\
         [Service]\n\
         Type=oneshot\n\
         RemainAfterExit=yes\n\
         ExecStart=/usr/sbin/nft -f {rules_path}\n\
         \n\
         [Install]\n\
         WantedBy=sysinit.target\n"
    )
}

/// The unit as a managed file, on systemd hosts only.
pub fn file(facts: &Facts, rules_path: &str) -> Option<ManagedFile> {
    facts
        .base
        .systemd
        .then(|| ManagedFile::root(UNIT_PATH, unit(rules_path), 0o644, crate::tom::PORTS.id))
}

/// Whether the unit is enabled (drift), or why boot persistence is unknown.
pub fn finding(facts: &Facts) -> Option<Finding> {
    let out = facts.cmd(PROBE)?.stdout.trim().to_string();
    let f = Finding::new(
        "firewall",
        "boot-persistence",
        "harden-firewall.service",
        crate::tom::PORTS.id,
    );
    Some(match out.as_str() {
        "no-systemd" => f.info("no systemd on this host: harden's rules are not reloaded at boot; load /etc/harden/firewall.nft from the host's own boot scripts"),
        "enabled" => f.ok("enabled"),
        other => f.drift("enabled", if other.is_empty() { "not installed" } else { other }, Fix::Activate),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::CmdFact;

    fn facts(systemd: bool, probe: &str) -> Facts {
        let mut f = Facts::default();
        f.base.systemd = systemd;
        f.set_cmd(
            PROBE,
            CmdFact {
                rc: 0,
                stdout: probe.into(),
                stderr: String::new(),
            },
        );
        f
    }

    #[test]
    fn unit_only_on_systemd_hosts() {
        assert!(file(&facts(false, "no-systemd\n"), "/etc/harden/firewall.nft").is_none());
        let m = file(&facts(true, "enabled\n"), "/etc/harden/firewall.nft").expect("unit");
        let text = m.text();
        assert!(text.contains("ExecStart=/usr/sbin/nft -f /etc/harden/firewall.nft"));
        assert!(text.contains("After=local-fs.target nftables.service"));
        assert!(text.contains("Before=network-pre.target"));
    }

    #[test]
    fn enabled_state_is_checked() {
        use crate::report::model::Status;
        assert_eq!(
            finding(&facts(true, "enabled\n")).map(|f| f.status),
            Some(Status::InSync)
        );
        assert_eq!(
            finding(&facts(true, "disabled\n")).map(|f| f.status),
            Some(Status::Drift)
        );
        assert_eq!(
            finding(&facts(true, "")).map(|f| f.actual),
            Some("not installed".into())
        );
        assert_eq!(
            finding(&facts(false, "no-systemd\n")).map(|f| f.status),
            Some(Status::Info)
        );
    }
}
