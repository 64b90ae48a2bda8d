//! Control sections: a section defined here, outside the crate and
//! registered only in this test (`motd`, one key), is loaded from
//! `[defaults.motd]` and `hosts[].motd` with merge and located errors,
//! through the public loader alone — a new control needs no inventory
//! edit. Plus the real sections' defaults problems, shown once and where
//! they were written. No lab needed.

use std::any::Any;
use std::path::Path;

use harden::contract::section::{pick, Section, SectionCx, Side};
use harden::controls::firewall::section::FirewallSettings;
use harden::controls::sections::sections;
use harden::controls::sshd::section::SshdSettings;
use harden::inventory::{load_str, Inventory, LoadError};

/// `[defaults.motd]` / `hosts[].motd`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMotd {
    text: Option<String>,
}

#[derive(Debug, PartialEq, Eq)]
struct MotdSettings {
    text: String,
}

impl Default for MotdSettings {
    fn default() -> Self {
        MotdSettings {
            text: "authorised use only".into(),
        }
    }
}

struct Motd;

impl Section for Motd {
    fn name(&self) -> &'static str {
        "motd"
    }

    fn load(
        &self,
        cx: &mut SectionCx<'_>,
        defaults: Option<&toml::Value>,
        host: Option<&toml::Value>,
    ) -> Box<dyn Any + Send + Sync> {
        let d: Option<RawMotd> = cx.parse(Side::Defaults, defaults);
        let h: Option<RawMotd> = cx.parse(Side::Host, host);
        let mut out = MotdSettings::default();
        if let Some((text, side)) = pick(d.as_ref(), h.as_ref(), |b| b.text.clone()) {
            if text.chars().count() > 20 {
                cx.error(
                    &cx.key(side, "text"),
                    "inv-bad-value",
                    "the motd is longer than 20 characters",
                    "shorten it",
                );
            }
            out.text = text;
        }
        Box::new(out)
    }
}

const HEAD: &str =
    "[defaults]\ncontroller_sources = [\"10.213.0.2\"]\nknown_hosts = \"known_hosts\"\n";

fn host(name: &str, n: u8, extra: &str) -> String {
    format!("\n[[hosts]]\nname = \"{name}\"\naddress = \"10.0.0.{n}\"\nprovider = \"telekom\"\nenvironment = \"test\"\nroles = [\"app\"]\n{extra}")
}

fn load(text: &str, sections: &[&dyn Section]) -> Result<Inventory, LoadError> {
    load_str(Path::new("/x/inv.toml"), text.to_string(), sections)
}

fn errors(r: Result<Inventory, LoadError>) -> String {
    match r {
        Ok(_) => panic!("the inventory loaded"),
        Err(e) => e.to_string(),
    }
}

fn with_motd() -> Vec<&'static dyn Section> {
    let mut all: Vec<&'static dyn Section> = sections().to_vec();
    all.push(&Motd);
    all
}

#[test]
fn a_section_registered_in_a_test_is_merged_per_host() {
    let text = format!(
        "{HEAD}[defaults.motd]\ntext = \"from defaults\"\n{}{}",
        host("a", 1, ""),
        host("b", 2, "motd = { text = \"host b\" }\n")
    );
    let inv = load(&text, &with_motd()).expect("loads");
    assert_eq!(
        inv.hosts[0].settings::<MotdSettings>().text,
        "from defaults"
    );
    assert_eq!(inv.hosts[1].settings::<MotdSettings>().text, "host b");
    // The real sections are still loaded alongside.
    assert_eq!(inv.hosts[0].settings::<SshdSettings>().max_auth_tries, 3);
    let names: Vec<&str> = inv.hosts[0].sections.names().collect();
    assert_eq!(
        names,
        [
            "firewall",
            "sshd",
            "gatekeeper",
            "disks",
            "banner",
            "passwords",
            "cloud",
            "motd"
        ]
    );
}

#[test]
fn a_test_section_reports_located_errors() {
    let text = format!(
        "{HEAD}{}",
        host("a", 1, "motd = { text = \"far longer than twenty\" }\n")
    );
    let e = errors(load(&text, &with_motd()));
    assert!(
        e.contains("/x/inv.toml:11:17: error[inv-bad-value]: hosts[0].motd.text: the motd is longer than 20 characters"),
        "{e}"
    );
    // An unknown key inside the section: serde's words, at the key.
    let text = format!("{HEAD}{}", host("a", 1, "motd = { txt = \"hi\" }\n"));
    let e = errors(load(&text, &with_motd()));
    assert!(
        e.contains("/x/inv.toml:11:10: error[inv-schema]: hosts[0].motd.txt: unknown field `txt`, expected `text`"),
        "{e}"
    );
}

#[test]
fn an_unregistered_section_is_an_unknown_key_listing_the_registered_ones() {
    let text = format!("{HEAD}[defaults.motd]\ntext = \"x\"\n{}", host("a", 1, ""));
    let e = errors(load(&text, sections()));
    assert!(
        e.contains(
            "error[inv-schema]: defaults.motd: unknown field `motd`, expected one of `ssh_user`"
        ),
        "{e}"
    );
    assert!(
        e.contains(
            "`connect_timeout`, `firewall`, `sshd`, `gatekeeper`, `disks`, `banner`, `passwords`, `cloud`\n"
        ),
        "{e}"
    );
    // A host built without a section reads its defaults, never panics.
    let inv = load(&format!("{HEAD}{}", host("a", 1, "")), sections()).expect("loads");
    assert_eq!(
        *inv.hosts[0].settings::<MotdSettings>(),
        MotdSettings::default()
    );
}

/// A value written in `[defaults.X]` is loaded once per host but its
/// problem is shown once, at the defaults (the firewall used to point at
/// each host's table, the sshd ranges repeated it per host).
#[test]
fn a_defaults_problem_is_shown_once_where_it_was_written() {
    let text = format!(
        "{HEAD}[defaults.sshd]\nmax_auth_tries = 9\n[defaults.firewall]\nicmp_rate = 0\n{}{}{}",
        host("a", 1, ""),
        host("b", 2, ""),
        host("c", 3, "")
    );
    let e = errors(load(&text, sections()));
    assert_eq!(e.matches("max_auth_tries = 9 is outside").count(), 1, "{e}");
    assert!(
        e.contains("/x/inv.toml:5:18: error[inv-bad-value]: defaults.sshd.max_auth_tries"),
        "{e}"
    );
    assert_eq!(e.matches("icmp_rate = 0 is outside").count(), 1, "{e}");
    assert!(
        e.contains("/x/inv.toml:7:13: error[inv-bad-value]: defaults.firewall.icmp_rate"),
        "{e}"
    );
    assert!(e.contains("inventory has 2 error(s)"), "{e}");
    // Also with no host at all.
    let e = errors(load(
        &format!("{HEAD}[defaults.sshd]\nmax_auth_triez = 1\n"),
        sections(),
    ));
    assert!(
        e.contains(
            "5:1: error[inv-schema]: defaults.sshd.max_auth_triez: unknown field `max_auth_triez`"
        ),
        "{e}"
    );
}

#[test]
fn a_host_value_overrides_the_defaults_key_by_key() {
    let text = format!(
        "{HEAD}[defaults.sshd]\nmax_auth_tries = 2\nextra = [\"PermitTTY no\"]\n[defaults.firewall]\nicmp_rate = 5\n{}{}",
        host("a", 1, "sshd = { login_grace_time = 30, extra = [\"AcceptEnv LANG\"] }\nfirewall = { log_prefix = \"x: \" }\n"),
        host("b", 2, "")
    );
    let inv = load(&text, sections()).expect("loads");
    let (a, b) = (&inv.hosts[0], &inv.hosts[1]);
    let sa = a.settings::<SshdSettings>();
    assert_eq!((sa.max_auth_tries, sa.login_grace_time), (2, 30));
    assert_eq!(sa.extra, ["PermitTTY no", "AcceptEnv LANG"]);
    assert_eq!(b.settings::<SshdSettings>().login_grace_time, 20);
    let fa = a.settings::<FirewallSettings>();
    assert_eq!((fa.icmp_rate, fa.log_prefix.as_str()), (5, "x: "));
    assert_eq!(b.settings::<FirewallSettings>().log_prefix, "harden-mgmt: ");
}
