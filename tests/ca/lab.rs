//! The CA lab fixture: a data host and an app host, three people with keys
//! in the inventory, the CA initialised and applied; signing through the
//! CLI or directly with the library, and logging in with the real client.

use std::path::{Path, PathBuf};

use harden::ca::{sign_user, CaRole, CaStore, UserCertRequest};

use crate::util::{Run, TestLab, CA_PASSPHRASE};

/// A data host and an app host, three people, and the CA.
pub(super) struct CaLab {
    pub(super) t: TestLab,
    pub(super) alice: PathBuf,
    pub(super) dave: PathBuf,
    pub(super) dave_pub: String,
    pub(super) oscar: PathBuf,
}

pub(super) fn inventory(alice: &str, dave: &str, oscar: &str, dave_active: bool) -> String {
    format!(
        r#"{{defaults}}
[ca]
dir = "ca"

[[users]]
name = "alice"
role = "management"
public_keys = ["{alice}"]

[[users]]
name = "dave"
role = "developer"
public_keys = ["{dave}"]
active = {dave_active}

[[users]]
name = "oscar"
role = "operator"
public_keys = ["{oscar}"]

[[hosts]]
name = "otc-db-1"
address = "10.213.0.11"
provider = "telekom"
environment = "production"
roles = ["data"]
disks = []

[[hosts]]
name = "otc-app-1"
address = "10.213.0.12"
provider = "telekom"
environment = "production"
roles = ["app"]
"#
    )
}

impl CaLab {
    pub(super) fn new() -> CaLab {
        let t = TestLab::new(&["otc-db-1", "otc-app-1"], "{defaults}");
        let (alice, alice_pub) = t.keypair("alice");
        let (dave, dave_pub) = t.keypair("dave");
        let (oscar, oscar_pub) = t.keypair("oscar");
        let inv = t.inventory(
            "inventory.toml",
            &inventory(&alice_pub, &dave_pub, &oscar_pub, true),
        );
        assert_eq!(inv, t.inv);
        t.harden(&["ca", "init"]).code(0).says("user CA SHA256:");
        t.harden(&["apply", "--yes"])
            .code(0)
            .says("Apply complete: 2 of 2 hosts changed");
        CaLab {
            t,
            alice,
            dave,
            dave_pub,
            oscar,
        }
    }

    pub(super) fn sign(&self, user: &str, key: &Path) -> Run {
        let r = self.t.harden(&[
            "ca",
            "sign-user",
            user,
            "--key",
            &format!("{}.pub", key.display()),
        ]);
        r.code(0);
        r
    }

    pub(super) fn login(&self, key: &Path, user: &str, addr: &str) -> bool {
        let r = self.t.ssh(
            &self.t.lab.mgmt_ns_or_controller(),
            key,
            user,
            addr,
            "id -un",
        );
        r.code == 0 && r.stdout.trim() == user
    }

    /// Signs `key` directly with the library (odd certificates for tests).
    pub(super) fn sign_raw(
        &self,
        dir: &Path,
        key_pub: &str,
        principal: &str,
        after: u64,
        before: u64,
    ) -> (PathBuf, u64) {
        let mut store = CaStore::open(dir).expect("ca");
        let serial = store.allocate_serial().expect("serial");
        let ca = store.unlock(CaRole::User, CA_PASSPHRASE).expect("unlock");
        let subject = ssh_key::PublicKey::from_openssh(key_pub).expect("key");
        let cert = sign_user(
            &ca,
            &subject,
            &UserCertRequest {
                key_id: "test",
                principals: &[principal.to_string()],
                valid_after: after,
                valid_before: before,
                serial,
                source_address: None,
                permit_port_forwarding: false,
                permit_agent_forwarding: false,
            },
        )
        .expect("sign");
        let key = self.t.lab.dir.join(format!("odd-{serial}"));
        std::fs::copy(&self.dave, &key).expect("copy key");
        let cert_path = PathBuf::from(format!("{}-cert.pub", key.display()));
        std::fs::write(&cert_path, cert.to_openssh().expect("encode") + "\n").expect("write cert");
        (key, serial)
    }
}

trait NsPick {
    fn mgmt_ns_or_controller(&self) -> String;
}

impl NsPick for harden::lab::Lab {
    /// People log in from the controller network in these tests: the
    /// management port is open only to controller_sources outside windows.
    fn mgmt_ns_or_controller(&self) -> String {
        self.controller_ns()
    }
}
