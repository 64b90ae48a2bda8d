//! `--limit` and `--host`: which hosts a run touches.
//!
//! A comma-separated list of host names or glob patterns (`*`, `?`).
//! A pattern that matches no host is an error, and so is an empty pattern
//! or an empty part between commas (`--host ''`, `--host "db,$UNSET"`), so
//! a typo or an unset variable never turns a limited run into a no-op that
//! looks like success. Selection needs only the loaded inventory: the error
//! comes before any connection is opened.

use std::fmt;

use crate::inventory::Inventory;

/// Names listed in a no-match error at most; the rest are counted.
const NAMES_SHOWN: usize = 20;

/// A part of a host pattern that selects no host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoMatch {
    /// The flag, `--limit` or `--host`.
    pub flag: &'static str,
    /// The whole pattern as given.
    pub pattern: String,
    /// The part that matched nothing (empty for an empty part).
    pub part: String,
    /// The inventory file, as shown.
    pub inventory: String,
    /// Every host name of the inventory.
    pub hosts: Vec<String>,
}

impl fmt::Display for NoMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{} {}`", self.flag, quoted(&self.pattern))?;
        if self.part != self.pattern.trim() {
            write!(f, ": {}", quoted(&self.part))?;
        }
        write!(f, " matches no host of {}; hosts are: ", self.inventory)?;
        if self.hosts.is_empty() {
            return write!(f, "(none)");
        }
        let shown: Vec<&str> = self
            .hosts
            .iter()
            .take(NAMES_SHOWN)
            .map(String::as_str)
            .collect();
        write!(f, "{}", shown.join(", "))?;
        if self.hosts.len() > NAMES_SHOWN {
            write!(f, " and {} more", self.hosts.len() - NAMES_SHOWN)?;
        }
        Ok(())
    }
}

impl std::error::Error for NoMatch {}

/// `s` in single quotes with control characters escaped, so a hostile
/// pattern cannot break the line it is shown on.
fn quoted(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        if crate::inventory::text::bad_char(c).is_some() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// True when `name` matches the glob `pat`.
pub fn glob(pat: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], n) || (!n.is_empty() && go(p, &n[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &n[1..]),
            _ => false,
        }
    }
    let p: Vec<char> = pat.chars().collect();
    let n: Vec<char> = name.chars().collect();
    go(&p, &n)
}

/// Indices of the hosts selected by `--limit` (all hosts when None).
pub fn hosts(inv: &Inventory, limit: Option<&str>) -> Result<Vec<usize>, NoMatch> {
    by_flag(inv, "--limit", limit)
}

/// Indices of the hosts `pattern`, given with `flag`, selects (all hosts
/// when None), sorted and without repeats. Every comma-separated part must
/// match a host; an empty pattern or part matches none.
pub fn by_flag(
    inv: &Inventory,
    flag: &'static str,
    pattern: Option<&str>,
) -> Result<Vec<usize>, NoMatch> {
    let Some(pattern) = pattern else {
        return Ok((0..inv.hosts.len()).collect());
    };
    let mut out = Vec::new();
    for part in pattern.split(',').map(str::trim) {
        let hits: Vec<usize> = (0..inv.hosts.len())
            .filter(|&i| !part.is_empty() && glob(part, &inv.hosts[i].name))
            .collect();
        if hits.is_empty() {
            return Err(NoMatch {
                flag,
                pattern: pattern.to_string(),
                part: part.to_string(),
                inventory: inv.source.path.display().to_string(),
                hosts: inv.hosts.iter().map(|h| h.name.clone()).collect(),
            });
        }
        out.extend(hits);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::load_str;
    use std::path::Path;

    #[test]
    fn globs() {
        assert!(glob("otc-*", "otc-db-1"));
        assert!(glob("*-1", "otc-db-1"));
        assert!(glob("otc-db-?", "otc-db-1"));
        assert!(!glob("otc-db-?", "otc-db-12"));
        assert!(!glob("hz-*", "otc-db-1"));
        assert!(glob("otc-db-1", "otc-db-1"));
    }

    fn inv() -> Inventory {
        let mut text = String::from(
            "[defaults]\ncontroller_sources = [\"10.213.0.2\"]\nmanagement_sources = [\"198.51.100.0/28\"]\nknown_hosts = \"known_hosts\"\n",
        );
        for (n, name) in ["db", "app", "gw"].iter().enumerate() {
            text.push_str(&format!(
                "\n[[hosts]]\nname = \"{name}\"\naddress = \"10.0.0.{}\"\nprovider = \"telekom\"\nenvironment = \"production\"\nroles = [\"data\"]\ndisks = []\n",
                n + 1
            ));
        }
        load_str(
            Path::new("/x/inv.toml"),
            text,
            crate::controls::sections::sections(),
        )
        .expect("inventory loads")
    }

    #[test]
    fn selects_by_name_and_glob_sorted_once() {
        let inv = inv();
        assert_eq!(by_flag(&inv, "--host", None), Ok(vec![0, 1, 2]));
        assert_eq!(by_flag(&inv, "--host", Some("gw, db")), Ok(vec![0, 2]));
        assert_eq!(by_flag(&inv, "--host", Some("*,db")), Ok(vec![0, 1, 2]));
        assert_eq!(hosts(&inv, Some("a*")), Ok(vec![1]));
    }

    #[test]
    fn empty_or_unknown_pattern_matches_no_host() {
        let inv = inv();
        for (flag, pat, want) in [
            (
                "--host",
                "",
                "`--host ''` matches no host of /x/inv.toml; hosts are: db, app, gw",
            ),
            ("--host", " ", "`--host ' '` matches no host of"),
            ("--host", ",", "`--host ','`: '' matches no host of"),
            ("--host", "db,", "`--host 'db,'`: '' matches no host of"),
            (
                "--host",
                "nope",
                "`--host 'nope'` matches no host of /x/inv.toml; hosts are: db",
            ),
            (
                "--host",
                "db,nope",
                "`--host 'db,nope'`: 'nope' matches no host",
            ),
            ("--limit", "", "`--limit ''` matches no host of /x/inv.toml"),
            ("--host", "a\nb", "`--host 'a\\nb'` matches no host"),
        ] {
            let e = by_flag(&inv, flag, Some(pat)).expect_err(pat).to_string();
            assert!(e.starts_with(want), "{pat:?}: {e}");
            assert!(!e.contains('\n'), "{e}");
        }
    }

    #[test]
    fn long_host_lists_are_cut() {
        let e = NoMatch {
            flag: "--host",
            pattern: "x".into(),
            part: "x".into(),
            inventory: "inv.toml".into(),
            hosts: (0..25).map(|i| format!("h{i}")).collect(),
        }
        .to_string();
        assert!(e.ends_with("h18, h19 and 5 more"), "{e}");
    }
}
