use super::*;
use crate::contract::kinds::fixture;
use crate::contract::kinds::live::{out, run};

const STOCK: &str = fixture!("shadow/stock.out");
const ACCOUNTS: &str = fixture!("shadow/accounts.out");

fn parse(s: &str) -> Result<Vec<ShadowEntry>, KindError> {
    Shadow.parse(&out(0, s, ""))
}

fn malformed(s: &str) -> bool {
    matches!(parse(s), Err(KindError::Malformed { .. }))
}

fn get<'a>(v: &'a [ShadowEntry], name: &str) -> &'a ShadowEntry {
    v.iter().find(|e| e.name == name).expect(name)
}

#[test]
fn debian12_stock_accounts_have_no_password() {
    let v = parse(STOCK).expect("parses");
    assert_eq!(v.len(), 26);
    let root = get(&v, "root");
    assert_eq!(root.password, PasswordState::None);
    assert_eq!(
        (
            root.last_change,
            root.min_days,
            root.max_days,
            root.warn_days
        ),
        (Some(20228), Some(0), Some(99999), Some(7))
    );
    assert_eq!((root.inactive_days, root.expire_day), (None, None));
    assert_eq!(
        get(&v, "systemd-network").password,
        PasswordState::None,
        "!*"
    );
    assert_eq!(get(&v, "sshd").max_days, None);
}

#[test]
fn debian12_usable_locked_empty_and_aging() {
    let v = parse(ACCOUNTS).expect("parses");
    assert_eq!(get(&v, "fxuser").password, PasswordState::Usable);
    assert_eq!(get(&v, "fxlocked").password, PasswordState::Locked);
    assert_eq!(get(&v, "fxempty").password, PasswordState::Empty);
    assert_eq!(get(&v, "fxnopw").password, PasswordState::None);
    assert_eq!(get(&v, "fxmustchange").last_change, Some(0));
    let a = get(&v, "fxaging");
    assert_eq!(a.password, PasswordState::Usable, "sha512 hash");
    assert_eq!(
        (
            a.min_days,
            a.max_days,
            a.warn_days,
            a.inactive_days,
            a.expire_day
        ),
        (Some(1), Some(90), Some(14), Some(30), Some(21183))
    );
}

#[test]
fn no_hash_is_kept() {
    let v = parse(ACCOUNTS).expect("parses");
    let shown = format!("{v:?}");
    assert!(
        !shown.contains('$'),
        "a hash leaked into the value: {shown}"
    );
    // Nor in an error about a line that carries one.
    let bad = "fxuser:$y$j9T$secretsalt$secrethash:20788:x:99999:7:::\n";
    let e = parse(bad).expect_err("bad min days");
    assert!(!e.to_string().contains("secret"), "{e}");
    assert!(e.to_string().contains("line 1"), "{e}");
}

#[test]
fn des_and_odd_fields() {
    assert_eq!(state("abcdefghijklm"), PasswordState::Usable, "DES crypt");
    assert_eq!(state("!abcdefghijklm"), PasswordState::Locked);
    assert_eq!(state("!!"), PasswordState::None);
    assert_eq!(state("x"), PasswordState::None);
    assert_eq!(state("$"), PasswordState::None);
    let v = parse("a:*:-1:-1:-1:-1:-1:-1:\n").expect("-1 means off");
    assert_eq!(v[0].max_days, None);
}

#[test]
fn hostile_shadow_output_is_a_typed_error() {
    assert!(malformed(""), "empty: not root");
    assert!(malformed("root:*:1:0:99999:7::\n"), "8 fields");
    assert!(malformed("root:*:1:0:99999:7::::\n"), "10 fields");
    assert!(malformed(":*:1:0:99999:7:::\n"), "empty name");
    assert!(malformed("ro\u{1b}ot:*:1:0:99999:7:::\n"), "escape in name");
    assert!(
        malformed("root:*:99999999999999999999:0:99999:7:::\n"),
        "huge day"
    );
    assert!(malformed("root:*:1:+5:99999:7:::\n"), "plus sign");
    assert!(malformed("root:*:1:-5:99999:7:::\n"), "negative");
    assert!(
        malformed("root:*:1:0:99999:7:::\nroot:*:1:0:99999:7:::\n"),
        "twice"
    );
    let trunc = &ACCOUNTS[..ACCOUNTS.len() - 10];
    assert!(malformed(trunc), "truncated last line");
    let many: String = (0..=MAX_LINES)
        .map(|i| format!("u{i}:*:::::::\n"))
        .collect();
    assert!(matches!(
        parse(&many),
        Err(KindError::TooLarge { what: "lines", .. })
    ));
    let e = Shadow.parse(&out(2, "", "")).expect_err("rc 2");
    assert_eq!(
        e.to_string(),
        "[FACT-EXIT] kind.shadow: `getent shadow` exited 2"
    );
}

#[test]
fn live_getent_shadow_on_this_machine_parses() {
    // Needs root (it runs as root here, like the engine on a host).
    let v = run(&Shadow).expect("getent shadow parses");
    assert!(v.iter().any(|e| e.name == "root"), "{v:?}");
}
