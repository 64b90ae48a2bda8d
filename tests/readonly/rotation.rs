//! Rotating the CI credential and pinning it to a source address: two
//! credentials valid at once, the old one revoked once the new one is in
//! place; a credential for another source address is refused by sshd.

use super::{drift_ci, findings, host_errors, lab, sign};

#[test]
fn rotation_overlap_new_works_old_is_refused_clearly() {
    let (t, old, old_serial) = lab();
    let (new, _) = sign(&t, "drift-cred-new", &[]);
    // Both valid at once: CI can switch its secret at any time.
    let a = drift_ci(&t, &old);
    let b = drift_ci(&t, &new);
    a.code(0);
    b.code(0);
    assert_eq!(findings(&a.json()), findings(&b.json()));
    let serial = old_serial.to_string();
    t.harden(&[
        "ca",
        "revoke",
        "--serial",
        &serial,
        "--reason",
        "OPS-3 rotated",
    ])
    .code(0);
    t.harden(&["apply", "--yes"]).code(0);
    drift_ci(&t, &new).code(0);
    drift_ci(&t, &old)
        .code(1)
        .says(&format!("its serial {serial} is revoked"))
        .says("sign a new one with `harden ca sign-drift`");
}

#[test]
fn a_credential_for_another_source_address_is_refused_by_the_host() {
    let (t, _, _) = lab();
    let controller = format!("{}/32", harden::lab::CONTROLLER);
    let (here, _) = sign(&t, "drift-here", &["--source", &controller]);
    let (there, _) = sign(&t, "drift-there", &["--source", "10.213.0.99/32"]);
    drift_ci(&t, &here).code(0);
    let r = drift_ci(&t, &there);
    r.code(1);
    let errors = host_errors(&r);
    assert_eq!(errors.len(), 2, "{}", r.stdout);
    for (_, e) in errors {
        assert!(
            e.contains("source-address list (10.213.0.99/32)"),
            "the refusal does not name the source list: {e}"
        );
    }
    assert!(
        t.on("otc-app-1", "cat /var/log/auth.log")
            .contains("not from a permitted source address"),
        "sshd did not refuse the source address"
    );
}
