//! A hand-edited haproxy.cfg is drift (exit 2) and the next apply repairs
//! it.

use super::{drift_json, Gate, CFG};

#[test]
fn a_hand_edited_haproxy_cfg_is_drift_and_the_next_apply_repairs_it() {
    let g = Gate::applied();
    let t = &g.t;
    let good = g.cfg_sha();
    t.on(
        "hz-gw-1",
        &format!("printf 'listen stats\\n    bind :8404\\n' >> {CFG}"),
    );
    let (code, drifts, out) = drift_json(t);
    assert_eq!(code, 2, "{out}");
    assert!(
        drifts
            .iter()
            .any(|(h, _, i)| h == "hz-gw-1" && i.contains("/etc/haproxy/haproxy.cfg")),
        "no haproxy drift on the gatekeeper: {drifts:?}"
    );
    t.harden(&["apply", "--yes"]).code(0);
    assert_eq!(
        g.cfg_sha(),
        good,
        "apply did not restore the rendered config"
    );
    t.harden(&["drift"]).code(0);
    g.all_served(6);
}
