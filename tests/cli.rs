//! The exit-code contract of the real binary, no lab needed: usage errors
//! exit 1 (never 2, which means drift), help and version exit 0 on stdout.
//! Plus the host-selection errors that must come before any connection.

use crate::util::{harden_local, Run};

/// A usage error: exit 1, the message on stderr, nothing on stdout.
#[track_caller]
fn usage_error(args: &[&str], needle: &str) -> Run {
    let r = harden_local(args);
    r.code(1);
    assert!(r.stdout.is_empty(), "usage error on stdout: {}", r.stdout);
    assert!(r.stderr.contains(needle), "stderr lacks `{needle}`: {}", r.stderr);
    r
}

/// Help or version the user asked for: exit 0, on stdout, stderr empty.
#[track_caller]
fn asked(args: &[&str], needle: &str) {
    let r = harden_local(args);
    r.code(0);
    assert!(r.stdout.contains(needle), "stdout lacks `{needle}`: {}", r.stdout);
    assert!(r.stderr.is_empty(), "stderr: {}", r.stderr);
}

#[test]
fn unknown_flag_exits_1() {
    usage_error(&["drift", "--bogus"], "unexpected argument '--bogus'");
}

#[test]
fn unknown_subcommand_exits_1() {
    usage_error(&["frobnicate"], "unrecognized subcommand 'frobnicate'");
}

#[test]
fn missing_required_argument_exits_1() {
    usage_error(
        &["maintenance", "open", "--host", "db", "--for", "1h"],
        "--reason <REASON>",
    );
}

#[test]
fn bad_value_exits_1() {
    usage_error(&["drift", "--jobs", "0"], "--jobs");
}

#[test]
fn no_subcommand_exits_1_with_help_on_stderr() {
    usage_error(&[], "Usage: harden");
    usage_error(&["maintenance"], "Usage: harden maintenance");
}

#[test]
fn help_exits_0_on_stdout() {
    asked(&["--help"], "Exit codes");
    asked(&["-h"], "Usage: harden");
    asked(&["help"], "Usage: harden");
}

#[test]
fn subcommand_help_exits_0_on_stdout() {
    asked(&["drift", "--help"], "Usage: harden drift");
    asked(&["help", "drift"], "Usage: harden drift");
}

#[test]
fn version_exits_0_on_stdout() {
    asked(&["--version"], env!("CARGO_PKG_VERSION"));
}
