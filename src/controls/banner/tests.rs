//! The banner control offline: its plan, its section's merge and its
//! located errors, through the real loader and the registered sections.

use std::path::Path;

use super::*;
use crate::contract::section::Section;
use crate::contract::Change;
use crate::controls::sections::sections;
use crate::inventory::{load_str, Inventory};
use crate::report::model::{Fix, Status};

const HEAD: &str =
    "[defaults]\ncontroller_sources = [\"10.213.0.2\"]\nknown_hosts = \"known_hosts\"\n";

fn host(name: &str, n: u8, extra: &str) -> String {
    format!("\n[[hosts]]\nname = \"{name}\"\naddress = \"10.0.0.{n}\"\nprovider = \"telekom\"\nenvironment = \"test\"\nroles = [\"app\"]\n{extra}")
}

fn load(text: &str) -> Result<Inventory, String> {
    load_str(Path::new("/x/inv.toml"), text.to_string(), sections()).map_err(|e| e.to_string())
}

fn errors(text: &str) -> String {
    match load(text) {
        Ok(_) => panic!("the inventory loaded"),
        Err(e) => e,
    }
}

fn plan(inv: &Inventory, i: usize, facts: &Facts) -> Plan {
    let ctx = HostCtx::new(inv, &inv.hosts[i], None);
    BannerControl.plan(&ctx, facts).expect("plans")
}

#[test]
fn registered_once_with_its_section_and_template() {
    let n = crate::controls::ALL
        .iter()
        .filter(|c| c.id() == "banner")
        .count();
    assert_eq!(n, 1);
    assert!(sections().iter().any(|s| s.name() == "banner"));
    assert!(render(&Banner {
        text: "x".into(),
        owner_notice: None
    })
    .is_ok());
}

#[test]
fn plan_offline_writes_issue_net_only_where_a_banner_is_set() {
    let text = format!(
        "{HEAD}{}{}",
        host(
            "a",
            1,
            "banner = { text = \"Authorised access only.\", owner_notice = \"Operated by Example GmbH\" }\n"
        ),
        host("b", 2, "")
    );
    let inv = load(&text).expect("loads");
    let ctx_b = HostCtx::new(&inv, &inv.hosts[1], None);
    assert!(BannerControl.applies(&HostCtx::new(&inv, &inv.hosts[0], None)));
    assert!(!BannerControl.applies(&ctx_b), "no banner table: untouched");
    assert!(plan(&inv, 1, &Facts::assumed()).changes.is_empty());

    let p = plan(&inv, 0, &Facts::assumed());
    let files: Vec<&ManagedFile> = p.files().collect();
    assert_eq!(files.len(), 1);
    assert_eq!(p.changes.len(), 1, "one file, nothing else");
    let f = files[0];
    assert_eq!((f.path.as_str(), f.mode), (ISSUE_NET, 0o644));
    assert_eq!((f.owner.as_str(), f.group.as_str()), ("root", "root"));
    assert_eq!(
        f.text(),
        "Authorised access only.\nOperated by Example GmbH\n"
    );
    assert!(p.activate.is_empty() && !p.guard, "nothing to reload");
    // Absent on the host: drift, fixed by writing the file.
    assert_eq!(p.findings.len(), 1);
    assert_eq!(p.findings[0].status, Status::Drift);
    assert!(matches!(
        p.change_of(&p.findings[0]),
        Some(Change::Write(_))
    ));

    // The same content, mode and owner on the host: in sync, nothing selected.
    let mut facts = Facts::default();
    facts.set_file(ISSUE_NET, &f.text(), 0o644);
    let p = plan(&inv, 0, &facts);
    assert_eq!(p.findings[0].status, Status::InSync);
    assert!(!p.needs_apply());
    // Tampered: drift linked to the write.
    facts.set_file(ISSUE_NET, "Welcome!\n", 0o666);
    let p = plan(&inv, 0, &facts);
    assert_eq!(p.findings[0].status, Status::Drift);
    assert!(matches!(p.findings[0].fix, Fix::Change(_)));
    assert!(
        p.findings[0].actual.contains("mode 0666"),
        "{:?}",
        p.findings[0]
    );
    assert_eq!(p.selected().len(), 1);
}

#[test]
fn defaults_and_host_tables_merge_key_by_key() {
    let text = format!(
        "{HEAD}[defaults.banner]\ntext = \"Authorised access only.\"\nowner_notice = \"Operated by Example GmbH\"\n{}{}",
        host("a", 1, ""),
        host("b", 2, "banner = { owner_notice = \"Operated by B Ltd\" }\n")
    );
    let inv = load(&text).expect("loads");
    let a = inv.hosts[0].settings::<BannerSettings>();
    let b = inv.hosts[1].settings::<BannerSettings>();
    let want = |owner: &str| Banner {
        text: "Authorised access only.".into(),
        owner_notice: Some(owner.into()),
    };
    assert_eq!(a.banner, Some(want("Operated by Example GmbH")));
    assert_eq!(b.banner, Some(want("Operated by B Ltd")));
    // Without owner_notice, the file is the text alone.
    let text = format!(
        "{HEAD}{}",
        host("a", 1, "banner = { text = \"Private.\" }\n")
    );
    let inv = load(&text).expect("loads");
    let p = plan(&inv, 0, &Facts::assumed());
    assert_eq!(
        p.files().next().map(ManagedFile::text).as_deref(),
        Some("Private.\n")
    );
    // No table anywhere: no banner.
    let inv = load(&format!("{HEAD}{}", host("a", 1, ""))).expect("loads");
    assert_eq!(inv.hosts[0].settings::<BannerSettings>().banner, None);
}

#[test]
fn problems_are_located_with_stable_codes() {
    // A control character (here an escaped newline) is refused before
    // any section sees it.
    let e = errors(&format!(
        "{HEAD}{}",
        host("a", 1, "banner = { text = \"line one\\nrm -rf /\" }\n")
    ));
    assert!(
        e.contains("/x/inv.toml:11:28: error[inv-control-char]: hosts[0].banner.text"),
        "{e}"
    );
    // The free-text rule: a quote is refused, located at the value.
    let e = errors(&format!(
        "{HEAD}{}",
        host("a", 1, "banner = { text = \"say \\\"hi\\\"\" }\n")
    ));
    assert!(
        e.contains("/x/inv.toml:11:19: error[inv-bad-text]: hosts[0].banner.text: the text contains `\\\"`"),
        "{e}"
    );
    // A quote or backslash is refused too, so nothing unvalidated is rendered.
    let e = errors(&format!(
        "{HEAD}{}",
        host(
            "a",
            1,
            "banner = { text = \"ok\", owner_notice = \"a `b`\" }\n"
        )
    ));
    assert!(
        e.contains("error[inv-bad-text]: hosts[0].banner.owner_notice"),
        "{e}"
    );
    // A table without text: the section's own code, at the table.
    let e = errors(&format!(
        "{HEAD}{}",
        host("a", 1, "banner = { owner_notice = \"Operated by X\" }\n")
    ));
    assert!(
        e.contains(
            "/x/inv.toml:11:10: error[inv-banner-no-text]: hosts[0].banner: the banner has no text"
        ),
        "{e}"
    );
    // Empty text in the defaults: reported once, at the defaults.
    let e = errors(&format!(
        "{HEAD}[defaults.banner]\ntext = \" \"\n{}{}",
        host("a", 1, ""),
        host("b", 2, "")
    ));
    assert_eq!(e.matches("inv-banner-no-text").count(), 1, "{e}");
    assert!(
        e.contains("/x/inv.toml:5:8: error[inv-banner-no-text]: defaults.banner.text"),
        "{e}"
    );
    // Too long.
    let long = "x".repeat(section::TEXT_MAX + 1);
    let e = errors(&format!(
        "{HEAD}{}",
        host("a", 1, &format!("banner = {{ text = \"{long}\" }}\n"))
    ));
    assert!(
        e.contains("error[inv-bad-text]: hosts[0].banner.text: the text is longer than 400"),
        "{e}"
    );
    // An unknown key: serde's words, at the key.
    let e = errors(&format!(
        "{HEAD}{}",
        host("a", 1, "banner = { txt = \"hi\" }\n")
    ));
    assert!(
        e.contains("error[inv-schema]: hosts[0].banner.txt: unknown field `txt`"),
        "{e}"
    );
    assert!(section::BannerSection
        .codes()
        .iter()
        .any(|c| c.code == "inv-banner-no-text"));
}
