//! Operator conventions of the real binary, no lab needed: completions and
//! the man page name every subcommand, typos get a "did you mean", and an
//! unattended apply refuses before it connects anywhere.

use std::time::{Duration, Instant};

use crate::util::harden_local;

/// Every subcommand, from the clap definitions.
fn subcommands() -> Vec<String> {
    use clap::CommandFactory;
    harden::cli::Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
}

#[test]
fn bash_completion_names_every_subcommand() {
    let r = harden_local(&["completions", "bash"]);
    r.code(0);
    let subs = subcommands();
    assert!(subs.len() >= 12, "{subs:?}");
    for s in &subs {
        assert!(
            r.stdout.contains(&format!("harden,{s})")),
            "bash completion lacks {s}"
        );
    }
    for sh in ["zsh", "fish"] {
        let r = harden_local(&["completions", sh]);
        r.code(0);
        assert!(r.stdout.contains("maintenance"), "{sh}: {}", r.stdout);
    }
}

#[test]
fn man_page_has_every_subcommand_and_exit_status() {
    let r = harden_local(&["man"]);
    r.code(0);
    assert!(
        r.stdout.starts_with(".ie") || r.stdout.contains(".TH harden"),
        "{}",
        &r.stdout[..200.min(r.stdout.len())]
    );
    for s in subcommands() {
        assert!(
            r.stdout.contains(&format!("harden\\-{s}"))
                || r.stdout.contains(&format!("harden-{s}")),
            "man page lacks {s}"
        );
    }
    for sec in ["EXIT STATUS", "ENVIRONMENT", "NO_COLOR", "\\-\\-format"] {
        assert!(r.stdout.contains(sec), "man page lacks {sec}");
    }
}

#[test]
fn version_names_the_commit() {
    let r = harden_local(&["--version"]);
    r.code(0);
    assert!(r.stdout.contains("(commit "), "{}", r.stdout);
}

fn example_with(from: &str, to: &str) -> (tempfile::TempDir, String) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/inventories/example.toml"
    ))
    .unwrap();
    assert!(text.contains(from), "example lacks {from}");
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("inv.toml");
    std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
    let p = p.display().to_string();
    (d, p)
}

#[test]
fn a_typo_d_key_and_value_get_did_you_mean() {
    let (_d, p) = example_with(
        "\nenvironment = \"production\"",
        "\nenviroment = \"production\"",
    );
    let r = harden_local(&["-i", &p, "check"]);
    r.code(1).says("did you mean `environment`?");
    let (_d, p) = example_with(
        "\nenvironment = \"production\"",
        "\nenvironment = \"prodution\"",
    );
    let r = harden_local(&["-i", &p, "check"]);
    r.code(1).says("did you mean `production`?");
    let (_d, p) = example_with(
        "\nenvironment = \"production\"",
        "\nenvironment = \"staging\"",
    );
    harden_local(&["-i", &p, "check"])
        .code(1)
        .never_says("did you mean");
}

/// The example's hosts are documentation addresses no test can reach: an
/// apply that connected would hang on them or fail later with other words.
#[test]
fn apply_off_a_terminal_refuses_before_connecting() {
    let inv = concat!(env!("CARGO_MANIFEST_DIR"), "/inventories/example.toml");
    let t = Instant::now();
    let r = harden_local(&["-i", inv, "apply"]);
    r.code(1)
        .says("refusing to apply without --yes")
        .never_says("confirmation declined")
        .never_says("audit:");
    assert_eq!(
        r.stderr.trim().lines().count(),
        1,
        "one message: {}",
        r.stderr
    );
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "took {:?}",
        t.elapsed()
    );
}
