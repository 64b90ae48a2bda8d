//! The CA lab fixture: a data host and an app host, three people with keys
//! in the inventory, the CA initialised and applied; signing through the
//! CLI or directly with the library, and logging in with the real client.

use std::path::{Path, PathBuf};

use harden::ca::{sign_user, CaRole, CaStore, UserCertRequest};

use crate::util::{ca_inventory, ca_lab, Run, TestLab, CA_PASSPHRASE};

/// A data host and an app host, three people, and the CA.
pub(super) struct CaLab {
    pub(super) t: TestLab,
    pub(super) alice: PathBuf,
    pub(super) dave: PathBuf,
    pub(super) dave_pub: String,
    pub(super) oscar: PathBuf,
}

pub(super) fn inventory(alice: &str, dave: &str, oscar: &str, dave_active: bool) -> String {
    ca_inventory(
        &[
            ("alice", "management", alice, true),
            ("dave", "developer", dave, dave_active),
            ("oscar", "operator", oscar, true),
        ],
        "",
    )
}

impl CaLab {
    pub(super) fn new() -> CaLab {
        let people = [
            ("alice", "management"),
            ("dave", "developer"),
            ("oscar", "operator"),
        ];
        let (t, mut keys) = ca_lab(&people, "", |_| {});
        let (oscar, _) = keys.remove(2);
        let (dave, dave_pub) = keys.remove(1);
        let (alice, _) = keys.remove(0);
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
