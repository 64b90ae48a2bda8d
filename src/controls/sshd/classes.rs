//! The classes of connection drift evaluates sshd for.
//!
//! A `Match` block changes sshd's settings for some connections only, so
//! one `sshd -T` for one made-up client cannot see a block that, say,
//! turns passwords on for a management network. harden knows which
//! connections a host gets: from its controller sources, its management
//! sources, each `allow` source, and anyone (a TEST-NET address), as root,
//! as harden's own ssh_user and as each managed user allowed on the host
//! (the first [`MAX_USERS`]). Every pair of user and
//! source is one class; a CIDR is represented by its first usable address.
//! All classes are evaluated in the one probe round trip (`sshd -T -C` per
//! class, run in parallel on the host), and drift compares each.
//!
//! `-C` changes nothing but which `Match` blocks apply, so when the host's
//! config can hold no `Match` block, every class evaluates alike and one
//! `sshd -T` stands for all ([`NO_MATCH_CHECK`]): the probe reads the file
//! it evaluates in the same round trip, so a `Match` (or an `Include` that
//! could bring one) added behind harden's back turns the full evaluation
//! back on for that run.

use std::collections::{BTreeMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::contract::sh_quote;
use crate::contract::HostCtx;
use crate::inventory::net::Cidr;

/// "Anyone": an address from TEST-NET-3 (no Match of a real estate names it).
pub const ANYONE_V4: IpAddr = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 10));
/// "Anyone" over IPv6 (documentation prefix).
pub const ANYONE_V6: IpAddr = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x10));

/// The most managed users evaluated per host (beside root and harden's
/// own ssh_user), in inventory order.
pub const MAX_USERS: usize = 16;

/// One connection sshd is evaluated for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Class {
    /// Login name.
    pub user: String,
    /// Source address.
    pub addr: IpAddr,
    /// Where the source comes from (`anyone`, `management_sources 198.51.100.0/28`).
    pub source: String,
}

impl Class {
    /// `for user=root from 198.51.100.1 (management_sources 198.51.100.0/28)`.
    pub fn label(&self) -> String {
        format!(
            "for user={} from {} ({})",
            self.user, self.addr, self.source
        )
    }

    /// The `-C` argument of `sshd -T`.
    pub fn spec(&self, laddr: IpAddr, lport: u16) -> String {
        format!(
            "user={},host=harden.invalid,addr={},laddr={laddr},lport={lport}",
            self.user, self.addr
        )
    }
}

/// The first usable address of a prefix (the address itself for a single
/// host or a /31, /127).
pub fn representative(c: &Cidr) -> IpAddr {
    match c.network() {
        IpAddr::V4(a) if c.prefix < 31 => IpAddr::V4(Ipv4Addr::from(u32::from(a) + 1)),
        IpAddr::V6(a) if c.prefix < 127 => IpAddr::V6(Ipv6Addr::from(u128::from(a) + 1)),
        a => a,
    }
}

/// Every class for the host in `ctx`; the first is root from anyone, the
/// class drift reports as the host's plain setting.
pub fn classes(ctx: &HostCtx<'_>) -> Vec<Class> {
    let h = ctx.host;
    let mut sources: Vec<(IpAddr, String)> = vec![(ANYONE_V4, "anyone".into())];
    if h.addresses.iter().any(IpAddr::is_ipv6) {
        sources.push((ANYONE_V6, "anyone".into()));
    }
    let named = |what: &str, c: &Cidr| -> Option<(IpAddr, String)> {
        (!c.is_any()).then(|| (representative(c), format!("{what} {c}")))
    };
    sources.extend(
        h.controller_sources
            .iter()
            .filter_map(|c| named("controller_sources", c)),
    );
    sources.extend(
        h.management_sources
            .iter()
            .filter_map(|c| named("management_sources", c)),
    );
    for (i, a) in h.allow.iter().enumerate() {
        for c in a.from.iter().flatten() {
            sources.extend(named(&format!("allow[{i}] from"), c));
        }
    }
    let mut seen = HashSet::new();
    sources.retain(|(a, _)| seen.insert(*a));
    // Every managed user: a `Match User bob` block must be seen even when
    // bob is not the first (bounded: drift runs one `sshd -T` per class
    // when the config can hold a Match block).
    let mut users = vec!["root".to_string()];
    users.push(h.conn.user.clone());
    users.extend(ctx.inv.users_on(h).take(MAX_USERS).map(|u| u.name.clone()));
    let mut seen = HashSet::new();
    users.retain(|u| seen.insert(u.clone()));
    users
        .iter()
        .flat_map(|u| {
            sources.iter().map(move |(addr, source)| Class {
                user: u.clone(),
                addr: *addr,
                source: source.clone(),
            })
        })
        .collect()
}

/// The main config, the one file `sshd -T` reads unless it includes
/// others (the `Include` keyword, which [`NO_MATCH_CHECK`] looks for).
pub const MAIN_CONFIG: &str = "/etc/ssh/sshd_config";

/// A shell test that succeeds only when `$1` is readable and no active
/// line could be or bring a `Match` block: after dropping comment lines
/// (sshd skips blanks and tabs before `#`) and every quote and backslash
/// (sshd's word splitting removes them, so `M"atch"` is `Match`), no line
/// holds `match` or `include` in any case. Anything else (a value that
/// merely contains the word, an unreadable file) means the full,
/// per-class evaluation: the test can err only on the safe side.
pub const NO_MATCH_CHECK: &str = r#"nomatch() { sed -e '/^[[:blank:]]*#/d' -e "s/[\"'\\]//g" -- "$1" >"$T/cfg" 2>/dev/null && ! grep -qi -e match -e include "$T/cfg"; }"#;

/// Marks that every class evaluated like class 0 (no `Match` possible).
const SAME: &str = "== same";

/// The probe: `sshd -T -C` for every class, in parallel, printed in order
/// as `== <index> <rc>` followed by that class's output; or, when the
/// config can hold no `Match` block, class 0 alone followed by `== same`.
/// A failing class has its stderr on the probe's stderr, prefixed with its
/// index (in the folded case class 0's, once per class, as before).
pub fn script(classes: &[Class], laddr: IpAddr, lport: u16) -> String {
    let specs: Vec<String> = classes
        .iter()
        .map(|c| sh_quote(&c.spec(laddr, lport)))
        .collect();
    let first = specs.first().cloned().unwrap_or_default();
    format!(
        "{NO_MATCH_CHECK}; if [ {n} -gt 0 ] && nomatch {main}; then sshd -T -C {first} >\"$T/0\" 2>\"$T/0.e\"; echo \"== 0 $?\"; cat \"$T/0\"; echo '{SAME}'; j=0; while [ $j -lt {n} ]; do sed \"s/^/$j: /\" \"$T/0.e\" >&2; j=$((j+1)); done; else \
i=0; for c in {all}; do ( sshd -T -C \"$c\" >\"$T/$i\" 2>\"$T/$i.e\"; echo $? >\"$T/$i.rc\" ) & i=$((i+1)); done; wait; j=0; while [ $j -lt $i ]; do echo \"== $j $(cat \"$T/$j.rc\")\"; cat \"$T/$j\"; sed \"s/^/$j: /\" \"$T/$j.e\" >&2; j=$((j+1)); done; fi",
        n = specs.len(),
        main = sh_quote(MAIN_CONFIG),
        all = specs.join(" ")
    )
}

/// What `sshd -T` said for one class.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Effective {
    /// Exit code.
    pub rc: i32,
    /// Lowercase keyword → every value printed for it.
    pub values: BTreeMap<String, Vec<String>>,
}

impl Effective {
    /// The value as drift shows it (`(not set)` when sshd printed none).
    pub fn get(&self, key: &str) -> String {
        self.values
            .get(&key.to_ascii_lowercase())
            .map(|v| v.join(" | "))
            .unwrap_or_else(|| "(not set)".into())
    }
}

/// Parses the probe's output into one [`Effective`] per class index, for
/// `n` classes (`== same` copies class 0 to every other class).
pub fn parse(out: &str, n: usize) -> BTreeMap<usize, Effective> {
    let mut all = BTreeMap::new();
    let mut cur: Option<(usize, Effective)> = None;
    let mut same = false;
    for line in out.lines() {
        if line == SAME {
            if let Some((i, e)) = cur.take() {
                all.insert(i, e);
            }
            same = true;
        } else if let Some(head) = line.strip_prefix("== ") {
            if let Some((i, e)) = cur.take() {
                all.insert(i, e);
            }
            let mut it = head.split_whitespace();
            let i = it.next().and_then(|x| x.parse().ok());
            let rc = it.next().and_then(|x| x.parse().ok()).unwrap_or(-1);
            cur = i.map(|i| {
                (
                    i,
                    Effective {
                        rc,
                        ..Default::default()
                    },
                )
            });
        } else if let (Some((_, e)), Some((k, v))) = (cur.as_mut(), line.split_once(' ')) {
            e.values
                .entry(k.to_string())
                .or_default()
                .push(v.trim().to_string());
        }
    }
    if let Some((i, e)) = cur {
        all.insert(i, e);
    }
    if same {
        if let Some(base) = all.get(&0).cloned() {
            for i in 1..n {
                all.entry(i).or_insert_with(|| base.clone());
            }
        }
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn representative_is_the_first_usable_host() {
        let r = |s: &str| representative(&Cidr::parse(s).expect("cidr")).to_string();
        assert_eq!(r("198.51.100.0/28"), "198.51.100.1");
        assert_eq!(r("10.213.0.2"), "10.213.0.2");
        assert_eq!(r("10.0.0.0/31"), "10.0.0.0");
        assert_eq!(r("2001:db8::/64"), "2001:db8::1");
        assert_eq!(r("fd00:213::2"), "fd00:213::2");
    }

    #[test]
    fn every_known_source_and_user_is_a_class() {
        let inv = crate::testkit::inventory()
            .controller_sources(&["10.213.0.2", "fd00:213::2"])
            .management_sources(&["198.51.100.0/28"])
            .default_line(r#"ssh_user = "deploy""#)
            .tables(r#"
[[users]]
name = "alice"
role = "management"
public_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJdD7y3aLq454yWBdwLWbieU1ebz9/cu7/QEXn9OIeZJ alice"]
"#)
            .host("db", "10.213.0.11", "data")
            .with(r#"allow = [ { port = 5432, from = ["10.0.2.0/24", "198.51.100.0/28"] } ]"#)
            .load();
        let ctx = HostCtx::new(&inv, &inv.hosts[0], None);
        let got: Vec<String> = classes(&ctx).iter().map(Class::label).collect();
        let sources = [
            "203.0.113.10 (anyone)",
            "10.213.0.2 (controller_sources 10.213.0.2)",
            "fd00:213::2 (controller_sources fd00:213::2)",
            "198.51.100.1 (management_sources 198.51.100.0/28)",
            "10.0.2.1 (allow[0] from 10.0.2.0/24)",
        ];
        let want: Vec<String> = ["root", "deploy", "alice"]
            .iter()
            .flat_map(|u| {
                sources
                    .iter()
                    .map(move |s| format!("for user={u} from {s}"))
            })
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn parses_framed_output() {
        let p = parse("== 0 0\npasswordauthentication no\nport 22\n== 1 0\npasswordauthentication yes\nport 22\n== 2 255\n", 3);
        assert_eq!(p.len(), 3);
        assert_eq!(p[&0].get("PasswordAuthentication"), "no");
        assert_eq!(p[&1].get("PasswordAuthentication"), "yes");
        assert_eq!(p[&2].rc, 255);
        assert_eq!(p[&2].get("Port"), "(not set)");
    }

    #[test]
    fn script_quotes_every_class() {
        let c = Class {
            user: "root".into(),
            addr: ANYONE_V4,
            source: "anyone".into(),
        };
        let s = script(&[c], "10.213.0.11".parse().expect("ip"), 22);
        assert!(s.contains("for c in user=root,host=harden.invalid,addr=203.0.113.10,laddr=10.213.0.11,lport=22; do"), "{s}");
    }

    /// Runs the probe with a stand-in `sshd` (it logs each call and prints
    /// its `-C` argument) and `config` as the main config.
    fn run_probe(config: Option<&str>, n: usize) -> (BTreeMap<usize, Effective>, usize) {
        let dir = tempfile::tempdir().expect("tmp");
        let d = dir.path();
        let fake = d.join("sshd");
        std::fs::write(
            &fake,
            format!(
                "#!/bin/sh\necho call >> {}/calls\necho \"port 22\"\necho \"spec $3\"\n",
                d.display()
            ),
        )
        .expect("fake sshd");
        std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .expect("chmod");
        let main = d.join("sshd_config");
        if let Some(c) = config {
            std::fs::write(&main, c).expect("config");
        }
        let cs: Vec<Class> = (0..n)
            .map(|i| Class {
                user: format!("u{i}"),
                addr: ANYONE_V4,
                source: "anyone".into(),
            })
            .collect();
        let s = script(&cs, ANYONE_V4, 22).replace(MAIN_CONFIG, &main.display().to_string());
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "T={}; PATH={}:$PATH; {s}",
                d.display(),
                d.display()
            ))
            .output()
            .expect("sh");
        assert!(out.status.success(), "{out:?}");
        let calls = std::fs::read_to_string(d.join("calls"))
            .unwrap_or_default()
            .lines()
            .count();
        (parse(&String::from_utf8_lossy(&out.stdout), n), calls)
    }

    #[test]
    fn a_config_that_cannot_hold_a_match_block_is_evaluated_once_for_all_classes() {
        let plain = "# Match and Include only in comments\n  # Match Address *\nPasswordAuthentication no\nPort 22\n";
        let (p, calls) = run_probe(Some(plain), 3);
        assert_eq!(calls, 1);
        assert_eq!(p.len(), 3);
        for i in 0..3 {
            assert_eq!(p[&i].rc, 0);
            assert_eq!(p[&i].get("spec"), p[&0].get("spec"), "class {i}");
        }
    }

    #[test]
    fn anything_that_could_be_or_bring_a_match_block_evaluates_every_class() {
        for config in [
            Some("PasswordAuthentication no\nMatch Address 198.51.100.0/28\n  PasswordAuthentication yes\n"),
            Some("\tmAtCh User alice\n"),
            Some("M\"atc\"h User alice\n"),
            Some("Ma\\tch=User alice\n"),
            Some("Include /etc/ssh/sshd_config.d/*.conf\n"),
            Some("\"Include\" /tmp/x\n"),
            Some("Banner /etc/match-banner\n"),
            None,
        ] {
            let (p, calls) = run_probe(config, 3);
            assert_eq!(calls, 3, "{config:?}");
            for i in 0..3 {
                assert!(p[&i].get("spec").contains(&format!("user=u{i},")), "{config:?}: {p:?}");
            }
        }
    }

    #[test]
    fn same_marker_copies_class_zero_to_every_class() {
        let p = parse("== 0 0\npasswordauthentication no\n== same\n", 3);
        assert_eq!(p.len(), 3);
        assert_eq!(p[&2].get("PasswordAuthentication"), "no");
        let failed = parse("== 0 255\n== same\n", 2);
        assert_eq!(failed[&1].rc, 255);
        assert_eq!(parse("== same\n", 2).len(), 0, "nothing to copy");
    }

    #[test]
    fn every_managed_user_is_a_class_not_only_the_first() {
        let users: String = ["alice", "bob", "carol"]
            .iter()
            .map(|u| {
                let key = ssh_key::PrivateKey::random(
                    &mut ssh_key::rand_core::OsRng,
                    ssh_key::Algorithm::Ed25519,
                )
                .expect("key");
                let public = key.public_key().to_openssh().expect("openssh");
                format!("[[users]]\nname = \"{u}\"\nrole = \"developer\"\npublic_keys = [\"{public}\"]\n\n")
            })
            .collect();
        let inv = crate::testkit::inventory()
            .tables(&users)
            .host("app", "10.213.0.12", "app")
            .environment("test")
            .load();
        let ctx = HostCtx::new(&inv, &inv.hosts[0], None);
        let users: Vec<String> = classes(&ctx).into_iter().map(|c| c.user).collect();
        for u in ["root", "alice", "bob", "carol"] {
            assert!(users.iter().any(|x| x == u), "{u} missing from {users:?}");
        }
    }
}
