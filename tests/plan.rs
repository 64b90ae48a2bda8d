//! `plan`'s Terraform-style counts on a fresh lab host agree with what
//! the following `apply` changes, as the host itself shows it (files that
//! appear, accounts created, directories fixed, a drop-in moved aside);
//! after apply, `plan` has nothing left to do.

use crate::util::TestLab;

const H: &str = "otc-db-1";

fn inventory(alice: &str, oscar: &str) -> String {
    format!(
        r#"{{defaults}}
[ca]
dir = "ca"

[[users]]
name = "alice"
role = "management"
public_keys = ["{alice}"]

[[users]]
name = "oscar"
role = "operator"
public_keys = ["{oscar}"]

[[hosts]]
name = "otc-db-1"
address = "10.213.0.11"
provider = "telekom"
environment = "production"
roles = ["data"]
disks = []
"#
    )
}

/// `test -e` on the host, for each path.
fn exists(t: &TestLab, paths: &[String]) -> Vec<bool> {
    paths
        .iter()
        .map(|p| {
            t.on(H, &format!("test -e '{p}' && echo yes || echo no"))
                .trim()
                == "yes"
        })
        .collect()
}

/// Items of a report's findings with `check` and `status`.
fn items(j: &serde_json::Value, check: &str, status: &str) -> Vec<String> {
    j["hosts"][0]["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["check"] == check && f["status"] == status)
        .filter_map(|f| f["item"].as_str().map(str::to_string))
        .collect()
}

fn count(j: &serde_json::Value, key: &str) -> usize {
    j[key].as_u64().unwrap_or_else(|| panic!("no {key} in {j}")) as usize
}

#[test]
fn plan_counts_what_apply_then_changes() {
    let t = TestLab::new(&[H], "{defaults}");
    let (_, alice) = t.keypair("alice");
    let (_, oscar) = t.keypair("oscar");
    t.inventory("inventory.toml", &inventory(&alice, &oscar));
    t.harden(&["ca", "init"]).code(0);
    let dropin = "/etc/ssh/sshd_config.d/50-cloud-init.conf";
    t.on(
        H,
        &format!(
            "mkdir -p /etc/ssh/sshd_config.d && printf 'PasswordAuthentication yes\\n' > {dropin}"
        ),
    );
    // drift keeps its own summary.
    t.harden(&["drift"])
        .code(2)
        .says("Drift on 1 of 1 hosts")
        .never_says("Plan:");
    let p = t.harden(&["plan", "--format", "json"]);
    p.code(2);
    let plan = p.json();
    assert_eq!(plan["format_version"], 1);
    let counts = &plan["plan"];
    assert_eq!(counts["per_host"][0]["host"], H);
    for k in ["add", "change", "move_aside", "run", "api"] {
        assert_eq!(
            counts[k], counts["per_host"][0][k],
            "{k}: one host, totals are its own"
        );
    }

    // The text report ends with the same line, built from the JSON counts.
    let text = t.harden(&["plan"]);
    text.code(2);
    let line = format!(
        "Plan: {} to add, {} to change, {} to move aside, {} to run (on 1 of 1 hosts).",
        counts["add"], counts["change"], counts["move_aside"], counts["run"]
    );
    assert!(
        text.stdout.ends_with(&format!("\n{line}\n")),
        "{}",
        text.stdout
    );

    // The host before apply.
    let files = items(&plan, "file", "drift");
    let existed = exists(&t, &files);
    let users = ["alice", "oscar"];
    let account = |u: &str| {
        t.on(
            H,
            &format!("getent passwd {u} >/dev/null && echo yes || echo no"),
        )
        .trim()
            == "yes"
    };
    let had_account: Vec<bool> = users.iter().map(|u| account(u)).collect();
    let dirs = items(&plan, "directory", "drift");
    let dir_state = |d: &str| {
        t.on(
            H,
            &format!("stat -c '%a %U %G' '{d}' 2>/dev/null || echo absent"),
        )
    };
    let dirs_before: Vec<String> = dirs.iter().map(|d| dir_state(d)).collect();

    let a = t.harden(&["apply", "--yes", "--format", "json"]);
    a.code(0);
    let applied = a.json();

    // What apply changed, as the host shows it.
    let written = items(&applied, "file", "changed");
    let exist_now = exists(&t, &files);
    let mut add = 0;
    let mut change = 0;
    for (i, f) in files.iter().enumerate() {
        assert!(written.contains(f) && exist_now[i], "{f} written by apply");
        if existed[i] {
            change += 1;
        } else {
            add += 1;
        }
    }
    assert_eq!(
        written.len(),
        files.len(),
        "apply wrote exactly the drifting files"
    );
    let moved = items(&applied, "sshd-dropin", "changed");
    assert_eq!(moved, vec![dropin.to_string()]);
    assert_eq!(exists(&t, &moved), vec![false], "moved away");
    assert_eq!(
        t.on(
            H,
            "cat /var/lib/harden/quarantine/*/etc_ssh_sshd_config.d_50-cloud-init.conf"
        ),
        "PasswordAuthentication yes\n"
    );
    let created = users
        .iter()
        .zip(&had_account)
        .filter(|(u, had)| !**had && account(u))
        .count();
    let fixed_dirs = dirs
        .iter()
        .zip(&dirs_before)
        .filter(|(d, before)| dir_state(d) != **before)
        .count();
    let run = created + fixed_dirs;
    assert!(
        add > 0 && change > 0 && created > 0 && fixed_dirs > 0,
        "the fixture has every kind"
    );

    assert_eq!(
        (
            count(counts, "add"),
            count(counts, "change"),
            count(counts, "move_aside"),
            count(counts, "run"),
            count(counts, "api"),
        ),
        (add, change, moved.len(), run, 0),
        "plan's counts are what apply changed: {counts}"
    );
    assert_eq!(count(counts, "hosts_changing"), 1);

    // After apply, plan has nothing to do.
    t.harden(&["plan"])
        .code(0)
        .says("No changes. 1 hosts in sync.");
    let after = t.harden(&["plan", "--format", "json"]);
    after.code(0);
    let after = after.json();
    for k in [
        "add",
        "change",
        "move_aside",
        "run",
        "api",
        "hosts_changing",
    ] {
        assert_eq!(count(&after["plan"], k), 0, "{k} after apply");
    }
}
