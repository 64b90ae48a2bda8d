//! The systemd code paths (sshd reload through `systemctl`, the firewall's
//! boot unit) on a lab host made to look like a systemd host: its private
//! /run gets /run/systemd/system and a stand-in `systemctl` (first on the
//! host's PATH) that logs every call and does what harden asks of it. The
//! real sshd is still reloaded, so the change is proven live.

use crate::util::TestLab;

const ONE: &str = "{defaults}\n[[hosts]]\nname = \"otc-app-1\"\naddress = \"10.213.0.11\"\nprovider = \"telekom\"\nenvironment = \"production\"\nroles = [\"app\"]\n";

const FAKE_SYSTEMCTL: &str = r#"#!/bin/sh
# Test stand-in for systemctl: logs calls, implements what harden uses.
echo "$*" >> /var/log/fake-systemctl.log
unit=""
for a in "$@"; do case "$a" in *.service) unit=$a;; esac; done
case "$1" in
  is-active) [ "$unit" = ssh.service ] && exit 0; exit 3 ;;
  reload) [ "$unit" = ssh.service ] && kill -HUP "$(cat /run/sshd.pid)"; exit $? ;;
  is-enabled)
    if [ -e "/etc/systemd/system/sysinit.target.wants/$unit" ]; then echo enabled; exit 0; fi
    echo disabled; exit 1 ;;
  enable) mkdir -p /etc/systemd/system/sysinit.target.wants && ln -sf "../$unit" "/etc/systemd/system/sysinit.target.wants/$unit" ;;
  daemon-reload) exit 0 ;;
  *) exit 1 ;;
esac
"#;

#[test]
fn reload_and_boot_unit_go_through_systemctl_on_systemd_hosts() {
    let t = TestLab::new(&["otc-app-1"], ONE);
    t.on(
        "otc-app-1",
        &format!("mkdir -p /run/systemd/system && cat > /usr/local/sbin/systemctl <<'EOF'\n{FAKE_SYSTEMCTL}EOF\nchmod 755 /usr/local/sbin/systemctl"),
    );
    t.harden(&["drift"])
        .code(2)
        .says("harden-firewall.service: disabled -> enabled")
        .says("/etc/systemd/system/harden-firewall.service: absent");
    t.harden(&["apply", "--yes"]).code(0);
    let log = t.on("otc-app-1", "cat /var/log/fake-systemctl.log");
    assert!(
        log.contains("reload ssh.service"),
        "sshd reloaded through systemd: {log}"
    );
    assert!(
        log.contains("enable --quiet harden-firewall.service"),
        "boot unit enabled: {log}"
    );
    assert!(
        t.on("otc-app-1", "grep -c 'Received SIGHUP' /var/log/auth.log")
            .trim()
            != "0",
        "the real sshd was reloaded"
    );
    let unit = t.on(
        "otc-app-1",
        "cat /etc/systemd/system/harden-firewall.service",
    );
    assert!(
        unit.contains("ExecStart=/usr/sbin/nft -f /etc/harden/firewall.nft"),
        "{unit}"
    );
    t.harden(&["drift"]).code(0);
    // Idempotent: a second apply calls nothing that changes state.
    let before = t.on(
        "otc-app-1",
        "grep -cE '^(reload|enable)' /var/log/fake-systemctl.log",
    );
    t.harden(&["apply", "--yes"]).code(0);
    assert_eq!(
        before,
        t.on(
            "otc-app-1",
            "grep -cE '^(reload|enable)' /var/log/fake-systemctl.log"
        )
    );
}
