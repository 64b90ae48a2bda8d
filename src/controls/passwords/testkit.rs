//! Shared by the passwords control's unit tests: an inventory through the
//! real loader, the control's plan over given facts, and the real Debian 12
//! files (`tests/fixtures/keyed/`, `tests/fixtures/passwords/`).

use std::path::Path;

use super::*;
pub use super::{files, pam};
use crate::contract::CmdFact;
use crate::controls::sections::sections;
use crate::inventory::{load_str, Inventory};

/// `/etc/login.defs` of the Debian 12 development machine, unedited.
pub const LOGIN_DEFS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/keyed/login.defs"
));
/// Debian 12's stock `/etc/security/pwquality.conf` (libpwquality-common).
pub const PWQUALITY: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/keyed/pwquality.conf"
));

pub const HEAD: &str =
    "[defaults]\ncontroller_sources = [\"10.213.0.2\"]\nknown_hosts = \"known_hosts\"\n";

/// A host table; `roles` e.g. `"app"` or `"data"` (a data host declares `disks = []`).
pub fn host(name: &str, n: u8, role: &str, extra: &str) -> String {
    let disks = if role == "data" { "disks = []\n" } else { "" };
    format!("\n[[hosts]]\nname = \"{name}\"\naddress = \"10.0.0.{n}\"\nprovider = \"telekom\"\nenvironment = \"test\"\nroles = [\"{role}\"]\n{disks}{extra}")
}

pub fn load(text: &str) -> Result<Inventory, String> {
    load_str(Path::new("/x/inv.toml"), text.to_string(), sections()).map_err(|e| e.to_string())
}

/// An app host `app` and a data host `db`, both under `[defaults.passwords]`.
pub fn estate() -> Inventory {
    load(&format!(
        "{HEAD}[defaults.passwords]\n{}{}",
        host("app", 1, "app", ""),
        host("db", 2, "data", "")
    ))
    .expect("loads")
}

/// Facts of a stock Debian 12 host: its login.defs, pwquality installed
/// or not, a common-password and `getent shadow` output.
pub fn facts(pwquality_installed: bool, common_password: &str, shadow: &str) -> Facts {
    let mut f = Facts::default();
    f.set_file(files::LOGIN_DEFS, LOGIN_DEFS, 0o644);
    f.set_file(pam::COMMON_PASSWORD, common_password, 0o644);
    f.set_cmd(
        pam::PROBE,
        CmdFact {
            rc: 0,
            stdout: if pwquality_installed {
                "install ok installed".into()
            } else {
                String::new()
            },
            stderr: String::new(),
        },
    );
    f.set_cmd(
        "kind.shadow",
        CmdFact {
            rc: 0,
            stdout: shadow.into(),
            stderr: String::new(),
        },
    );
    f
}

/// The control's plan of host `i` on day `today`.
pub fn plan_of(inv: &Inventory, i: usize, facts: &Facts, today: i64) -> Plan {
    let ctx = HostCtx::new(inv, &inv.hosts[i], None);
    let mut p = Plan::new("passwords");
    let policy = policy_of(&ctx).expect("managed");
    super::plan(&mut p, &ctx, facts, &policy, today);
    p
}

/// The one finding of `check` for `item`.
pub fn finding<'a>(p: &'a Plan, check: &str, item: &str) -> &'a crate::report::model::Finding {
    p.findings
        .iter()
        .find(|f| f.check == check && f.item == item)
        .unwrap_or_else(|| panic!("no {check} finding for {item}: {:?}", p.findings))
}

/// The content the write linked to `f` would leave.
pub fn written(p: &Plan, f: &crate::report::model::Finding) -> String {
    match p.change_of(f) {
        Some(crate::contract::Change::Write(w)) => w.text(),
        other => panic!("not a write: {other:?}"),
    }
}
