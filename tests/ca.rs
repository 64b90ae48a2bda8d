//! The SSH CA on lab hosts, checked with the real OpenSSH client: who gets
//! in with which certificate, revocation, blocking, host certificates,
//! bootstrap from a root key, and rotation.

use harden::ca::{CaRole, CaStore};
use harden::timefmt;

mod lab;

use crate::util::CA_PASSPHRASE;
use lab::{inventory, CaLab};

#[test]
fn only_valid_certificates_for_the_right_role_get_in() {
    let c = CaLab::new();
    let t = &c.t;
    // Nobody gets in with a plain key, not even root with the bootstrap key.
    assert!(
        !c.login(&c.dave, "dave", "10.213.0.12"),
        "plain key without certificate"
    );
    assert!(
        !c.login(&t.lab.key(), "root", "10.213.0.12"),
        "the bootstrap root key is no longer accepted"
    );
    c.sign("dave", &c.dave)
        .says("serial 1")
        .says("key id dave/1");
    c.sign("alice", &c.alice);
    c.sign("oscar", &c.oscar);
    assert!(
        c.login(&c.dave, "dave", "10.213.0.12"),
        "developer on an app host"
    );
    assert!(
        !c.login(&c.dave, "dave", "10.213.0.11"),
        "developer on a data host"
    );
    assert!(
        !c.login(&c.oscar, "oscar", "10.213.0.11"),
        "operator on a data host"
    );
    assert!(
        c.login(&c.oscar, "oscar", "10.213.0.12"),
        "operator on an app host"
    );
    assert!(
        c.login(&c.alice, "alice", "10.213.0.11"),
        "management on a data host"
    );
    assert!(
        c.login(&c.alice, "root", "10.213.0.11"),
        "management may log in as root"
    );
    assert!(
        !c.login(&c.dave, "root", "10.213.0.12"),
        "a developer may not log in as root"
    );
    // sshd logs who logged in with which certificate.
    assert!(t
        .on("otc-app-1", "cat /var/log/auth.log")
        .contains("ID dave/1 (serial 1)"));

    let ca_dir = t.lab.dir.join("ca");
    let now = timefmt::now();
    let (expired, _) = c.sign_raw(&ca_dir, &c.dave_pub, "dave", now - 7200, now - 3600);
    assert!(
        !c.login(&expired, "dave", "10.213.0.12"),
        "expired certificate"
    );
    let (future, _) = c.sign_raw(&ca_dir, &c.dave_pub, "dave", now + 3600, now + 7200);
    assert!(
        !c.login(&future, "dave", "10.213.0.12"),
        "not yet valid certificate"
    );
    let (wrong, _) = c.sign_raw(&ca_dir, &c.dave_pub, "alice", now, now + 3600);
    assert!(!c.login(&wrong, "dave", "10.213.0.12"), "wrong principal");
    let (ok, serial) = c.sign_raw(&ca_dir, &c.dave_pub, "dave", now, now + 3600);
    assert!(
        c.login(&ok, "dave", "10.213.0.12"),
        "the same key with a good certificate"
    );
    // A certificate from another CA.
    let other = t.lab.dir.join("other-ca");
    CaStore::init(&other, CA_PASSPHRASE).expect("other ca");
    let (foreign, _) = c.sign_raw(&other, &c.dave_pub, "dave", now, now + 3600);
    assert!(!c.login(&foreign, "dave", "10.213.0.12"), "unknown CA");

    // Revoke one certificate by serial: refused after the next apply, a new one works.
    t.harden(&[
        "ca",
        "revoke",
        "--serial",
        &serial.to_string(),
        "--reason",
        "laptop lost",
    ])
    .code(0);
    assert!(c.login(&ok, "dave", "10.213.0.12"), "not yet deployed");
    t.harden(&["drift"])
        .code(2)
        .says("/etc/ssh/harden/revoked.krl: version 1 -> version 2");
    t.harden(&["apply", "--yes"]).code(0);
    assert!(!c.login(&ok, "dave", "10.213.0.12"), "revoked by serial");
    assert!(
        c.login(&c.dave, "dave", "10.213.0.12"),
        "dave's other certificate still works"
    );
    t.harden(&["drift"]).code(0);
}

#[test]
fn a_blocked_user_is_refused_after_the_next_apply() {
    let c = CaLab::new();
    let t = &c.t;
    c.sign("dave", &c.dave);
    assert!(c.login(&c.dave, "dave", "10.213.0.12"));
    let keys: Vec<String> = ["alice", "dave", "oscar"]
        .iter()
        .map(|k| {
            std::fs::read_to_string(t.lab.dir.join(format!("{k}.pub")))
                .expect("pub")
                .trim()
                .to_string()
        })
        .collect();
    std::fs::write(
        &t.inv,
        inventory(&keys[0], &keys[1], &keys[2], false)
            .replace("{defaults}", &t.lab.defaults_toml()),
    )
    .expect("write");
    t.harden(&[
        "ca",
        "sign-user",
        "dave",
        "--key",
        &format!("{}.pub", c.dave.display()),
    ])
    .code(1)
    .says("is blocked");
    t.harden(&["drift"])
        .code(2)
        .says("account dave")
        .says("user is blocked");
    t.harden(&["apply", "--yes"]).code(0);
    assert!(
        !c.login(&c.dave, "dave", "10.213.0.12"),
        "valid certificate of a blocked user"
    );
    let shadow = t.on("otc-app-1", "getent passwd dave; getent shadow dave");
    assert!(
        shadow.contains("/usr/sbin/nologin") && shadow.contains(":!"),
        "{shadow}"
    );
    assert!(
        t.on("otc-app-1", "ls /home").contains("dave"),
        "nothing is deleted"
    );
    t.harden(&["drift"]).code(0);
}

#[test]
fn harden_refuses_a_host_certificate_from_another_ca() {
    let c = CaLab::new();
    let t = &c.t;
    // Clients now trust hosts by the CA only.
    let kh = t.harden(&["ca", "known-hosts"]);
    kh.code(0)
        .says("@cert-authority otc-db-1,10.213.0.11,otc-app-1,10.213.0.12 ssh-ed25519 ");
    std::fs::write(t.lab.known_hosts(), &kh.stdout).expect("known_hosts");
    t.harden(&["drift"]).code(0);
    // Re-certify the db host's key with a foreign CA and restart its sshd.
    let other = t.lab.dir.join("rogue-ca");
    CaStore::init(&other, CA_PASSPHRASE).expect("rogue ca");
    let store = CaStore::open(&other).expect("open");
    let rogue = store.unlock(CaRole::Host, CA_PASSPHRASE).expect("unlock");
    let host_key = ssh_key::PublicKey::from_openssh(
        t.on("otc-db-1", "cat /etc/ssh/ssh_host_ed25519_key.pub")
            .trim(),
    )
    .expect("key");
    let cert = harden::ca::sign_host(
        &rogue,
        &host_key,
        &harden::ca::HostCertRequest {
            key_id: "rogue",
            principals: &["otc-db-1".into(), "10.213.0.11".into()],
            valid_after: timefmt::now(),
            validity: 86_400,
            serial: 7,
        },
    )
    .expect("sign");
    let line = cert.to_openssh().expect("encode");
    // sshd re-executes on SIGHUP: wait until it presents the rogue
    // certificate to the controller, as harden will see it.
    let blob = line.split_whitespace().nth(1).expect("certificate blob");
    let presented = || {
        let o = t
            .lab
            .cmd_in(&t.lab.controller_ns(), "ssh-keyscan")
            .args(["-c", "-T", "2", "-t", "ed25519", "10.213.0.11"])
            .output()
            .expect("ssh-keyscan");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let before = presented();
    assert!(
        before.contains("-cert-v01@openssh.com") && !before.contains(blob),
        "sshd presents its own certificate first: {before}"
    );
    t.on("otc-db-1", &format!("printf '%s\\n' '{line}' > /etc/ssh/ssh_host_ed25519_key-cert.pub && kill -HUP $(cat /run/sshd.pid)"));
    crate::util::wait_until(
        "sshd on otc-db-1 to present the re-signed host certificate",
        std::time::Duration::from_secs(15),
        || presented().contains(blob),
    );
    let r = t.harden(&["drift", "--limit", "otc-db-1"]);
    r.code(1).says("Host key verification failed");
    t.harden(&["drift", "--limit", "otc-app-1"]).code(0);
}

#[test]
fn rotation_trusts_old_and_new_until_the_old_ca_is_retired() {
    let c = CaLab::new();
    let t = &c.t;
    c.sign("dave", &c.dave);
    let old = t.lab.dir.join("dave-old");
    std::fs::copy(&c.dave, &old).expect("copy");
    std::fs::copy(
        format!("{}-cert.pub", c.dave.display()),
        format!("{}-cert.pub", old.display()),
    )
    .expect("copy cert");
    // harden's own known_hosts trusts hosts by the (first) host CA only.
    let kh = t.harden(&["ca", "known-hosts"]);
    std::fs::write(t.lab.known_hosts(), &kh.stdout).expect("known_hosts");
    t.harden(&["ca", "rotate"])
        .code(0)
        .says("generation 2 created");
    assert_eq!(
        t.harden(&["ca", "known-hosts"]).stdout.lines().count(),
        2,
        "clients trust both host CAs during rotation"
    );
    t.harden(&["drift"])
        .code(2)
        .says("trusted user CA fingerprints");
    // Host certificates move to the new host CA; harden trusts its own CA,
    // so the fresh confirming connection gets in without a rollback.
    t.harden(&["apply", "--yes"])
        .code(0)
        .never_says("ROLLED BACK");
    let signer = t.on(
        "otc-db-1",
        "ssh-keygen -L -f /etc/ssh/ssh_host_ed25519_key-cert.pub | grep 'Signing CA'",
    );
    let newest = CaStore::open(&t.lab.dir.join("ca"))
        .expect("ca")
        .current()
        .fingerprint(CaRole::Host)
        .to_string();
    assert!(
        signer.contains(&newest),
        "host certificate re-signed by the new host CA: {signer}"
    );
    // People pick up the new host CA line (`ca known-hosts` prints both).
    std::fs::write(t.lab.known_hosts(), t.harden(&["ca", "known-hosts"]).stdout)
        .expect("known_hosts");
    c.sign("dave", &c.dave);
    assert!(
        c.login(&old, "dave", "10.213.0.12"),
        "old CA still trusted during rotation"
    );
    assert!(c.login(&c.dave, "dave", "10.213.0.12"), "new CA trusted");
    t.harden(&["ca", "retire"])
        .code(1)
        .says("younger than the longest user certificate lifetime");
    t.harden(&["ca", "retire", "--now"]).code(0);
    t.harden(&["apply", "--yes"]).code(0);
    assert!(!c.login(&old, "dave", "10.213.0.12"), "old CA retired");
    assert!(c.login(&c.dave, "dave", "10.213.0.12"), "new CA still good");
    t.harden(&["drift"]).code(0);
}

#[test]
fn tampered_trust_files_are_drift_and_repaired() {
    let c = CaLab::new();
    let t = &c.t;
    let other = t.lab.dir.join("other");
    CaStore::init(&other, CA_PASSPHRASE).expect("ca");
    let pk = CaStore::open(&other)
        .expect("open")
        .trusted_keys(CaRole::User)
        .expect("keys")[0]
        .to_openssh()
        .expect("encode");
    t.on(
        "otc-app-1",
        &format!(
            "printf '%s\\n' '{}' >> /etc/ssh/harden/user_ca.pub",
            pk.trim()
        ),
    );
    t.on("otc-db-1", "echo mallory >> /etc/ssh/harden/principals/root && echo eve > /etc/ssh/harden/principals/eve");
    let r = t.harden(&["drift", "--format", "json"]);
    r.code(2);
    let d = crate::util::drifting(&r.json());
    let names: Vec<(&str, &str)> = d.iter().map(|(h, c, _)| (h.as_str(), c.as_str())).collect();
    assert!(names.contains(&("otc-app-1", "trusted-user-ca")), "{d:?}");
    assert!(names.contains(&("otc-app-1", "file")), "{d:?}");
    assert!(
        d.contains(&(
            "otc-db-1".into(),
            "file".into(),
            "/etc/ssh/harden/principals/root".into()
        )),
        "{d:?}"
    );
    assert!(
        d.iter()
            .any(|(h, _, i)| h == "otc-db-1" && i == "/etc/ssh/harden/principals/eve"),
        "{d:?}"
    );
    t.harden(&["apply", "--yes"]).code(0);
    t.harden(&["drift"]).code(0);
    assert!(!t
        .on("otc-db-1", "cat /etc/ssh/harden/principals/root")
        .contains("mallory"));
    assert!(t
        .on("otc-db-1", "ls /etc/ssh/harden/principals")
        .lines()
        .all(|l| l != "eve"));
}
