//! Invalid inventories give the documented errors: file, key path, line,
//! and what would be valid. No lab needed.

use crate::util::harden_local;

fn check(text: &str) -> crate::util::Run {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("inv.toml");
    std::fs::write(&p, text).expect("write");
    std::fs::write(dir.path().join("known_hosts"), "").expect("write");
    let r = harden_local(&["-i", p.to_str().unwrap_or_default(), "check"]);
    drop(dir);
    r
}

const HEAD: &str = "[defaults]\ncontroller_sources = [\"10.213.0.2\"]\nmanagement_sources = [\"198.51.100.0/28\"]\nknown_hosts = \"known_hosts\"\n";

fn host(extra: &str) -> String {
    format!("{HEAD}\n[[hosts]]\nname = \"db\"\naddress = \"10.0.0.1\"\nprovider = \"telekom\"\nenvironment = \"production\"\nroles = [\"data\"]\ndisks = []\n{extra}")
}

#[test]
fn valid_inventory_passes() {
    check(&host(
        "allow = [ { port = 5432, from = [\"10.0.2.0/24\"] } ]\n",
    ))
    .code(0)
    .says("is valid: 1 hosts");
}

#[test]
fn unknown_key_names_file_key_line_and_valid_keys() {
    let r = check(&host("alow = []\n"));
    r.code(1)
        .says("inv.toml:13:1")
        .says("error[inv-schema]")
        .says("hosts[0]")
        .says("unknown field `alow`")
        .says("`allow`");
}

#[test]
fn bad_port_names_the_key_path() {
    let r = check(&host(
        "allow = [ { port = 70000, from = [\"10.0.2.0/24\"] } ]\n",
    ));
    r.code(1)
        .says("hosts[0].allow[0].port")
        .says("out of range")
        .says("1-65535")
        .says(":13:");
}

#[test]
fn unknown_value_lists_valid_ones() {
    let r = check(&host("").replace("\"telekom\"", "\"aws\""));
    r.code(1)
        .says("hosts[0].provider")
        .says("unknown variant `aws`")
        .says("expected `telekom` or `hetzner`");
}

#[test]
fn unknown_from_host_lists_known_hosts() {
    let r = check(&host("allow = [ { port = 5432, from = [\"app-9\"] } ]\n"));
    r.code(1)
        .says("hosts[0].allow[0].from[0]")
        .says("`app-9` is neither a host")
        .says("use a CIDR prefix or one of: db");
}

#[test]
fn host_bits_in_prefix_suggest_the_network() {
    let r = check(&host(
        "allow = [ { port = 5432, from = [\"10.0.2.5/24\"] } ]\n",
    ));
    r.code(1).says("did you mean `10.0.2.0/24`");
}

#[test]
fn syntax_error_points_at_the_line() {
    let r = check(&format!("{HEAD}\n[[hosts]\nname = \"x\"\n"));
    r.code(1).says("inv.toml:6:").says("error[inv-syntax]");
}

#[test]
fn duplicate_host_names_show_both_places() {
    let mut t = host("");
    t.push_str("\n[[hosts]]\nname = \"db\"\naddress = \"10.0.0.2\"\nprovider = \"telekom\"\nenvironment = \"production\"\nroles = [\"app\"]\n");
    check(&t)
        .code(1)
        .says("hosts[1].name")
        .says("already used by hosts[0] (line 6)");
}

#[test]
fn policy_data_host_open_to_anyone_is_refused() {
    check(&host("allow = [ { port = 5432 } ]\n"))
        .code(1)
        .says("error[pol-data-host-public]")
        .says("TOM-1.2-ports");
}

#[test]
fn policy_management_port_cannot_be_allowed() {
    check(&host(
        "allow = [ { port = 22, from = [\"10.0.2.0/24\"] } ]\n",
    ))
    .code(1)
    .says("pol-mgmt-port-in-allow")
    .says("maintenance open");
}

#[test]
fn policy_production_may_not_accept_test() {
    let mut t = host("allow = [ { port = 5432, from = [\"t1\"] } ]\n");
    t.push_str("\n[[hosts]]\nname = \"t1\"\naddress = \"10.0.9.1\"\nprovider = \"telekom\"\nenvironment = \"test\"\nroles = [\"app\"]\n");
    check(&t)
        .code(1)
        .says("pol-prod-test-mix")
        .says("production host `db` accepts test host `t1`")
        .says("TOM-1.4-prod-test");
}

#[test]
fn policy_tenants_are_kept_apart() {
    let mut t = host("tenant = \"a\"\nallow = [ { port = 5432, from = [\"b1\"] } ]\n");
    t.push_str("\n[[hosts]]\nname = \"b1\"\naddress = \"10.0.9.1\"\nprovider = \"telekom\"\nenvironment = \"production\"\ntenant = \"b\"\nroles = [\"app\"]\n");
    check(&t)
        .code(1)
        .says("pol-tenant-mix")
        .says("TOM-1.4-dedicated-servers");
}

#[test]
fn policy_controller_open_to_all_is_refused() {
    check(&host("").replace("[\"10.213.0.2\"]", "[\"0.0.0.0/0\"]"))
        .code(1)
        .says("pol-mgmt-open-to-all");
}

#[test]
fn sshd_extra_may_not_override_managed_keywords() {
    check(&host(
        "sshd = { extra = [\"PasswordAuthentication yes\"] }\n",
    ))
    .code(1)
    .says("inv.toml:13:19: error[inv-sshd-extra]: hosts[0].sshd.extra[0]")
    .says("`PasswordAuthentication` is not a keyword sshd.extra may set")
    .says("harden manages it")
    .says("allowed keywords: AcceptEnv");
}

/// The injection of issue 7: a line break in `sshd.extra` adds a `Match`
/// block. It is refused at load, located at the value, before any render.
#[test]
fn newline_in_sshd_extra_is_a_located_error() {
    let r = check(&host(
        "sshd = { extra = [\"PermitTTY no\\nMatch Address 198.51.100.0/24\\nPasswordAuthentication yes\"] }\n",
    ));
    r.code(1)
        .says("inv.toml:13:32: error[inv-control-char]: hosts[0].sshd.extra[0]")
        .says("line feed (U+000A) at character 13")
        .says("write the value on one line");
    assert!(!r.stderr.contains("render"), "{}", r.stderr);
}

#[test]
fn match_in_sshd_extra_is_refused_with_the_allowed_list() {
    check(&format!(
        "{HEAD}[defaults.sshd]\nextra = [\"PermitTTY no\", \"Match User alice\"]\n"
    ))
    .code(1)
    .says("error[inv-sshd-extra]: defaults.sshd.extra[1]")
    .says("Match and Include change the meaning")
    .says("PermitTTY");
}

#[test]
fn allowed_sshd_extra_is_rendered_normalised() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("inv.toml");
    let text = host("allow = [ { port = 5432, from = [\"10.0.2.0/24\"] } ]\nsshd = { extra = [\"permittty  no\"] }\n");
    std::fs::write(&p, text).expect("write");
    let out = dir.path().join("out");
    let (inv, out_s) = (
        p.to_str().unwrap_or_default(),
        out.to_str().unwrap_or_default(),
    );
    harden_local(&["-i", inv, "render", "--out", out_s]).code(0);
    let sshd = std::fs::read_to_string(out.join("db/etc/ssh/sshd_config")).expect("sshd file");
    assert!(sshd.contains("\nPermitTTY no\n"), "{sshd}");
}

#[test]
fn ssh_user_must_be_a_user_name() {
    check(&host("ssh_user = 'x\"$(id)\"'\n"))
        .code(1)
        .says("inv.toml:13:12: error[inv-bad-name]: hosts[0].ssh_user")
        .says("is not a user name")
        .says("POSIX user name");
    check(&host("").replace("[defaults]\n", "[defaults]\nssh_user = \"Root$\"\n"))
        .code(1)
        .says("error[inv-bad-name]: defaults.ssh_user");
}

/// The ssh_config injection of issue 7: `"` and a newline in a path.
#[test]
fn path_with_quote_and_newline_is_refused() {
    check(&host(
        "known_hosts = \"kh\\\"\\nProxyCommand touch /tmp/pwned\"\n",
    ))
    .code(1)
    .says("inv.toml:13:20: error[inv-control-char]: hosts[0].known_hosts")
    .says("line feed");
    check(&host("identity = 'id\"x'\n"))
        .code(1)
        .says("inv.toml:13:12: error[inv-bad-path]: hosts[0].identity")
        .says("OpenSSH cannot quote a `\"`");
    check(&format!("{HEAD}[ca]\ndir = 'ca\"dir'\n"))
        .code(1)
        .says("error[inv-bad-path]: ca.dir");
}

#[test]
fn line_separator_in_a_name_is_refused() {
    check(&host(
        "sshd = { legacy_kex_clients = [ { name = \"ci\u{2028}Match all\", reason = \"old\" } ] }\n",
    ))
    .code(1)
    .says("error[inv-control-char]: hosts[0].sshd.legacy_kex_clients[0].name")
    .says("line separator (U+2028)");
    check(&host(
        "sshd = { legacy_kex_clients = [ { name = \"ci `x` $y\", reason = \"old\" } ] }\n",
    ))
    .code(1)
    .says("error[inv-bad-text]: hosts[0].sshd.legacy_kex_clients[0].name");
}

#[test]
fn tab_inside_a_value_is_refused() {
    check(&host("tenant = \"a\tb\"\n"))
        .code(1)
        .says("inv.toml:13:12: error[inv-control-char]: hosts[0].tenant")
        .says("tab (U+0009)");
}

#[test]
fn non_utf8_is_located_at_the_first_bad_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("inv.toml");
    let mut bytes = host("").into_bytes();
    bytes.extend_from_slice(b"tenant = \"caf\xe9\"\n");
    std::fs::write(&p, bytes).expect("write");
    harden_local(&["-i", p.to_str().unwrap_or_default(), "check"])
        .code(1)
        .says("inv.toml:13:14: error[inv-encoding]")
        .says("byte 0xe9")
        .says("save the inventory as UTF-8");
}

#[test]
fn long_syntax_error_line_gives_one_short_diagnostic() {
    let r = check(&format!("{HEAD}x = {}\n", "@\"".repeat(8_000)));
    r.code(1).says("inv.toml:5:5: error[inv-syntax]").says("…");
    assert!(r.stderr.len() < 4000, "{} bytes of stderr", r.stderr.len());
    let r = check(&format!("{HEAD}x = {}\n", "=".repeat(1 << 20)));
    r.code(1)
        .says("inv.toml:5:16385: error[inv-line-too-long]")
        .says("longer than 16384 bytes");
    assert!(r.stderr.len() < 4000, "{} bytes of stderr", r.stderr.len());
}

#[test]
fn deep_dotted_header_is_located_with_the_nesting_hint() {
    let parts: Vec<String> = (0..99).map(|i| format!("p{i}")).collect();
    check(&format!("{HEAD}[{}]\n", parts.join(".")))
        .code(1)
        .says("inv.toml:5:1: error[inv-syntax]")
        .says("nesting is limited to 80 levels");
}

#[test]
fn many_errors_are_capped() {
    let mut t = host("");
    for i in 0..300 {
        t.push_str(&format!(
            "\n[[hosts]]\nname = \"h{i}\"\naddress = \"10.1.{}.{}\"\n",
            i / 200,
            i % 200 + 1
        ));
    }
    let r = check(&t);
    r.code(1)
        .says("and 850 more diagnostic(s) not shown")
        .says("inventory has 900 error(s)");
    assert!(
        r.stderr.len() < 100_000,
        "{} bytes of stderr",
        r.stderr.len()
    );
}

#[test]
fn oversized_inventory_is_refused_before_parsing() {
    check(&"# padding\n".repeat(1_100_000))
        .code(1)
        .says("error[inv-too-large]")
        .says("larger than 10485760 bytes");
}

#[test]
fn missing_inventory_file_says_how_to_pick_one() {
    harden_local(&["-i", "/nonexistent/inv.toml", "check"])
        .code(1)
        .says("cannot read inventory /nonexistent/inv.toml")
        .says("HARDEN_INVENTORY");
}

#[test]
fn render_writes_files_per_host() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("inv.toml");
    std::fs::write(
        &p,
        host("allow = [ { port = 5432, from = [\"10.0.2.0/24\"] } ]\n"),
    )
    .expect("write");
    let out = dir.path().join("out");
    harden_local(&[
        "-i",
        p.to_str().unwrap_or_default(),
        "render",
        "--out",
        out.to_str().unwrap_or_default(),
    ])
    .code(0)
    .says("wrote 2 files");
    let nft = std::fs::read_to_string(out.join("db/etc/harden/firewall.nft")).expect("nft file");
    assert!(
        nft.contains("tcp dport 5432 ip saddr { 10.0.2.0/24 } accept"),
        "{nft}"
    );
    let sshd = std::fs::read_to_string(out.join("db/etc/ssh/sshd_config")).expect("sshd file");
    assert!(
        sshd.contains("PasswordAuthentication no") && sshd.contains("version assumed"),
        "{sshd}"
    );
}

/// The example estates in inventories/ stay valid: `harden check` passes
/// on every one of them (without known_hosts, keys or a CA, as in CI).
#[test]
fn example_inventories_pass_check() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("inventories");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 2,
        "expected example.toml and vagrant.toml in {}",
        dir.display()
    );
    for f in &files {
        harden_local(&["-i", f.to_str().unwrap_or_default(), "check"])
            .code(0)
            .says("is valid");
    }
}

/// A gatekeeper estate: `harden check` reports a cross-host gatekeeper
/// rule at its line with the measure it protects, and `render` derives
/// the backend's firewall rule from the gatekeeper's addresses.
#[test]
fn gatekeeper_rules_are_checked_and_the_backend_firewall_is_derived() {
    let app = "\n[[hosts]]\nname = \"app\"\naddress = \"10.0.0.2\"\nprovider = \"telekom\"\nenvironment = \"production\"\nroles = [\"app\"]\n";
    let gw = "\n[[hosts]]\nname = \"gw\"\naddress = \"203.0.113.1\"\nextra_addresses = [\"2001:db8::1\"]\nprovider = \"hetzner\"\nenvironment = \"production\"\nroles = [\"gatekeeper\"]\n\n[[hosts.gatekeeper.services]]\nname = \"web\"\nlisten = [443]\nbackends = [\"app:8443\"]\n";
    let good = format!("{}{app}{gw}", host(""));
    // The app host also opens the forwarded port to anyone: refused.
    let exposed = good.replace(
        "roles = [\"app\"]\n",
        "roles = [\"app\"]\nallow = [ { port = 8443 } ]\n",
    );
    check(&exposed)
        .code(1)
        .says("inv.toml:20:")
        .says("error[pol-gk-backend-exposed]")
        .says("protects: TOM-1.2-ports");
    check(&format!("{good}mode = \"http\"\n"))
        .code(1)
        .says("error[pol-gk-plaintext]")
        .says("protects: TOM-2.1-transport-encryption");

    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("inv.toml");
    std::fs::write(&p, &good).expect("write");
    std::fs::write(dir.path().join("known_hosts"), "").expect("write");
    let out = dir.path().join("out");
    harden_local(&[
        "-i",
        p.to_str().unwrap_or_default(),
        "render",
        "--out",
        out.to_str().unwrap_or_default(),
    ])
    .code(0);
    let nft = std::fs::read_to_string(out.join("app/etc/harden/firewall.nft")).expect("nft");
    assert!(
        nft.contains("tcp dport 8443 ip saddr { 203.0.113.1 } accept")
            && nft.contains("tcp dport 8443 ip6 saddr { 2001:db8::1 } accept"),
        "{nft}"
    );
    let nft = std::fs::read_to_string(out.join("gw/etc/harden/firewall.nft")).expect("nft");
    assert!(nft.contains("tcp dport 443 accept"), "{nft}");
    assert!(!nft.contains("dport 8443"), "{nft}");
}
