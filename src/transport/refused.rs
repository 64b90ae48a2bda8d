//! A host that drops harden's connection before key exchange.
//!
//! sshd closes or resets a connection during the banner exchange when it
//! refuses the source outright: OpenSSH 9.8+ `PerSourcePenalties` (an
//! outside audit's unauthenticated connections from the same CI runner
//! earn a penalty of minutes), `MaxStartups` under load, or fail2ban and
//! similar tools. ssh then says only `kex_exchange_identification: …`.
//! harden recognises that, retries a few times with a bounded backoff
//! (a short penalty or a burst of unauthenticated connections passes) and
//! otherwise says what the likely cause and the fix are.

use std::time::Duration;

/// Environment variable with the retry delays in milliseconds, comma
/// separated (`1000,3000` by default; `""` means no retry).
pub const DELAYS_ENV: &str = "HARDEN_SSH_REFUSED_RETRY_MS";

/// At most this many retries, each at most this long, whatever is set.
const MAX_RETRIES: usize = 5;
const MAX_DELAY: Duration = Duration::from_secs(10);

/// True when ssh's stderr says the host closed the connection before key
/// exchange (during the identification / banner exchange).
pub fn before_kex(ssh_said: &str) -> bool {
    let s = ssh_said.to_ascii_lowercase();
    let ident =
        s.contains("kex_exchange_identification") || s.contains("ssh_exchange_identification");
    let dropped = s.contains("connection closed") || s.contains("connection reset");
    let banner = s.contains("banner exchange: connection to") && s.contains("closed");
    (ident && dropped) || banner
}

/// True when nothing listened on the port (TCP refused): sshd restarting
/// or re-executing after a reload, or not running at all.
pub fn tcp_refused(ssh_said: &str) -> bool {
    ssh_said.to_ascii_lowercase().contains("connection refused")
}

/// The delays between attempts (one entry per retry).
pub fn delays() -> Vec<Duration> {
    parse_delays(std::env::var(DELAYS_ENV).ok().as_deref())
}

fn parse_delays(v: Option<&str>) -> Vec<Duration> {
    let default = vec![Duration::from_secs(1), Duration::from_secs(3)];
    let Some(v) = v else {
        return default;
    };
    if v.trim().is_empty() {
        return Vec::new();
    }
    let parsed: Option<Vec<Duration>> = v
        .split(',')
        .map(|x| x.trim().parse::<u64>().ok().map(Duration::from_millis))
        .collect();
    match parsed {
        Some(d) => d
            .into_iter()
            .take(MAX_RETRIES)
            .map(|d| d.min(MAX_DELAY))
            .collect(),
        None => default,
    }
}

/// The message for a connection refused before key exchange on every
/// attempt.
pub fn explain(ssh_said: &str, attempts: usize, waited: Duration) -> String {
    format!(
        "the host closed the connection before key exchange on {attempts} attempt(s) over {:.1}s ({}). \
Likely cause: the host refuses this source: OpenSSH 9.8+ PerSourcePenalties (an outside SSH audit or scanner from this same machine earns a penalty of minutes), \
MaxStartups (too many unauthenticated connections at once) or fail2ban/sshguard on the host. \
Fix: exempt harden's controller_sources on the host: `harden apply` renders `PerSourcePenaltyExemptList` from controller_sources on OpenSSH 9.8+; \
for fail2ban add them to ignoreip; or run outside audits from another address",
        waited.as_secs_f64(),
        ssh_said.trim()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_refusals_before_key_exchange() {
        for said in [
            "kex_exchange_identification: read: Connection reset by peer\r\nConnection reset by 10.213.0.11 port 22",
            "kex_exchange_identification: Connection closed by remote host\r\nConnection closed by 10.213.0.11 port 22",
            "ssh_exchange_identification: Connection closed by remote host",
            "banner exchange: Connection to 10.213.0.11 port 22: Connection closed",
        ] {
            assert!(before_kex(said), "{said}");
        }
        for said in [
            "connect to host 10.213.0.11 port 22: Connection refused",
            "root@10.213.0.11: Permission denied (publickey).",
            "Host key verification failed.",
            "connect to host 10.213.0.11 port 22: Connection timed out",
            "Connection reset by 10.213.0.11 port 22",
        ] {
            assert!(!before_kex(said), "{said}");
        }
    }

    #[test]
    fn a_refused_tcp_connect_is_told_apart() {
        assert!(tcp_refused(
            "failed to connect to the remote host: connect to host 10.213.0.11 port 22: Connection refused"
        ));
        assert!(!tcp_refused(
            "kex_exchange_identification: Connection closed by remote host"
        ));
        assert!(!tcp_refused("Permission denied (publickey)"));
    }

    #[test]
    fn delays_are_bounded_and_settable() {
        assert_eq!(
            parse_delays(None),
            [Duration::from_secs(1), Duration::from_secs(3)]
        );
        assert!(parse_delays(Some("")).is_empty());
        assert_eq!(
            parse_delays(Some("10, 20")),
            [Duration::from_millis(10), Duration::from_millis(20)]
        );
        let capped = parse_delays(Some("99999999,1,1,1,1,1,1"));
        assert_eq!(capped.len(), MAX_RETRIES);
        assert_eq!(capped[0], MAX_DELAY);
        assert_eq!(parse_delays(Some("x")).len(), 2);
    }

    #[test]
    fn message_names_cause_and_fix() {
        let m = explain(
            "kex_exchange_identification: read: Connection reset by peer",
            3,
            Duration::from_secs(4),
        );
        for needle in [
            "PerSourcePenalties",
            "MaxStartups",
            "fail2ban",
            "controller_sources",
            "PerSourcePenaltyExemptList",
            "3 attempt",
            "Connection reset by peer",
        ] {
            assert!(m.contains(needle), "{needle}: {m}");
        }
    }
}
