//! Both provider fakes seeded for the lab estate (`crate::lab::ESTATE`
//! and the demo): at Open Telekom Cloud the two Telekom hosts as servers
//! with one network card each and the data host's volumes encrypted with a
//! KMS key; at Hetzner the gatekeeper as a server. Their credentials are
//! lab secrets written to a private directory outside the inventory's, as
//! harden requires; [`FakeClouds::toml`] is the inventory's `cloud` part.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use std::sync::{Arc, Mutex};

use super::hcloud::{HcloudFake, HcloudState, TokenKind};
use super::ns::{serve_in, InNs};
use super::otc::{OtcFake, OtcState};

/// The lab's Hetzner token (a lab secret).
pub const HCLOUD_TOKEN: &str = "lab-hcloud-token-not-a-secret";
/// The lab's OTC password (a lab secret).
pub const OTC_PASSWORD: &str = "lab-otc-password-not-a-secret";
/// The KMS key id of the data host's volumes.
pub const CMK: &str = "4d7b0c61-9a2e-4f7e-b1a8-2f6c1f0e9d31";

/// The running fakes of one lab.
pub struct FakeClouds {
    /// Hetzner's base URL.
    pub hcloud_url: String,
    /// OTC's base URL (IAM, ECS, EVS and VPC on one listener).
    pub otc_url: String,
    /// Where the credentials are (removed on drop).
    pub secrets: PathBuf,
    /// Hetzner's state (servers, firewalls, requests).
    pub hcloud: Arc<Mutex<HcloudState>>,
    /// OTC's state (servers, volumes, groups, rules, the request log).
    pub otc: Arc<Mutex<OtcState>>,
    _ns: InNs,
}

impl Drop for FakeClouds {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.secrets);
    }
}

impl FakeClouds {
    /// Starts both fakes in namespace `ns` (the lab's controller) and
    /// writes the credentials to `secrets` (created, mode 0700).
    pub fn start(ns: &str, secrets: &Path) -> Result<FakeClouds, String> {
        std::fs::create_dir_all(secrets).map_err(|e| format!("{}: {e}", secrets.display()))?;
        std::fs::set_permissions(secrets, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| format!("{}: {e}", secrets.display()))?;
        for (name, value) in [
            ("hcloud.token", HCLOUD_TOKEN),
            ("otc.password", OTC_PASSWORD),
        ] {
            let p = secrets.join(name);
            std::fs::write(&p, value).map_err(|e| format!("{}: {e}", p.display()))?;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| format!("{}: {e}", p.display()))?;
        }
        let (guard, (hcloud_url, otc_url, hcloud, otc)) = serve_in(ns, || async {
            let mut otc = OtcState::new(OTC_PASSWORD);
            let db = otc.add_server("otc-db-1", "subnet-lab", "10.213.0.11");
            otc.add_port(&db, &[], "10.213.0.11");
            let app = otc.add_server("otc-app-1", "subnet-lab", "10.213.0.12");
            otc.add_port(&app, &[], "10.213.0.12");
            otc.add_volume("otc-db-1-system", Some(&db), Some(CMK));
            otc.add_volume("otc-db-1-data", Some(&db), Some(CMK));
            let otc = OtcFake::start("127.0.0.1:0", otc)
                .await
                .map_err(|e| format!("the OTC fake: {e}"))?;
            let hz = HcloudFake::start("127.0.0.1:0")
                .await
                .map_err(|e| format!("the Hetzner fake: {e}"))?;
            hz.token(HCLOUD_TOKEN, TokenKind::ReadWrite);
            hz.state()
                .add_server("hz-gw-1", "10.213.0.13", "fd00:213::/64", "");
            let out = (hz.url(), otc.url(), hz.shared(), otc.state.clone());
            let keep: Box<dyn std::any::Any> = Box::new((otc, hz));
            Ok((keep, out))
        })?;
        Ok(FakeClouds {
            hcloud_url,
            otc_url,
            secrets: secrets.to_path_buf(),
            hcloud,
            otc,
            _ns: guard,
        })
    }

    /// The inventory's `[defaults.cloud.*]` tables pointing at the fakes.
    pub fn toml(&self) -> String {
        let s = self.secrets.display();
        let u = &self.otc_url;
        format!(
            "[defaults.cloud.hetzner]\nendpoint = \"{}\"\ntoken_file = \"{s}/hcloud.token\"\n\n\
             [defaults.cloud.otc]\nregion = \"eu-de\"\ndomain = \"OTC-EU-DE-1\"\nproject = \"eu-de\"\n\
             user = \"harden\"\npassword_file = \"{s}/otc.password\"\n\
             iam = \"{u}\"\nvpc = \"{u}\"\nevs = \"{u}\"\necs = \"{u}\"\nkms = \"{u}\"\n",
            self.hcloud_url
        )
    }
}
