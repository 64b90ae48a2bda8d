//! The README's demo (`scripts/demo.sh` runs `harden-lab demo`) keeps
//! working: CA, apply, drift, a certificate and a real login, and the
//! gatekeeper in front of the app: reached only through it from outside.

use std::process::Command;

use crate::util::{lab_tool, require_root, run};

#[test]
fn the_readme_demo_runs_end_to_end() {
    require_root();
    let mut c = Command::new(lab_tool());
    c.arg("demo");
    let r = run(c);
    r.code(0)
        .says("Apply complete: 3 of 3 hosts changed")
        .says("No drift: 3 hosts match the inventory")
        .says("uid=1001(alice)")
        .says("alice's login Some(0)")
        .says("5 sent, 5 answered {\"otc-app-1\": 5}")
        .says("(otc-app-1's own, issued by the lab's private CA)")
        .says("Dropped")
        .says("gatekeeper: the app answered only through it");
}
