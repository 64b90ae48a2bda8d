//! Passthrough shows the client the backend's own certificate: drift
//! connects through the gatekeeper as an internet client would and flags
//! a backend certificate that carries an internal name.

use super::{drift_json, Gate, BLUE, GREEN, PORT, SNI};

#[test]
fn drift_flags_a_backend_certificate_that_carries_an_internal_name() {
    let g = Gate::applied();
    let t = &g.t;
    t.harden(&["drift"]).code(0);

    // Both backends now serve certificates that also name the host.
    let leaky: Vec<_> = ["otc-app-1", "otc-app-2"]
        .iter()
        .map(|h| {
            g.pki
                .issue(&format!("{h}-leaky"), SNI, &[SNI, &format!("{h}.internal")])
                .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    for s in &g.servers {
        t.stop(s);
    }
    t.tls_serve("otc-app-1", PORT, &leaky[0], BLUE, &[]);
    t.tls_serve("otc-app-2", PORT, &leaky[1], GREEN, &[]);
    let seen = g.through(4);
    assert_eq!(seen.ok, 4, "{seen:?}");
    assert!(
        seen.certs
            .keys()
            .all(|c| *c == leaky[0].sha256 || *c == leaky[1].sha256),
        "{seen:?}"
    );

    let (code, drifts, out) = drift_json(t);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("otc-app-1.internal") || out.contains("otc-app-2.internal"),
        "drift does not name the internal name: {drifts:?}\n{out}"
    );
    assert!(drifts.iter().any(|(h, _, _)| h == "hz-gw-1"), "{drifts:?}");
}
