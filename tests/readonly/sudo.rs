//! A non-root `ssh_user` behind passwordless sudo, for real: a `deploy`
//! account on both lab hosts (its own overlay's /etc/passwd and
//! /etc/sudoers.d, never the machine's), full access through `sudo -n`,
//! and the drift credential's runner re-executing itself through sudo (or
//! refusing clearly without it).

use super::{drift, findings, host_errors, sign};
use crate::util::{ca_lab, TestLab};

/// The `deploy` account with the lab key for the bootstrap apply and
/// passwordless sudo, on both hosts.
fn deploy_account(t: &TestLab) {
    for host in ["otc-db-1", "otc-app-1"] {
        t.on(
            host,
            "useradd -m -s /bin/sh deploy && usermod -p '*' deploy \
             && install -d -m 700 -o deploy -g deploy /home/deploy/.ssh \
             && install -m 600 -o deploy -g deploy /root/.ssh/authorized_keys /home/deploy/.ssh/ \
             && printf 'deploy ALL=(root) NOPASSWD: ALL\\n' > /etc/sudoers.d/deploy \
             && chmod 440 /etc/sudoers.d/deploy",
        );
    }
}

#[test]
fn a_non_root_ssh_user_with_sudo_runs_apply_drift_and_the_credential() {
    let (t, _) = ca_lab(
        &[("alice", "management")],
        "ssh_user = \"deploy\"\n",
        deploy_account,
    );
    let full = drift(&t, None, 0);
    let (cred, _) = sign(&t, "drift-cred", &[]);
    let ro = drift(&t, Some(&cred), 0);
    let f = findings(&full);
    assert!(!f.is_empty(), "full access found no findings at all");
    assert_eq!(f, findings(&ro), "the credential sees something else");
    let log = t.on("otc-app-1", "cat /var/log/auth.log");
    assert!(
        log.contains("Accepted publickey for deploy") && log.contains("ID harden-drift/"),
        "no login as deploy with the drift certificate:\n{log}"
    );
    assert!(
        !log.contains("for root from"),
        "harden logged in as root:\n{log}"
    );

    // Without the sudo rule, or without sudo (removed in the host's own
    // overlay only), the runner refuses with the fix, not a prompt.
    t.on("otc-app-1", "rm /etc/sudoers.d/deploy");
    t.on("otc-db-1", "rm /usr/bin/sudo");
    let c = cred.display().to_string();
    let r = t.harden(&["drift", "--format", "json", "--credential", &c]);
    r.code(1);
    let errors = host_errors(&r);
    assert_eq!(errors.len(), 2, "{errors:?}");
    for (host, e) in &errors {
        assert!(e.contains("runs as deploy, not root"), "{host}: {e}");
        let fix = if host == "otc-app-1" {
            "NOPASSWD: ALL"
        } else {
            "sudo is not installed"
        };
        assert!(e.contains(fix), "{host}: {e}");
    }
    assert!(
        std::path::Path::new("/usr/bin/sudo").exists(),
        "the machine's sudo is gone"
    );
}
