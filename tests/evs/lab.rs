//! `harden apply` and `harden drift` on a lab data host (real sshd in a
//! network namespace) with the OTC fake listening on the loopback of the
//! controller's namespace, where harden runs: the exit codes of a run
//! whose only provider finding is EVS encryption.

use std::sync::{Arc, Mutex};

use harden::lab::fake_cloud::ns::{serve_in, InNs};
use harden::lab::fake_cloud::otc::{OtcFake, OtcState};

use super::{KEY, PASSWORD};
use crate::util::TestLab;

/// The fake, serving from inside network namespace `ns` (harden's
/// `lab::fake_cloud::ns`) until dropped.
struct NsFake {
    url: String,
    state: Arc<Mutex<OtcState>>,
    _ns: InNs,
}

impl NsFake {
    fn start(ns: &str, state: OtcState) -> NsFake {
        let (guard, (url, state)) = serve_in(ns, move || async move {
            let fake = OtcFake::start("127.0.0.1:0", state)
                .await
                .map_err(|e| e.to_string())?;
            let out = (fake.url(), fake.state.clone());
            let keep: Box<dyn std::any::Any> = Box::new(fake);
            Ok((keep, out))
        })
        .expect("the fake started in the namespace");
        NsFake {
            url,
            state,
            _ns: guard,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, OtcState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[test]
fn drift_exits_0_with_encrypted_volumes_and_2_naming_a_disabled_key_or_an_unencrypted_volume() {
    crate::util::require_root();
    let secret = tempfile::tempdir().expect("secret dir");
    let pw = secret.path().join("otc.password");
    std::fs::write(&pw, PASSWORD).expect("password");
    std::fs::set_permissions(&pw, std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .expect("chmod");
    // The lab first (its namespaces), then the fake inside the
    // controller's, then the inventory naming the fake's port.
    let t = TestLab::new(&["otc-db-1"], "{defaults}");
    let fake = NsFake::start(&t.lab.controller_ns(), OtcState::new(PASSWORD));
    let (data, logs) = {
        let mut s = fake.lock();
        let srv = s.add_server("otc-db-1", "subnet-1", "10.213.0.11");
        // Its network card, where apply attaches harden's security group.
        s.add_port(&srv, &[], "10.213.0.11");
        (
            s.add_volume("db-data", Some(&srv), Some(KEY)),
            s.add_volume("db-logs", Some(&srv), Some(KEY)),
        )
    };
    let url = &fake.url;
    let inv = t.inventory(
        "evs.toml",
        &format!(
            r#"{{defaults}}
[defaults.cloud.otc]
region = "eu-de"
domain = "OTC-EU-DE-1"
project = "eu-de"
user = "harden"
password_file = "{}"
iam = "{url}"
vpc = "{url}"
evs = "{url}"
ecs = "{url}"
kms = "{url}"

[[hosts]]
name = "otc-db-1"
address = "10.213.0.11"
provider = "telekom"
environment = "production"
roles = ["data"]
disks = []
"#,
            pw.display()
        ),
    );
    t.harden_with(&inv, &["apply", "--yes"]).code(0);
    let r = t.harden_with(&inv, &["drift", "--format", "json"]);
    r.code(0);
    let j = r.json();
    let evs: Vec<&serde_json::Value> = j["hosts"][0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["control"] == "evs")
        .collect();
    assert_eq!(evs.len(), 4, "two volumes and their key: {evs:?}");
    assert!(evs.iter().all(|f| f["status"] == "in-sync"), "{evs:?}");
    assert!(evs[0]["item"]
        .as_str()
        .is_some_and(|i| i.starts_with(&data)));

    // The key is disabled at KMS: drift, exit 2, the key and both volumes
    // named, no secret shown; enabled again, clean.
    fake.lock().key_mut(KEY).expect("the key").state = "3".into();
    let r = t.harden_with(&inv, &["drift"]);
    r.code(2)
        .says(KEY)
        .says("disabled")
        .says(&data)
        .says(&logs)
        .never_says(PASSWORD);
    fake.lock().key_mut(KEY).expect("the key").state = "2".into();
    t.harden_with(&inv, &["drift"]).code(0);

    // The logs volume turns out not encrypted: drift, exit 2, named.
    fake.lock().volumes[1].metadata.clear();
    let r = t.harden_with(&inv, &["drift"]);
    r.code(2)
        .says(&logs)
        .says("not encrypted by EVS")
        .never_says(PASSWORD);
    let tokens: Vec<String> = fake.lock().tokens.iter().map(|t| t.token.clone()).collect();
    assert!(!tokens.is_empty());
    for tok in &tokens {
        r.never_says(tok);
    }
}
