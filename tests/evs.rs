//! The `evs` control (EVS volumes of a data host KMS-encrypted) and the
//! `cloud` control's `cloud-server` check at Open Telekom Cloud, end to
//! end against the stateful OTC fake (`harden::lab::fake_cloud::otc`):
//! an inventory whose `[defaults.cloud.otc]` endpoints all point at the
//! fake, the password in a private file outside the inventory's
//! directory. Through the engine (`provider_all::check_apply_all`, in
//! `evs/engine.rs`) and through the real `harden drift` binary (in
//! `evs/cli.rs`: the host's address is a loopback port where nothing
//! listens, so the host fails but its provider findings are reported),
//! and on a lab host with real sshd, the fake in the controller's
//! network namespace (`evs/lab.rs`: exit 0 clean, 2 on an unencrypted
//! volume). The KMS key of each encrypted volume (its state read with
//! `describe-key`) in `evs/kms.rs`.

mod cli;
mod engine;
mod kms;
mod lab;

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::Duration;

use harden::engine::provider_all::{check_apply_all, HostOutcomes};
use harden::inventory::Inventory;
use harden::lab::fake_cloud::otc::{OtcFake, OtcState};
use harden::report::model::{Finding, Status};

pub const PASSWORD: &str = "otc-PASSWORD-evs-s3cr3t-never-shown";
pub const KEY: &str = "3b1c9d2e-1111-4c4c-9d9d-0123456789ab";
/// The host's (and its server's) address: loopback, where no SSH listens.
pub const ADDR: &str = "127.0.0.1";

/// The fake, the inventory and the password file.
pub struct World {
    pub fake: OtcFake,
    /// The inventory file (in `_inv`).
    pub inv: PathBuf,
    _inv: tempfile::TempDir,
    _secret: tempfile::TempDir,
}

/// A fake with project `eu-de`, user `harden` and [`PASSWORD`].
pub async fn fake() -> OtcFake {
    OtcFake::start("127.0.0.1:0", OtcState::new(PASSWORD))
        .await
        .expect("fake OTC")
}

/// The inventory: one data host `db-1` at Telekom (`host_extra` added
/// to its table), every OTC endpoint at `url`.
pub fn inventory_text(url: &str, password_file: &str, host_extra: &str) -> String {
    format!(
        r#"
[defaults]
controller_sources = ["10.213.0.2"]
known_hosts = "known_hosts"
ssh_port = 1
connect_timeout = 2

[defaults.cloud.otc]
region = "eu-de"
domain = "OTC-EU-DE-1"
project = "eu-de"
user = "harden"
password_file = "{password_file}"
iam = "{url}"
vpc = "{url}"
evs = "{url}"
ecs = "{url}"
kms = "{url}"

[[hosts]]
name = "db-1"
address = "{ADDR}"
provider = "telekom"
environment = "production"
roles = ["data"]
disks = []
{host_extra}
"#
    )
}

/// The world around `fake`, the inventory written to a file.
pub fn world(fake: OtcFake, host_extra: &str) -> World {
    let secret = tempfile::tempdir().expect("secret dir");
    let pw = secret.path().join("otc.password");
    std::fs::write(&pw, PASSWORD).expect("password");
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let inv_dir = tempfile::tempdir().expect("inventory dir");
    let inv = inv_dir.path().join("inventory.toml");
    let text = inventory_text(&fake.url(), &pw.display().to_string(), host_extra);
    std::fs::write(&inv, text).expect("inventory");
    std::fs::write(inv_dir.path().join("known_hosts"), "").expect("known_hosts");
    World {
        fake,
        inv,
        _inv: inv_dir,
        _secret: secret,
    }
}

impl World {
    pub fn inventory(&self) -> Inventory {
        harden::inventory::load(&self.inv, harden::controls::sections::sections())
            .expect("inventory loads")
    }

    /// The provider phase of `drift` for every host.
    pub async fn run(&self) -> Vec<HostOutcomes> {
        let inv = self.inventory();
        let all: Vec<usize> = (0..inv.hosts.len()).collect();
        check_apply_all(&inv, &all, None, Duration::from_secs(10), false).await
    }

    /// Requests whose `METHOD target` contains `needle`.
    pub fn sent(&self, needle: &str) -> Vec<String> {
        self.fake
            .log()
            .into_iter()
            .filter(|l| l.contains(needle))
            .collect()
    }
}

/// The findings of control `control`, asserting no outcome failed.
pub fn findings_of(out: &[HostOutcomes], control: &str) -> Vec<Finding> {
    assert_eq!(out.len(), 1, "one host");
    let o = out[0]
        .outcomes
        .iter()
        .find(|o| o.control == control)
        .unwrap_or_else(|| panic!("no outcome of {control}"));
    assert!(
        o.error.is_none(),
        "{control}: {}",
        o.error.as_ref().map(|e| e.to_string()).unwrap_or_default()
    );
    o.findings.clone()
}

/// `(check, item, status)` of each finding.
pub fn brief(f: &[Finding]) -> Vec<(&'static str, String, Status)> {
    f.iter()
        .map(|f| (f.check, f.item.clone(), f.status))
        .collect()
}
