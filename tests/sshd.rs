//! sshd hardening on lab hosts: effective settings, validation before
//! activation, lock-out rollback, and an outside audit with ssh-audit.

use std::process::Command;

use crate::util::{run, TestLab};

const ONE: &str = "{defaults}\n[[hosts]]\nname = \"otc-app-1\"\naddress = \"10.213.0.11\"\nprovider = \"telekom\"\nenvironment = \"production\"\nroles = [\"app\"]\n";

fn ssh_audit(t: &TestLab, extra: &[&str]) -> crate::util::Run {
    let mut c = t.lab.cmd_in(&t.lab.controller_ns(), "ssh-audit");
    c.args(["--no-colors"]).args(extra).arg("10.213.0.11");
    let r = run(c);
    assert_ne!(
        r.code, -1,
        "ssh-audit missing: pip install ssh-audit==3.9.0 (.ci/run does)"
    );
    r
}

#[test]
fn ssh_audit_from_outside_passes_without_warnings() {
    let t = TestLab::new(&["otc-app-1"], ONE);
    // Stock Debian sshd fails the audit.
    assert_ne!(ssh_audit(&t, &[]).code, 0);
    t.harden(&["apply", "--yes"]).code(0);
    let r = ssh_audit(&t, &[]);
    r.code(0)
        .never_says("[fail]")
        .never_says("[warn]")
        .says("sntrup761x25519-sha512");
}

#[test]
fn legacy_kex_clients_keep_curve25519_and_ssh_audit_warns() {
    let inv = ONE.replace("roles = [\"app\"]\n", "roles = [\"app\"]\nsshd = { legacy_kex_clients = [ { name = \"ci-paramiko\", reason = \"paramiko 3.4 has no PQ kex\" } ] }\n");
    let t = TestLab::new(&["otc-app-1"], &inv);
    t.harden(&["apply", "--yes"]).code(0);
    let conf = t.on("otc-app-1", "cat /etc/ssh/sshd_config");
    assert!(conf.contains("KexAlgorithms sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256"), "{conf}");
    assert!(
        conf.contains("#   ci-paramiko: paramiko 3.4 has no PQ kex"),
        "{conf}"
    );
    // A classical client gets in.
    t.ssh_opts(
        &t.lab.controller_ns(),
        &t.lab.key(),
        "root",
        "10.213.0.11",
        "true",
        &["KexAlgorithms=curve25519-sha256"],
    )
    .code(0);
    ssh_audit(&t, &[]).code(2).says("[warn]");
}

#[test]
fn effective_settings_are_read_from_sshd_t() {
    let t = TestLab::new(&["otc-app-1"], ONE);
    t.harden(&["apply", "--yes"]).code(0);
    // Re-enable the Include harden removed: sshd -T now sees the drop-in.
    t.on("otc-app-1", "sed -i '1i Include /etc/ssh/sshd_config.d/*.conf' /etc/ssh/sshd_config && printf 'PasswordAuthentication yes\\nX11Forwarding yes\\n' > /etc/ssh/sshd_config.d/50-cloud-init.conf");
    let r = t.harden(&["drift"]);
    r.code(2)
        .says("PasswordAuthentication: yes -> no")
        .says("X11Forwarding: yes -> no")
        .says("unmanaged drop-in")
        .says("50-cloud-init.conf");
    t.harden(&["apply", "--yes"]).code(0);
    assert!(t
        .on("otc-app-1", "sshd -T | grep -i '^passwordauthentication'")
        .contains("no"));
}

#[test]
fn invalid_config_is_never_activated() {
    let t = TestLab::new(&["otc-app-1"], ONE);
    t.harden(&["apply", "--yes"]).code(0);
    let before = t.on("otc-app-1", "sha256sum /etc/ssh/sshd_config");
    let bad = t.inventory(
        "bad.toml",
        &ONE.replace(
            "roles = [\"app\"]\n",
            // An allowed keyword (the inventory refuses unknown ones at
            // load) with a value only sshd -t can reject.
            "roles = [\"app\"]\nsshd = { extra = [\"PermitTTY maybe\"] }\n",
        ),
    );
    t.harden_with(&bad, &["apply", "--yes"])
        .code(1)
        .says("validation failed, nothing activated")
        .says("unsupported option \"maybe\"");
    assert_eq!(before, t.on("otc-app-1", "sha256sum /etc/ssh/sshd_config"));
    t.harden(&["drift"]).code(0);
}

#[test]
fn sshd_change_that_locks_harden_out_rolls_back() {
    let t = TestLab::new(&["otc-app-1"], ONE);
    t.harden(&["apply", "--yes"]).code(0);
    let bad = t.inventory(
        "bad.toml",
        &ONE.replace(
            "roles = [\"app\"]\n",
            "roles = [\"app\"]\nsshd = { extra = [\"AllowUsers nobody\"] }\n",
        ),
    );
    let r = t.harden_with(&bad, &["apply", "--yes", "--rollback-after", "5"]);
    r.code(1).says("ROLLED BACK").says("rolled back by itself");
    t.harden(&["drift"]).code(0);
    assert!(!t
        .on("otc-app-1", "cat /etc/ssh/sshd_config")
        .contains("AllowUsers"));
    let _ = Command::new("true");
}

#[test]
fn a_full_etc_ssh_fails_cleanly_and_leaves_no_temp_file() {
    let t = TestLab::new(&["otc-app-1"], ONE);
    let h = "otc-app-1";
    let before = t.on(h, "sha256sum /etc/ssh/sshd_config");
    // A tiny tmpfs over /etc/ssh (in the lab host's own mount namespace),
    // holding a copy of it, then filled to the last byte.
    t.on(h, "set -e; mkdir -p /root/ssh-copy; cp -a /etc/ssh/. /root/ssh-copy/; mount -t tmpfs -o size=2m tmpfs /etc/ssh; cp -a /root/ssh-copy/. /etc/ssh/; dd if=/dev/zero of=/etc/ssh/fill bs=4k 2>/dev/null || true; test \"$(df --output=avail /etc/ssh | tail -n 1 | tr -d ' ')\" = 0");
    assert_eq!(before, t.on(h, "sha256sum /etc/ssh/sshd_config"));
    t.harden(&["apply", "--yes"])
        .code(1)
        .says("cannot write /etc/ssh/sshd_config");
    assert_eq!(before, t.on(h, "sha256sum /etc/ssh/sshd_config"));
    let left = t.on(
        h,
        "find /etc/ssh /var/lib/harden -name '*.harden-tmp' 2>/dev/null; true",
    );
    assert_eq!(left.trim(), "", "temp files left behind");
    // Not locked out: drift still connects and names what is left to do.
    t.harden(&["drift"]).code(2).says("PasswordAuthentication");
    t.on(h, "umount /etc/ssh");
    t.harden(&["apply", "--yes"]).code(0);
    t.harden(&["drift"]).code(0);
}

#[test]
fn a_match_block_weakening_one_source_is_drift_named_by_class() {
    let t = TestLab::new(&["otc-app-1"], ONE);
    t.harden(&["apply", "--yes"]).code(0);
    t.harden(&["drift"]).code(0);
    // Behind harden's back: passwords for the management network only.
    t.on(
        "otc-app-1",
        "printf 'Match Address 198.51.100.0/28\\n  PasswordAuthentication yes\\n  X11Forwarding yes\\n' >> /etc/ssh/sshd_config && sshd -t",
    );
    let r = t.harden(&["drift"]);
    r.code(2)
        .says("PasswordAuthentication (for user=root from 198.51.100.1 (management_sources 198.51.100.0/28)): yes -> no")
        .says("X11Forwarding (for user=root from 198.51.100.1")
        .never_says("from 203.0.113.10");
    let j = t.harden(&["drift", "--format", "json"]).json();
    // The file check sees the edit; the effective check names what it
    // does and for whom, once per setting (no duplicates for other classes).
    let class = "(for user=root from 198.51.100.1 (management_sources 198.51.100.0/28))";
    assert_eq!(
        crate::util::drifting(&j),
        [
            (
                "otc-app-1".into(),
                "file".into(),
                "/etc/ssh/sshd_config".into()
            ),
            (
                "otc-app-1".into(),
                "sshd-effective".into(),
                format!("PasswordAuthentication {class}")
            ),
            (
                "otc-app-1".into(),
                "sshd-effective".into(),
                format!("X11Forwarding {class}")
            ),
        ]
    );
    t.harden(&["apply", "--yes"]).code(0);
    t.harden(&["drift"]).code(0);
}

#[test]
fn a_host_dropping_harden_before_key_exchange_is_retried_and_explained() {
    // A listener that accepts and closes: what a penalised source, a full
    // MaxStartups or fail2ban look like to ssh.
    let inv = ONE.replace(
        "roles = [\"app\"]\n",
        "roles = [\"app\"]\nssh_port = 2222\n",
    );
    let t = TestLab::new(&["otc-app-1"], &inv);
    t.listen("otc-app-1", 2222);
    // Count the connection attempts at the host (its own namespace).
    t.on("otc-app-1", "nft add table inet probe && nft add chain inet probe c '{ type filter hook input priority 0; }' && nft add rule inet probe c tcp dport 2222 tcp flags syn counter");
    let mut c = t
        .lab
        .cmd_in(&t.lab.controller_ns(), crate::util::harden_bin());
    c.arg("-i")
        .arg(&t.inv)
        .arg("drift")
        .env_remove("HARDEN_INVENTORY")
        .env("HARDEN_SSH_REFUSED_RETRY_MS", "200,400");
    let started = std::time::Instant::now();
    let r = run(c);
    let took = started.elapsed();
    r.code(1)
        .says("before key exchange on 3 attempt(s)")
        .says("kex_exchange_identification")
        .says("PerSourcePenalties")
        .says("controller_sources");
    assert!(took >= std::time::Duration::from_millis(600), "{took:?}");
    let counted = t.on("otc-app-1", "nft list chain inet probe c");
    assert!(counted.contains("packets 3 "), "{counted}");
}

#[test]
fn a_match_block_in_an_included_drop_in_is_still_seen_per_class() {
    // drift folds the per-class sshd -T into one when the config can hold
    // no Match block; an Include added behind harden's back turns the
    // per-class evaluation back on, so a Match in the drop-in is seen.
    let t = TestLab::new(&["otc-app-1"], ONE);
    t.harden(&["apply", "--yes"]).code(0);
    t.harden(&["drift"]).code(0);
    t.on(
        "otc-app-1",
        "sed -i '1i Include /etc/ssh/sshd_config.d/*.conf' /etc/ssh/sshd_config && printf 'Match Address 198.51.100.0/28\\n  PasswordAuthentication yes\\n' > /etc/ssh/sshd_config.d/60-mgmt.conf && sshd -t",
    );
    t.harden(&["drift"])
        .code(2)
        .says("PasswordAuthentication (for user=root from 198.51.100.1 (management_sources 198.51.100.0/28)): yes -> no")
        .says("60-mgmt.conf")
        .never_says("PasswordAuthentication: yes -> no");
    t.harden(&["apply", "--yes"]).code(0);
    t.harden(&["drift"]).code(0);
}
