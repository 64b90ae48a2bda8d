//! Unit tests of log verification: every kind of damage is named.

use super::*;
use crate::audit::testutil::chain;
use crate::audit::{next_entry, Entry, Event};

fn log(n: usize) -> Vec<String> {
    chain(n, "host").iter().map(Entry::to_line).collect()
}

#[test]
fn intact_log() {
    let r = verify(&log(5).concat());
    assert!(r.is_ok(), "{r}");
    assert_eq!(r.entries, 5);
    assert_eq!(r.last_seq, Some(5));
    assert!(verify("").is_ok());
}

#[test]
fn truncated_last_line() {
    let text = log(3).concat();
    let cut = &text[..text.len() - 20];
    let r = verify(cut);
    assert_eq!(r.issues, vec![Issue::Truncated { line: 3 }]);
    assert_eq!(r.entries, 2);
}

#[test]
fn garbled_line_is_named() {
    let mut lines = log(3);
    lines[1] = "{\"seq\": 2, oops\n".into();
    let r = verify(&lines.concat());
    assert!(
        matches!(r.issues.first(), Some(Issue::Garbled { line: 2, .. })),
        "{r}"
    );
}

#[test]
fn rehashed_edit_breaks_the_chain_at_the_next_line() {
    let mut lines = log(4);
    // Forge line 2 with a valid own hash, but it is not what line 3 chained to.
    let forged = Event::new("apply", vec!["forged".into()]);
    lines[1] = next_entry(&lines[0], &forged).unwrap().to_line();
    let r = verify(&lines.concat());
    assert_eq!(
        r.issues,
        vec![Issue::ChainBroken {
            line: 3,
            seq: 3,
            prev_line: Some(2)
        }]
    );
}

#[test]
fn duplicated_line() {
    let mut lines = log(3);
    let dup = lines[1].clone();
    lines.insert(2, dup);
    let r = verify(&lines.concat());
    assert_eq!(
        r.issues,
        vec![Issue::Duplicate {
            line: 3,
            seq: 2,
            first_line: 2
        }]
    );
}

#[test]
fn head_cut_off() {
    let lines = log(4);
    let r = verify(&lines[2..].concat());
    assert_eq!(
        r.issues,
        vec![Issue::Missing {
            first: 1,
            last: 2,
            after_line: None,
            before_line: 1
        }]
    );
    assert_eq!(
        r.issues[0].to_string(),
        "entries seq 1-2 missing before line 1"
    );
}
