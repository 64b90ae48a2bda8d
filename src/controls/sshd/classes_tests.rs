//! Tests of the connection classes: which users and sources are
//! evaluated, the probe script and its framed output.

use super::*;

#[test]
fn representative_is_the_first_usable_host() {
    let r = |s: &str| representative(&Cidr::parse(s).expect("cidr")).to_string();
    assert_eq!(r("198.51.100.0/28"), "198.51.100.1");
    assert_eq!(r("10.213.0.2"), "10.213.0.2");
    assert_eq!(r("10.0.0.0/31"), "10.0.0.0");
    assert_eq!(r("2001:db8::/64"), "2001:db8::1");
    assert_eq!(r("fd00:213::2"), "fd00:213::2");
}

#[test]
fn every_known_source_and_user_is_a_class() {
    let inv = crate::testkit::inventory()
        .controller_sources(&["10.213.0.2", "fd00:213::2"])
        .management_sources(&["198.51.100.0/28"])
        .default_line(r#"ssh_user = "deploy""#)
        .tables(r#"
[[users]]
name = "alice"
role = "management"
public_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJdD7y3aLq454yWBdwLWbieU1ebz9/cu7/QEXn9OIeZJ alice"]
"#)
        .host("db", "10.213.0.11", "data")
        .with(r#"allow = [ { port = 5432, from = ["10.0.2.0/24", "198.51.100.0/28"] } ]"#)
        .load();
    let ctx = HostCtx::new(&inv, &inv.hosts[0], None);
    let got: Vec<String> = classes(&ctx).iter().map(Class::label).collect();
    let sources = [
        "203.0.113.10 (anyone)",
        "10.213.0.2 (controller_sources 10.213.0.2)",
        "fd00:213::2 (controller_sources fd00:213::2)",
        "198.51.100.1 (management_sources 198.51.100.0/28)",
        "10.0.2.1 (allow[0] from 10.0.2.0/24)",
    ];
    let want: Vec<String> = ["root", "deploy", "alice"]
        .iter()
        .flat_map(|u| {
            sources
                .iter()
                .map(move |s| format!("for user={u} from {s}"))
        })
        .collect();
    assert_eq!(got, want);
}

#[test]
fn parses_framed_output() {
    let p = parse("== 0 0\npasswordauthentication no\nport 22\n== 1 0\npasswordauthentication yes\nport 22\n== 2 255\n", 3);
    assert_eq!(p.len(), 3);
    assert_eq!(p[&0].get("PasswordAuthentication"), "no");
    assert_eq!(p[&1].get("PasswordAuthentication"), "yes");
    assert_eq!(p[&2].rc, 255);
    assert_eq!(p[&2].get("Port"), "(not set)");
}

#[test]
fn script_quotes_every_class() {
    let c = Class {
        user: "root".into(),
        addr: ANYONE_V4,
        source: "anyone".into(),
    };
    let s = script(&[c], "10.213.0.11".parse().expect("ip"), 22);
    assert!(s.contains("for c in user=root,host=harden.invalid,addr=203.0.113.10,laddr=10.213.0.11,lport=22; do"), "{s}");
}

/// Runs the probe with a stand-in `sshd` (it logs each call and prints
/// its `-C` argument) and `config` as the main config.
fn run_probe(config: Option<&str>, n: usize) -> (BTreeMap<usize, Effective>, usize) {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let fake = d.join("sshd");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\necho call >> {}/calls\necho \"port 22\"\necho \"spec $3\"\n",
            d.display()
        ),
    )
    .expect("fake sshd");
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let main = d.join("sshd_config");
    if let Some(c) = config {
        std::fs::write(&main, c).expect("config");
    }
    let cs: Vec<Class> = (0..n)
        .map(|i| Class {
            user: format!("u{i}"),
            addr: ANYONE_V4,
            source: "anyone".into(),
        })
        .collect();
    let s = script(&cs, ANYONE_V4, 22).replace(MAIN_CONFIG, &main.display().to_string());
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "T={}; PATH={}:$PATH; {s}",
            d.display(),
            d.display()
        ))
        .output()
        .expect("sh");
    assert!(out.status.success(), "{out:?}");
    let calls = std::fs::read_to_string(d.join("calls"))
        .unwrap_or_default()
        .lines()
        .count();
    (parse(&String::from_utf8_lossy(&out.stdout), n), calls)
}

#[test]
fn a_config_that_cannot_hold_a_match_block_is_evaluated_once_for_all_classes() {
    let plain = "# Match and Include only in comments\n  # Match Address *\nPasswordAuthentication no\nPort 22\n";
    let (p, calls) = run_probe(Some(plain), 3);
    assert_eq!(calls, 1);
    assert_eq!(p.len(), 3);
    for i in 0..3 {
        assert_eq!(p[&i].rc, 0);
        assert_eq!(p[&i].get("spec"), p[&0].get("spec"), "class {i}");
    }
}

#[test]
fn anything_that_could_be_or_bring_a_match_block_evaluates_every_class() {
    for config in [
        Some("PasswordAuthentication no\nMatch Address 198.51.100.0/28\n  PasswordAuthentication yes\n"),
        Some("\tmAtCh User alice\n"),
        Some("M\"atc\"h User alice\n"),
        Some("Ma\\tch=User alice\n"),
        Some("Include /etc/ssh/sshd_config.d/*.conf\n"),
        Some("\"Include\" /tmp/x\n"),
        Some("Banner /etc/match-banner\n"),
        None,
    ] {
        let (p, calls) = run_probe(config, 3);
        assert_eq!(calls, 3, "{config:?}");
        for i in 0..3 {
            assert!(p[&i].get("spec").contains(&format!("user=u{i},")), "{config:?}: {p:?}");
        }
    }
}

#[test]
fn same_marker_copies_class_zero_to_every_class() {
    let p = parse("== 0 0\npasswordauthentication no\n== same\n", 3);
    assert_eq!(p.len(), 3);
    assert_eq!(p[&2].get("PasswordAuthentication"), "no");
    let failed = parse("== 0 255\n== same\n", 2);
    assert_eq!(failed[&1].rc, 255);
    assert_eq!(parse("== same\n", 2).len(), 0, "nothing to copy");
}

#[test]
fn every_managed_user_is_a_class_not_only_the_first() {
    let users: String = ["alice", "bob", "carol"]
        .iter()
        .map(|u| {
            let key = ssh_key::PrivateKey::random(
                &mut ssh_key::rand_core::OsRng,
                ssh_key::Algorithm::Ed25519,
            )
            .expect("key");
            let public = key.public_key().to_openssh().expect("openssh");
            format!(
                "[[users]]\nname = \"{u}\"\nrole = \"developer\"\npublic_keys = [\"{public}\"]\n\n"
            )
        })
        .collect();
    let inv = crate::testkit::inventory()
        .tables(&users)
        .host("app", "10.213.0.12", "app")
        .environment("test")
        .load();
    let ctx = HostCtx::new(&inv, &inv.hosts[0], None);
    let users: Vec<String> = classes(&ctx).into_iter().map(|c| c.user).collect();
    for u in ["root", "alice", "bob", "carol"] {
        assert!(users.iter().any(|x| x == u), "{u} missing from {users:?}");
    }
}
