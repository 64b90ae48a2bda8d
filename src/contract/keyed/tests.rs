//! Edits on real files (`tests/fixtures/keyed/`): only the managed lines
//! change, missing keys are appended once, a second apply is a no-op; and
//! the edge cases: duplicates, comments, CRLF, no final newline, invalid
//! UTF-8 (refusals are in `refuse_tests`).

use super::*;

const LOGIN_DEFS: &[u8] = include_bytes!("../../../tests/fixtures/keyed/login.defs");
const PWQUALITY: &[u8] = include_bytes!("../../../tests/fixtures/keyed/pwquality.conf");
const SYSCTL: &[u8] = include_bytes!("../../../tests/fixtures/keyed/sysctl.conf");

pub(super) fn spec(syntax: Syntax, keys: &[(&str, &str)]) -> KeyedSpec {
    KeyedSpec {
        syntax,
        keys: keys
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        case_insensitive_keys: false,
    }
}

fn login_spec() -> KeyedSpec {
    spec(
        Syntax::Spaced,
        &[
            ("PASS_MAX_DAYS", "90"),
            ("PASS_MIN_DAYS", "1"),
            ("PASS_WARN_AGE", "7"), // already so: its line must stay
            ("UMASK", "027"),
            ("ENCRYPT_METHOD", "YESCRYPT"),
            ("SHA_CRYPT_MIN_ROUNDS", "65536"), // only commented out: appended
            ("FAIL_DELAY", "3"),               // only a bare `#FAIL_DELAY`: appended
        ],
    )
}

fn lines(b: &[u8]) -> Vec<&[u8]> {
    b.split(|&c| c == b'\n').collect()
}

fn apply_ok(content: &[u8], spec: &KeyedSpec) -> Vec<u8> {
    let out = apply(content, spec).expect("apply");
    assert_eq!(
        apply(&out, spec).expect("second apply"),
        out,
        "not idempotent"
    );
    for s in read(&out, spec).expect("read") {
        assert!(s.in_place(), "{s:?} after apply");
        assert_eq!(s.have.as_deref(), Some(s.want.as_str()));
    }
    out
}

#[test]
fn login_defs_changes_only_the_managed_lines() {
    let out = apply_ok(LOGIN_DEFS, &login_spec());
    let (old, new) = (lines(LOGIN_DEFS), lines(&out));
    let changed: Vec<(usize, String)> = old[..old.len() - 1]
        .iter()
        .zip(&new)
        .enumerate()
        .filter(|(_, (a, b))| a != b)
        .map(|(i, (_, b))| (i + 1, String::from_utf8_lossy(b).into_owned()))
        .collect();
    let want: Vec<(usize, String)> = vec![
        (151, "UMASK\t\t027".into()),
        (165, "PASS_MAX_DAYS\t90".into()),
        (166, "PASS_MIN_DAYS\t1".into()),
        (294, "ENCRYPT_METHOD YESCRYPT".into()),
    ];
    assert_eq!(changed, want);
    // The tail: the old last (empty) piece, then the marker and the two new keys.
    let tail: Vec<&[u8]> = new[old.len() - 1..].to_vec();
    let want_tail: Vec<&[u8]> = vec![
        MARKER.as_bytes(),
        b"SHA_CRYPT_MIN_ROUNDS 65536",
        b"FAIL_DELAY 3",
        b"",
    ];
    assert_eq!(tail, want_tail);
    // Commented-out settings stay as they were.
    let text = String::from_utf8_lossy(&out);
    assert!(text.contains("\n#SHA_CRYPT_MIN_ROUNDS 5000\n"));
    assert!(text.contains("\n#FAIL_DELAY\n"));
    assert!(text.contains("\n#\tPASS_MAX_DAYS\tMaximum number of days"));
}

#[test]
fn login_defs_read_reports_what_getdef_sees() {
    let states = read(LOGIN_DEFS, &login_spec()).expect("read");
    let have: Vec<(&str, Option<&str>, bool)> = states
        .iter()
        .map(|s| (s.key.as_str(), s.have.as_deref(), s.in_place()))
        .collect();
    assert_eq!(
        have,
        vec![
            ("PASS_MAX_DAYS", Some("99999"), false),
            ("PASS_MIN_DAYS", Some("0"), false),
            ("PASS_WARN_AGE", Some("7"), true),
            ("UMASK", Some("022"), false),
            ("ENCRYPT_METHOD", Some("SHA512"), false),
            ("SHA_CRYPT_MIN_ROUNDS", None, false),
            ("FAIL_DELAY", None, false),
        ]
    );
}

#[test]
fn pwquality_and_sysctl_fixtures_get_keys_appended_once() {
    let pw = spec(
        Syntax::Equals,
        &[
            ("minlen", "12"),
            ("minclass", "3"),
            ("enforce_for_root", ""),
        ],
    );
    let out = apply_ok(PWQUALITY, &pw);
    assert!(out.starts_with(PWQUALITY), "the original is kept as it was");
    assert_eq!(
        &out[PWQUALITY.len()..],
        format!("{MARKER}\nminlen = 12\nminclass = 3\nenforce_for_root\n").as_bytes()
    );
    let sy = spec(
        Syntax::Sysctl,
        &[("net.ipv4.ip_forward", "0"), ("kernel.sysrq", "0")],
    );
    let out = apply_ok(SYSCTL, &sy);
    assert!(out.starts_with(SYSCTL));
    assert_eq!(
        &out[SYSCTL.len()..],
        format!("{MARKER}\nnet.ipv4.ip_forward = 0\nkernel.sysrq = 0\n").as_bytes()
    );
    // A key added later goes under the same marker: no second one.
    let more = spec(
        Syntax::Sysctl,
        &[
            ("net.ipv4.ip_forward", "0"),
            ("kernel.sysrq", "0"),
            ("fs.suid_dumpable", "0"),
        ],
    );
    let again = apply_ok(&out, &more);
    assert_eq!(
        &again[out.len()..],
        b"fs.suid_dumpable = 0\n",
        "only the new key"
    );
    assert_eq!(String::from_utf8_lossy(&again).matches(MARKER).count(), 1);
}

#[test]
fn every_duplicate_is_set_and_read_takes_the_last() {
    let s = spec(Syntax::Spaced, &[("PASS_MAX_DAYS", "90")]);
    let input = b"PASS_MAX_DAYS 30\nX 1\n  PASS_MAX_DAYS\t99999\n#PASS_MAX_DAYS 5\n";
    let st = &read(input, &s).expect("read")[0];
    assert_eq!(
        (st.have.as_deref(), st.occurrences, st.stale),
        (Some("99999"), 2, 2)
    );
    let out = apply_ok(input, &s);
    assert_eq!(
        out,
        b"PASS_MAX_DAYS 90\nX 1\n  PASS_MAX_DAYS\t90\n#PASS_MAX_DAYS 5\n"
    );
    // First line wrong, last right: a last-wins reader is satisfied, a
    // first-wins one is not, so the key is not in place.
    let mixed = b"PASS_MAX_DAYS 30\nPASS_MAX_DAYS 90\n";
    let st = &read(mixed, &s).expect("read")[0];
    assert_eq!(
        (st.have.as_deref(), st.stale, st.in_place()),
        (Some("90"), 1, false)
    );
    assert_eq!(
        actual_text(&read(mixed, &s).expect("read")),
        "PASS_MAX_DAYS=90 (and 1 earlier line(s) differ)"
    );
    assert_eq!(apply_ok(mixed, &s), b"PASS_MAX_DAYS 90\nPASS_MAX_DAYS 90\n");
}

#[test]
fn line_layout_and_trailing_comments_are_kept() {
    let pw = spec(Syntax::Equals, &[("minlen", "12"), ("difok", "5")]);
    let input = b"  minlen  =\t8   # site policy\ndifok=1\n";
    assert_eq!(
        apply_ok(input, &pw),
        b"  minlen  =\t12   # site policy\ndifok=5\n"
    );
    // login.defs has no trailing comments: getdef reads `90 # x` as the value.
    let ld = spec(Syntax::Spaced, &[("PASS_MAX_DAYS", "90")]);
    let st = &read(b"PASS_MAX_DAYS 90 # x\n", &ld).expect("read")[0];
    assert_eq!(st.have.as_deref(), Some("90 # x"));
    assert_eq!(
        apply_ok(b"PASS_MAX_DAYS 90 # x\n", &ld),
        b"PASS_MAX_DAYS 90\n"
    );
    // getdef strips quotes: a quoted right value is left alone.
    let quoted = b"PASS_MAX_DAYS \"90\"\n";
    assert_eq!(apply_ok(quoted, &ld), quoted);
    // A key alone is ignored by getdef: the wanted line is appended.
    let bare = b"PASS_MAX_DAYS\n";
    let out = apply_ok(bare, &ld);
    assert_eq!(
        out,
        format!("PASS_MAX_DAYS\n{MARKER}\nPASS_MAX_DAYS 90\n").as_bytes()
    );
}

#[test]
fn pwquality_flags_and_bare_keys() {
    let pw = spec(Syntax::Equals, &[("enforce_for_root", ""), ("minlen", "9")]);
    let input = b"# enforce_for_root\nenforce_for_root = 1 # no\nminlen\n";
    let out = apply_ok(input, &pw);
    assert_eq!(
        out,
        b"# enforce_for_root\nenforce_for_root # no\nminlen = 9\n"
    );
}

#[test]
fn sysctl_prefix_slashes_and_comments() {
    let sy = spec(
        Syntax::Sysctl,
        &[
            ("net.ipv4.ip_forward", "0"),
            ("net.ipv4.conf.all.rp_filter", "1"),
        ],
    );
    let input = b"; net.ipv4.ip_forward = 1\n-net.ipv4.ip_forward = 1\nnet/ipv4/conf/all/rp_filter=2\nnet.ipv4.ip_forward\n";
    let st = read(input, &sy).expect("read");
    assert_eq!(st[0].have.as_deref(), Some("1"));
    assert_eq!(st[1].have.as_deref(), Some("2"));
    assert_eq!(
        apply_ok(input, &sy),
        b"; net.ipv4.ip_forward = 1\n-net.ipv4.ip_forward = 0\nnet/ipv4/conf/all/rp_filter=1\nnet.ipv4.ip_forward\n"
    );
}

#[test]
fn keys_compare_ignoring_case_only_when_asked() {
    let mut s = spec(Syntax::Spaced, &[("PermitRootLogin", "no")]);
    let input = b"permitrootlogin yes\n";
    assert_eq!(
        apply(input, &s).expect("apply"),
        format!("permitrootlogin yes\n{MARKER}\nPermitRootLogin no\n").as_bytes()
    );
    s.case_insensitive_keys = true;
    assert_eq!(apply_ok(input, &s), b"permitrootlogin no\n");
}

#[test]
fn crlf_files_keep_crlf() {
    let crlf: Vec<u8> = String::from_utf8_lossy(LOGIN_DEFS)
        .replace('\n', "\r\n")
        .into_bytes();
    let out = apply_ok(&crlf, &login_spec());
    let lf = apply_ok(LOGIN_DEFS, &login_spec());
    assert_eq!(
        String::from_utf8_lossy(&out)
            .replace("\r\n", "\n")
            .as_bytes(),
        &lf[..]
    );
    assert_eq!(
        out.iter().filter(|&&b| b == b'\n').count(),
        out.windows(2).filter(|w| w == b"\r\n").count(),
        "every line ends in CRLF"
    );
}

#[test]
fn no_final_newline_is_kept_unless_a_key_is_appended() {
    let s = spec(Syntax::Spaced, &[("PASS_MAX_DAYS", "90")]);
    assert_eq!(
        apply_ok(b"A 1\nPASS_MAX_DAYS 5", &s),
        b"A 1\nPASS_MAX_DAYS 90"
    );
    assert_eq!(
        apply_ok(b"A 1\nPASS_MAX_DAYS 90", &s),
        b"A 1\nPASS_MAX_DAYS 90"
    );
    assert_eq!(
        apply_ok(b"A 1\nB 2", &s),
        format!("A 1\nB 2\n{MARKER}\nPASS_MAX_DAYS 90\n").as_bytes()
    );
    assert_eq!(
        apply_ok(b"", &s),
        format!("{MARKER}\nPASS_MAX_DAYS 90\n").as_bytes()
    );
}

#[test]
fn invalid_utf8_elsewhere_is_kept() {
    let s = spec(Syntax::Equals, &[("minlen", "12")]);
    let input = b"# caf\xe9 \xff\xfe\nbadwords = \xc3\x28\nminlen = 8 # \xff\n";
    assert_eq!(
        apply_ok(input, &s),
        b"# caf\xe9 \xff\xfe\nbadwords = \xc3\x28\nminlen = 12 # \xff\n"
    );
    // An invalid value is shown lossily and never taken for a wanted one.
    let t = spec(Syntax::Equals, &[("badwords", "x")]);
    let st = &read(input, &t).expect("read")[0];
    assert_eq!(st.have.as_deref(), Some("\u{fffd}("));
    assert!(!st.in_place());
}
