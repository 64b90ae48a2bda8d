//! Tests of the `evs` findings on volume listings of the documented shape.

use serde_json::{json, Value};

use super::verify::findings;
use crate::controls::cloud::server::Server;
use crate::report::model::Status;

const S: &str = "6f2c1d3e-0000-4a4a-8b8b-abcdefabcdef";
const K: &str = "3b1c9d2e-1111-4c4c-9d9d-0123456789ab";

fn server() -> Result<Server, String> {
    Ok(Server {
        id: S.into(),
        name: "db-1".into(),
        addresses: Vec::new(),
    })
}

fn vol(n: u32, server: &str, meta: Value) -> Value {
    json!({"id": format!("00000000-0000-4000-8000-{n:012}"), "name": format!("data-{n}"),
        "metadata": meta, "attachments": [{"server_id": server, "device": "/dev/vdb"}]})
}

#[test]
fn each_attached_volume_is_judged_by_its_metadata() {
    let other = "7a7a7a7a-0000-4a4a-8b8b-abcdefabcdef";
    let list = json!([
        vol(
            1,
            S,
            json!({"__system__encrypted": "1", "__system__cmkid": K})
        ),
        vol(2, S, json!({})),
        vol(3, S, json!({"__system__encrypted": "1"})),
        vol(4, other, json!({})),
    ]);
    let f = findings("server named db-1", server(), Some(&list));
    assert_eq!(f.len(), 3, "only the server's volumes: {f:?}");
    assert!(f
        .iter()
        .all(|f| f.check == "evs-volume" && f.control == "evs"));
    assert_eq!(f[0].status, Status::InSync);
    assert!(f[0].actual.contains(K), "{:?}", f[0]);
    assert!(f[0].item.contains("data-1"));
    assert_eq!((f[1].status, f[2].status), (Status::Drift, Status::Drift));
    assert!(f[1]
        .item
        .starts_with("00000000-0000-4000-8000-000000000002"));
    let m = f[1].message.as_deref().unwrap_or("");
    for want in [
        "cloudvolumes/detail",
        "__system__encrypted",
        "LUKS",
        "created",
        "/dev/vdb",
    ] {
        assert!(m.contains(want), "{want} in {m}");
    }
    assert!(f[2].actual.contains("no __system__cmkid"), "{:?}", f[2]);
}

#[test]
fn nothing_attached_missing_server_or_bad_listing_is_drift() {
    let list = json!([vol(1, "7a7a7a7a-0000-4a4a-8b8b-abcdefabcdef", json!({}))]);
    let f = findings("server named db-1", server(), Some(&list));
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].check, f[0].status), ("evs-volumes", Status::Drift));
    assert!(f[0].actual.contains("no volume of the 1"), "{:?}", f[0]);

    let f = findings(
        "server named db-1",
        Err("no server named db-1 at the provider".into()),
        Some(&list),
    );
    assert_eq!((f[0].check, f[0].status), ("evs-volumes", Status::Drift));
    assert_eq!(f[0].item, "server named db-1");
    assert!(f[0].actual.contains("no server named db-1"));

    for bad in [
        None,
        Some(json!({"volumes": []})),
        Some(json!([{"id": "../x"}])),
    ] {
        let f = findings("server named db-1", server(), bad.as_ref());
        assert_eq!((f.len(), f[0].status), (1, Status::Drift), "{bad:?}");
        assert!(!f[0].message.as_deref().unwrap_or("").is_empty());
    }
}
