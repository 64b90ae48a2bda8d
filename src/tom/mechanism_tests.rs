//! Each mechanism coverage names exists: its subcommand in the CLI, and
//! what else turns it on.

use super::Mechanism;
use clap::CommandFactory;

/// Whether `harden <path…>` is a subcommand of the real CLI.
fn subcommand(path: &[&str]) -> bool {
    let mut cmd = crate::cli::Cli::command();
    for name in path {
        match cmd.find_subcommand(name) {
            Some(c) => cmd = c.clone(),
            None => return false,
        }
    }
    !path.is_empty()
}

#[test]
fn every_mechanism_is_a_real_subcommand() {
    for m in Mechanism::ALL {
        assert!(
            subcommand(m.command()),
            "{}: harden {:?} is no subcommand",
            m.name(),
            m.command()
        );
        assert!(!m.measures().is_empty(), "{}", m.name());
    }
    assert!(!subcommand(&["passwd", "invent"]));
}

#[test]
fn the_webhook_is_the_report_table_and_the_nightly_run_is_documented() {
    let inv = crate::testkit::inventory()
        .host("app", "10.213.0.12", "app")
        .tables("[report]\nwebhook_url = \"https://hooks.example.com/harden\"\n")
        .load();
    assert!(
        inv.report.is_some(),
        "[report] does not configure the webhook"
    );
    let ci = include_str!("../../docs/ci.md");
    assert!(
        ci.contains("schedule:") && ci.contains("harden drift"),
        "docs/ci.md lost the nightly drift job"
    );
}

#[test]
fn coverage_counts_each_mechanism_where_it_is_evidence() {
    for m in Mechanism::ALL {
        for t in m.measures() {
            let (_, checks) = super::super::coverage()
                .into_iter()
                .find(|(x, _)| x.id == t.id)
                .expect("measure");
            assert!(
                checks.contains(&m.name()),
                "{} not counted for {}",
                m.name(),
                t.id
            );
        }
    }
}
