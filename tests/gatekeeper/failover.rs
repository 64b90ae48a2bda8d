//! With one backend down, all traffic goes to the other, and drift says
//! which backend HAProxy sees down.

use std::time::Duration;

use crate::util::wait_until;

use super::{drift_json, Gate, BLUE, GREEN};

#[test]
fn with_one_backend_down_all_traffic_goes_to_the_other() {
    let g = Gate::applied();
    g.all_served(6);
    g.t.stop(&g.servers[1]);
    // HAProxy's health check (every 1 s here) takes green out of the pool.
    wait_until(
        "every connection served by blue",
        Duration::from_secs(30),
        || {
            let t = g.through(4);
            t.ok == 4 && t.backends.get(BLUE) == Some(&4)
        },
    );
    let t = g.all_served(30);
    assert_eq!(t.backends.get(BLUE), Some(&30), "{t:?}");
    assert_eq!(t.backends.get(GREEN), None, "{t:?}");

    // Drift reports the backend HAProxy sees down.
    let (code, drifts, out) = drift_json(&g.t);
    assert_eq!(code, 2, "{out}");
    let backend = |name: &str| {
        drifts
            .iter()
            .any(|(h, c, i)| h == "hz-gw-1" && c == "haproxy-backend" && i.contains(name))
    };
    assert!(
        backend("otc-app-2") && !backend("otc-app-1"),
        "drift does not name exactly the down backend: {drifts:?}\n{out}"
    );
}
