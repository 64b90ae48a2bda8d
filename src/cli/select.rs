//! `--limit`: which hosts a run touches.
//!
//! A comma-separated list of host names or glob patterns (`*`, `?`).
//! A pattern that matches no host is an error, so a typo never turns a
//! limited run into a no-op that looks like success.

use anyhow::{bail, Result};

use crate::inventory::Inventory;

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

/// Indices of the hosts selected by `limit` (all hosts when None).
pub fn hosts(inv: &Inventory, limit: Option<&str>) -> Result<Vec<usize>> {
    let Some(limit) = limit else {
        return Ok((0..inv.hosts.len()).collect());
    };
    let mut out = Vec::new();
    for pat in limit.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let hits: Vec<usize> = (0..inv.hosts.len())
            .filter(|&i| glob(pat, &inv.hosts[i].name))
            .collect();
        if hits.is_empty() {
            let names: Vec<&str> = inv.hosts.iter().map(|h| h.name.as_str()).collect();
            bail!(
                "--limit `{pat}` matches no host of {}; hosts are: {}",
                inv.source.path.display(),
                names.join(", ")
            );
        }
        out.extend(hits);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs() {
        assert!(glob("otc-*", "otc-db-1"));
        assert!(glob("*-1", "otc-db-1"));
        assert!(glob("otc-db-?", "otc-db-1"));
        assert!(!glob("otc-db-?", "otc-db-12"));
        assert!(!glob("hz-*", "otc-db-1"));
        assert!(glob("otc-db-1", "otc-db-1"));
    }
}
