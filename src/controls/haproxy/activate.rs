//! Activation: a reload that drops no connection, then proof that it took.
//!
//! With systemd: `systemctl reload haproxy` (Debian's unit runs `haproxy
//! -c`, then SIGUSR2 to the master), or `systemctl start` when it is not
//! active. Without systemd, the documented master-worker path: the master
//! CLI's `reload` (SIGUSR2 as a command) when a master answers, else a
//! new `haproxy -W -D -p <pidfile> -S <master>,mode,600`. In master-worker
//! mode the listeners pass to the new worker over a socketpair and the old
//! one finishes its connections (bounded by `hard-stop-after`).
//!
//! HAProxy refuses a reload silently (the old worker keeps serving), so
//! the script proves it: the master's reload count in `show proc` must
//! grow without a failed reload (2.6), the master CLI's `reload` must not
//! answer `Success=0` (3.0), and the stats socket's `show info` must
//! report the fingerprint the file on disk carries. Otherwise it exits 1
//! with the reason, apply reports the control failed and restores (and
//! re-activates) the previous file. Every wait is bounded.

/// The systemd drop-in that makes Debian's master CLI root-only.
pub const DROPIN: &str = "/etc/systemd/system/haproxy.service.d/harden.conf";

/// Its content. Debian's unit sets `EXTRAOPTS=-S /run/haproxy-master.sock`
/// (created 0755; a unix socket needs write permission to connect, so
/// already root-only in effect); this pins mode 600 explicitly. It takes
/// effect at the next start: a reload re-executes the master with its
/// original arguments, and a restart would drop connections.
pub fn dropin(master: &str) -> String {
    format!(
        "# Managed by harden: the HAProxy master CLI, root-only.\n[Service]\nEnvironment=\"EXTRAOPTS=-S {master},mode,600\"\n"
    )
}

/// Where activation finds HAProxy's files and sockets.
#[derive(Clone, Debug)]
pub struct Paths {
    /// The config.
    pub config: String,
    /// The master CLI socket.
    pub master: String,
    /// The stats socket the config declares.
    pub stats: String,
    /// The master's pid file (no systemd).
    pub pidfile: String,
    /// Whether to use systemd when the host runs it (tests: false).
    pub systemd: bool,
}

impl Default for Paths {
    fn default() -> Self {
        Paths {
            config: super::render::CONFIG.into(),
            master: super::render::MASTER_SOCKET.into(),
            stats: super::render::STATS_SOCKET.into(),
            pidfile: "/run/haproxy.pid".into(),
            systemd: true,
        }
    }
}

/// The activation line for `p` (one POSIX sh snippet; exit 0 only when
/// HAProxy provably runs the file at `p.config`).
pub fn script(p: &Paths) -> String {
    use crate::contract::sh_quote as q;
    let systemd = if p.systemd {
        r#"if [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
  if systemctl is-active --quiet haproxy.service; then
    systemctl reload haproxy.service || { echo "systemctl reload haproxy failed (see journalctl -u haproxy)" >&2; exit 1; }
  else
    before=
    systemctl start haproxy.service || { echo "systemctl start haproxy failed (see journalctl -u haproxy)" >&2; exit 1; }
  fi
el"#
    } else {
        ""
    };
    format!(
        r#"cfg={cfg}; m={m}; a={a}; pidf={pidf}
ask() {{ {ask} "$1" "$2" 2>/dev/null; }}
reloads() {{ ask "$m" 'show proc' | awk '$2 == "master" {{ print $3; exit }}'; }}
failed() {{ ask "$m" 'show proc' | sed -n 's/^[0-9]* *master .*\[failed: \([0-9]*\)\].*/\1/p' | head -n 1; }}
want=$(sed -n 's/^    description harden:\([0-9a-f]\{{64\}}\)$/\1/p' "$cfg" | head -n 1)
mkdir -p "$(dirname "$a")"
before=$(reloads)
{systemd}if [ -n "$before" ]; then
  out=$(ask "$m" reload)
  case "$out" in *Success=0*) printf 'HAProxy refused the new configuration; the old worker keeps serving:\n%s\n' "$out" >&2; exit 1;; esac
else
  if [ -s "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; then
    echo "an HAProxy (pid $(cat "$pidf")) runs without a master CLI at $m; restart it in master-worker mode (-W -S $m,mode,600)" >&2; exit 1
  fi
  log=$(mktemp) || exit 1
  # 9>&-: the daemon must not inherit (and so hold forever) harden's host lock.
  if ! haproxy -W -D -p "$pidf" -S "$m,mode,600" -f "$cfg" </dev/null >/dev/null 2>"$log" 9>&-; then
    echo "haproxy did not start:" >&2; cat "$log" >&2; rm -f "$log"; exit 1
  fi
  rm -f "$log"
fi
end=$(( $(date +%s) + 15 )); i=0; got=
while [ $i -lt 150 ] && [ "$(date +%s)" -le "$end" ]; do
  i=$((i + 1)); now=$(reloads)
  if [ -n "$before" ] && [ -n "$now" ] && [ "$now" -gt "$before" ]; then
    f=$(failed)
    if [ -n "$f" ] && [ "$f" != 0 ]; then
      echo "HAProxy refused the new configuration (show proc: $f failed reload(s)); the old worker keeps serving" >&2; exit 1
    fi
  fi
  if [ -z "$before" ] || {{ [ -n "$now" ] && [ "$now" -gt "$before" ]; }}; then
    if [ -z "$want" ]; then
      [ -n "$now" ] && exit 0
    else
      got=$(ask "$a" 'show info' | sed -n 's/^description: harden://p')
      [ "$got" = "$want" ] && exit 0
    fi
  fi
  sleep 0.1
done
echo "HAProxy does not run $cfg after 15 s (running fingerprint: ${{got:-none}}, the file's: ${{want:-none}}, master reloads: ${{before:-none}} -> ${{now:-none}})" >&2
exit 1"#,
        cfg = q(&p.config),
        m = q(&p.master),
        a = q(&p.stats),
        pidf = q(&p.pidfile),
        ask = crate::contract::kinds::haproxy::unix_ask(2),
    )
}

#[cfg(test)]
#[path = "activate_tests.rs"]
mod tests;
