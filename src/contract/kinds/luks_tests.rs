use super::*;
use crate::contract::kinds::fixture;
use crate::contract::kinds::live::{out, run, run_script, scratch};

const TWO_SLOTS: &str = fixture!("luks/luks2-argon2id-pbkdf2.out");
const REENCRYPT: &str = fixture!("luks/luks2-reencrypt-token.out");
const LUKS1: &str = fixture!("luks/luks1.out");
const NOT_LUKS: &str = fixture!("luks/not-luks.out");

fn kind() -> LuksDump {
    LuksDump::new("/dev/disk/by-id/x").expect("valid device")
}

fn parse(s: &str) -> Result<Option<LuksHeader>, KindError> {
    kind().parse(&out(0, s, ""))
}

fn malformed(s: &str) -> bool {
    matches!(parse(s), Err(KindError::Malformed { .. }))
}

#[test]
fn debian12_luks2_argon2id_and_pbkdf2_keyslots() {
    let h = parse(TWO_SLOTS).expect("parses").expect("is LUKS");
    assert_eq!(h.version, 2);
    assert_eq!(h.segments.len(), 1);
    let s = &h.segments[0];
    assert_eq!(s.kind, "crypt");
    assert_eq!(s.encryption.as_deref(), Some("aes-xts-plain64"));
    assert_eq!(s.key_bits, Some(512));
    assert_eq!(h.keyslots.len(), 2);
    assert_eq!(
        h.keyslots[0].kdf,
        Some(Kdf::Argon2 {
            id: true,
            time: 4,
            memory_kib: 32768,
            parallel: 1
        })
    );
    assert_eq!(
        h.keyslots[1].kdf,
        Some(Kdf::Pbkdf2 {
            hash: "sha256".into(),
            iterations: 1000
        })
    );
    assert!(h.tokens.is_empty() && h.requirements.is_empty());
}

#[test]
fn debian12_luks2_pending_reencryption_and_token() {
    let h = parse(REENCRYPT).expect("parses").expect("is LUKS");
    assert_eq!(h.requirements, vec!["online-reencrypt-v2".to_string()]);
    assert_eq!(h.keyslots.len(), 3);
    let r = &h.keyslots[2];
    assert_eq!(
        (r.kind.as_str(), r.key_bits, &r.kdf),
        ("reencrypt", None, &None)
    );
    assert_eq!(h.segments.len(), 3);
    assert_eq!(h.segments[1].flags, vec!["backup-previous".to_string()]);
    assert_eq!(h.segments[2].key_bits, Some(512));
    assert_eq!(
        h.tokens,
        vec![LuksToken {
            id: 0,
            kind: "harden-test".into(),
            keyslots: vec![0, 1]
        }]
    );
}

#[test]
fn debian12_luks1_text_dump() {
    let h = parse(LUKS1).expect("parses").expect("is LUKS");
    assert_eq!(h.version, 1);
    assert_eq!(h.segments[0].encryption.as_deref(), Some("aes-xts-plain64"));
    assert_eq!(h.segments[0].key_bits, Some(512));
    assert_eq!(h.keyslots.len(), 1, "seven slots are DISABLED");
    assert_eq!(
        h.keyslots[0].kdf,
        Some(Kdf::Pbkdf2 {
            hash: "sha256".into(),
            iterations: 1000
        })
    );
}

#[test]
fn debian12_not_luks_is_none() {
    assert_eq!(parse(NOT_LUKS).expect("parses"), None);
}

#[test]
fn hostile_dumps_are_typed_errors() {
    assert!(malformed(""), "empty");
    assert!(malformed("@@luks2\n"), "marker only");
    assert!(
        malformed(&TWO_SLOTS[..TWO_SLOTS.len() / 2]),
        "truncated JSON"
    );
    assert!(
        malformed(&LUKS1[..LUKS1.len() - 200]),
        "truncated text dump"
    );
    assert!(malformed("@@luks3\n{}"), "unknown marker");
    assert!(malformed("@@not-luks\nsomething"), "junk after not-luks");
    let edit = |from: &str, to: &str| {
        assert!(TWO_SLOTS.contains(from), "{from}");
        TWO_SLOTS.replacen(from, to, 1)
    };
    assert!(
        malformed(&edit("\"iterations\":1000", "\"iterations\":1e30")),
        "huge"
    );
    assert!(
        malformed(&edit("\"memory\":32768", "\"memory\":-1")),
        "negative"
    );
    assert!(
        malformed(&edit("\"key_size\":64", "\"key_size\":100000")),
        "key size"
    );
    assert!(malformed(&edit(
        "\"0\":{\n      \"type\":\"luks2\"",
        "\"99\":{\"type\":\"luks2\""
    )));
    assert!(malformed(&edit(
        "\"type\":\"argon2id\"",
        "\"type\":\"scrypt\""
    )));
    let esc = TWO_SLOTS.replace("aes-xts-plain64", "aes\\u001b[31m");
    assert!(malformed(&esc), "escape in cipher");
    assert!(malformed(&edit("\"cpus\":1,", "")), "argon2 without cpus");
    let many: Vec<String> = (0..40)
        .map(|i| format!("\"{i}\":{{\"type\":\"x\"}}"))
        .collect();
    let tokens = edit(
        "\"tokens\":{\n  }",
        &format!("\"tokens\":{{{}}}", many.join(",")),
    );
    assert!(malformed(&tokens), "40 tokens");
    let text = LUKS1.replace(
        "MK bits:       \t512",
        "MK bits:       \t99999999999999999999",
    );
    assert!(malformed(&text), "huge MK bits");
}

#[test]
fn bounds_exit_codes_and_parameters() {
    let e = kind().parse(&out(
        4,
        "",
        "Device /dev/disk/by-id/x does not exist or access denied.\n",
    ));
    let e = e.expect_err("rc 4");
    assert_eq!(
        e.to_string(),
        "[FACT-EXIT] kind.luks-dump:/dev/disk/by-id/x: `cryptsetup luksDump` exited 4: \
         Device /dev/disk/by-id/x does not exist or access denied."
    );
    let huge = format!("@@luks2\n{}", " ".repeat(MAX_BYTES));
    assert!(matches!(parse(&huge), Err(KindError::TooLarge { .. })));
    for bad in ["sda", "/dev/sd\na", "", "/dev/\u{202e}x"] {
        let e = LuksDump::new(bad).expect_err(bad);
        assert_eq!(e.code(), "FACT-PARAM", "{bad:?}");
        assert!(!e.to_string().contains('\n'));
    }
    let k = LuksDump::new("/dev/x'$(reboot)").expect("quotes are quoted, not refused");
    assert!(
        k.script().starts_with("d='/dev/x'\\''$(reboot)'\n"),
        "{}",
        k.script()
    );
}

/// Formats LUKS2 and LUKS1 headers on plain files (no loop device, no
/// device-mapper) and reads them back with the real script.
#[test]
fn live_luks_dump_on_this_machine_parses() {
    let d = scratch("luks");
    let img = |n: &str| d.join(n).to_string_lossy().into_owned();
    let key = img("key");
    std::fs::write(&key, "test-passphrase").expect("key file");
    for (name, fmt) in [
        ("l2", "--type luks2 --pbkdf argon2id --pbkdf-memory 8192 --pbkdf-force-iterations 4 --pbkdf-parallel 1"),
        ("l1", "--type luks1 --pbkdf-force-iterations 1000"),
    ] {
        let r = run_script(&format!(
            "truncate -s 20M {f} && cryptsetup luksFormat -q {fmt} --key-file {key} {f}",
            f = img(name)
        ));
        assert_eq!(r.rc, 0, "luksFormat {name}: {}", r.stderr);
    }
    std::fs::write(img("plain"), vec![0u8; 1 << 20]).expect("plain file");
    let l2 = run(&LuksDump::new(&img("l2")).expect("path")).expect("LUKS2 parses");
    let l2 = l2.expect("is LUKS2");
    assert_eq!((l2.version, l2.keyslots.len()), (2, 1));
    assert!(matches!(
        l2.keyslots[0].kdf,
        Some(Kdf::Argon2 {
            id: true,
            memory_kib: 8192,
            ..
        })
    ));
    let l1 = run(&LuksDump::new(&img("l1")).expect("path")).expect("LUKS1 parses");
    assert_eq!(l1.map(|h| h.version), Some(1));
    let plain = run(&LuksDump::new(&img("plain")).expect("path")).expect("plain parses");
    assert_eq!(plain, None);
    let gone = run(&LuksDump::new(&img("nosuch")).expect("path"));
    assert!(
        matches!(gone, Err(KindError::Failed { rc: 4, .. })),
        "{gone:?}"
    );
    let _ = std::fs::remove_dir_all(&d);
}
