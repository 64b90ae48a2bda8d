//! The README's kept-lab tour, run as written: the block between
//! `<!-- tour:begin -->` and `<!-- tour:end -->`, each line through bash
//! from a directory whose `target/release` is the binaries under test, the
//! `LAB=` line given the id the demo printed. Around it: `down` refuses an
//! unknown id and a prefix of the real one and leaves the lab (and another
//! lab) intact; `down` of the real id removes exactly its namespaces and
//! processes. And the README's `check` example is what `check` prints.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use std::time::Duration;

use crate::util::{harden_bin, lab_tool, require_root, run, wait_until, Run};

/// Gone, or a zombie its new parent has not reaped yet.
fn ended(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(s) => s
            .rfind(')')
            .and_then(|i| s[i + 1..].split_whitespace().next())
            .is_some_and(|st| st == "Z" || st == "X"),
    }
}

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md")
}

/// The lines of the fenced block between `<!-- NAME:begin -->` and `<!-- NAME:end -->`.
fn block(name: &str) -> Vec<String> {
    let text = readme();
    let begin = format!("<!-- {name}:begin -->");
    let end = format!("<!-- {name}:end -->");
    let from = text.find(&begin).expect("begin marker") + begin.len();
    let to = from + text[from..].find(&end).expect("end marker");
    text[from..to]
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("```"))
        .map(str::to_string)
        .collect()
}

fn bash(dir: &Path, lab: Option<&str>, line: &str) -> Run {
    let mut c = Command::new("bash");
    c.args(["-c", line])
        .current_dir(dir)
        .env_remove("HARDEN_INVENTORY");
    if let Some(l) = lab {
        c.env("LAB", l);
    }
    run(c)
}

fn recorded(id: &str, what: &str) -> Vec<String> {
    std::fs::read_to_string(Path::new(harden::lab::ROOT).join(id).join(what))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

fn live_ns() -> BTreeSet<String> {
    harden::lab::net::list_ns().into_iter().collect()
}

/// Removes a kept lab when a test fails half-way.
struct Down(String);
impl Drop for Down {
    fn drop(&mut self) {
        if Path::new(harden::lab::ROOT).join(&self.0).exists() {
            let _ = Command::new(lab_tool()).args(["down", &self.0]).output();
        }
    }
}

#[test]
fn the_readme_tour_runs_as_written() {
    require_root();
    let lines = block("tour");
    assert!(lines.len() >= 5, "{lines:?}");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("target")).expect("target");
    let bins = lab_tool().parent().expect("bin dir");
    std::os::unix::fs::symlink(bins, dir.path().join("target/release")).expect("symlink");

    // A second kept lab, which nothing in the tour may touch.
    let other = run({
        let mut c = Command::new(lab_tool());
        c.args(["up", "--count", "1"]);
        c
    });
    other.code(0);
    let other_id = other
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("id="))
        .expect("id=")
        .to_string();
    let _other = Down(other_id.clone());

    let mut lab: Option<String> = None;
    let mut guard = None;
    for line in &lines {
        let cmd = line.split("  #").next().unwrap_or(line).trim();
        if cmd.starts_with("LAB=") {
            assert!(lab.is_some(), "LAB= comes after the demo");
            continue;
        }
        if cmd.contains(" down $LAB") {
            let id = lab.clone().expect("a lab");
            let ns: Vec<String> = recorded(&id, "netns");
            let pids: Vec<u32> = recorded(&id, "state")
                .iter()
                .filter_map(|l| l.strip_prefix("pid="))
                .filter_map(|p| p.split(' ').next()?.parse().ok())
                .collect();
            assert!(ns.len() >= 7 && pids.len() >= 3, "{ns:?} {pids:?}");
            let prefix = &id[..id.len() - 2];
            for wrong in ["hl", prefix, "hl1x1"] {
                let r = bash(dir.path(), Some(&id), &cmd.replace("$LAB", wrong));
                r.code(1).says("no lab").says(&id);
                let live = live_ns();
                assert!(ns.iter().all(|n| live.contains(n)), "{wrong}: lab intact");
            }
            bash(dir.path(), lab.as_deref(), cmd)
                .code(0)
                .says("removed");
            let live = live_ns();
            assert!(
                ns.iter().all(|n| !live.contains(n)),
                "its namespaces are gone"
            );
            wait_until(
                "the lab's processes to end",
                Duration::from_secs(10),
                || pids.iter().all(|p| ended(*p)),
            );
            let theirs = recorded(&other_id, "netns");
            assert!(!theirs.is_empty() && theirs.iter().all(|n| live.contains(n)));
            bash(
                dir.path(),
                Some(&id),
                &cmd.replace(" down ", " exec ")
                    .replace("$LAB", "$LAB -- true"),
            )
            .code(1)
            .says("no lab");
            continue;
        }
        let r = bash(dir.path(), lab.as_deref(), cmd);
        r.code(0);
        if lab.is_none() {
            let id = r
                .stdout
                .lines()
                .find_map(|l| l.strip_prefix("lab kept: "))
                .expect("the demo prints the id")
                .trim()
                .to_string();
            r.says(&format!("exec {id} -- harden drift"))
                .says(&format!("down {id}"));
            guard = Some(Down(id.clone()));
            lab = Some(id);
        }
        if cmd.contains("shell") {
            r.says("No drift").says("No window open");
        }
        if cmd.contains("apply") {
            // One "in sync" per host from apply's progress, not two.
            assert_eq!(
                r.stderr.matches("otc-db-1: in sync").count(),
                1,
                "{}",
                r.stderr
            );
        }
    }
    assert!(lab.is_some(), "the tour starts a lab");
    drop(guard);
}

#[test]
fn the_readme_check_example_is_what_check_prints() {
    let lines = block("check");
    let (cmd, want) = lines.split_first().expect("a command");
    let args: Vec<&str> = cmd
        .strip_prefix("$ harden ")
        .expect("$ harden")
        .split(' ')
        .collect();
    let root = env!("CARGO_MANIFEST_DIR");
    let mut c = Command::new(harden_bin());
    c.args(&args)
        .current_dir(root)
        .env_remove("HARDEN_INVENTORY");
    let r = run(c);
    r.code(0);
    let got: Vec<String> = r
        .stderr
        .lines()
        .chain(r.stdout.lines())
        .map(|l| l.replace(&format!("{root}/"), "/…/"))
        .collect();
    assert_eq!(&got, want, "README's check example differs from a real run");
    let warnings = got.iter().filter(|l| l.contains(": warning")).count();
    assert!(
        want.last()
            .is_some_and(|l| l.ends_with(&format!("{warnings} warning(s)"))),
        "the count says as many warnings as are shown"
    );
}
