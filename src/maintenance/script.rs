//! The shell scripts `maintenance` runs on a host.
//!
//! Every script takes the host lock, `/run/lock/harden.lock`, the one the
//! apply script takes (`src/engine/script.rs`): changes hold it exclusively,
//! reads hold it shared, so a list never sees an apply or an open half done
//! and two operators never interleave on one host. Changes are one
//! `nft -f -` transaction (all elements or none) followed by a fresh
//! listing, so harden reports what the kernel holds afterwards, not what it
//! asked for.

use std::collections::BTreeSet;

use crate::backend::ssh::probe as facts;
use crate::contract::{sh_quote, Probe};
use crate::controls::firewall::TABLE;

pub use crate::backend::ssh::script::{lock, EXIT_LOCKED, LOCK_FILE};
/// Exit code: harden's table is not loaded.
pub const EXIT_NO_TABLE: i32 = 66;
/// Exit code: nft refused the transaction (nothing changed).
pub const EXIT_NFT: i32 = 67;

/// Probe ids of [`history`].
pub mod probe {
    /// `nft -j list table inet harden`.
    pub const TABLE: &str = "maintenance.table";
    /// The input chain, for the window rules' counters.
    pub const CHAIN: &str = "maintenance.chain";
    /// Accepted sshd logins.
    pub const SSHD: &str = "maintenance.sshd";
    /// The host's clock: epoch seconds, year, UTC offset.
    pub const CLOCK: &str = "maintenance.clock";
}

fn need_table() -> String {
    format!(
        "nft list table inet {TABLE} >/dev/null 2>&1 || {{ echo \"harden's table inet {TABLE} is not loaded\" >&2; exit {EXIT_NO_TABLE}; }}\n"
    )
}

/// Lists harden's table as JSON (shared lock).
pub fn read() -> String {
    format!(
        "{}{}nft -j list table inet {TABLE}\n",
        lock(false),
        need_table()
    )
}

/// Runs `cmds` as one nft transaction, then lists the table (exclusive
/// lock).
pub fn change(cmds: &str) -> String {
    format!(
        "{}{}printf '%s' {} | nft -f - || exit {EXIT_NFT}\nnft -j list table inet {TABLE}\n",
        lock(true),
        need_table(),
        sh_quote(cmds)
    )
}

/// Reads accepted sshd logins since `since` (epoch seconds): from the
/// journal when systemd runs the host, else from the syslog files. The
/// first output line names the source.
pub fn sshd_log(since: u64) -> String {
    format!(
        r#"if [ -d /run/systemd/system ] && command -v journalctl >/dev/null 2>&1; then
echo "source=journal"
journalctl -q --no-pager -o short-unix --since @{since} -t sshd -t sshd-session | grep -a 'Accepted '
else
for f in /var/log/auth.log.1 /var/log/auth.log /var/log/secure.1 /var/log/secure; do
if [ -f "$f" ]; then echo "source=$f"; grep -a 'Accepted ' "$f"; fi
done
fi
true"#
    )
}

/// One round trip that gathers everything `list --history` shows, framed
/// by the engine's probe format (`facts::parse` reads it back).
pub fn history(since: u64, host_log: &str, nonce: &str) -> String {
    let probes: BTreeSet<Probe> = [
        Probe::cmd(probe::TABLE, format!("nft -j list table inet {TABLE}")),
        Probe::cmd(
            probe::CHAIN,
            format!("nft -j list chain inet {TABLE} input"),
        ),
        Probe::cmd(probe::SSHD, sshd_log(since)),
        Probe::cmd(probe::CLOCK, "date +%s; date +%Y; date +%z"),
        Probe::File(host_log.to_string()),
    ]
    .into_iter()
    .collect();
    format!("{}{}", lock(false), facts::script(&probes, nonce))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_take_the_host_lock() {
        assert!(read().contains("flock -s -w 30 9"));
        let c = change(
            "add element inet harden mgmt_v4 { 198.51.100.5 . 22 timeout 4s comment \"it's\" }\n",
        );
        assert!(c.contains("flock -x -w 30 9"));
        assert!(c.contains("exit 67"));
        assert!(c.contains("'\\''s"), "quoted for the shell: {c}");
        assert!(history(0, "/var/log/harden/audit.jsonl", "n").contains("flock -s"));
    }
}
