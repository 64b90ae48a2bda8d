//! What a run read beyond the hosts' own probes, and when: every read a
//! provider-scoped control had its provider's API answer ([`ApiRead`]),
//! and each host's real start and end ([`HostTime`]). Both are part of
//! the `plan`/`drift` JSON (docs/reports.md, additive: `format_version`
//! stays 1) and the evidence report draws on them (docs/report.md).

use serde::{Deserialize, Serialize};

/// One read of a provider API by one control for one host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiRead {
    /// Host name.
    pub host: String,
    /// Control id (`cloud`, `evs`, `hcloud-firewall`, …).
    pub control: String,
    /// The provider API asked (`hcloud`, `otc-vpc`, `otc-evs`, `otc-ecs`,
    /// `otc-kms`).
    pub service: String,
    /// `GET`, or `POST` for a read the API documents as a POST (KMS
    /// `describe-key`; its body is never recorded).
    pub method: String,
    /// The path template: `{project_id}` left unfilled, every query value
    /// shown as `*` (see [`path_template`]).
    pub path: String,
    /// Pages read (1 for a single answer).
    pub pages: u32,
    /// When the answer was read (RFC 3339, UTC).
    pub at: String,
    /// True when the answer was this run's earlier read of the same path
    /// for the same host (no request of its own).
    #[serde(default, skip_serializing_if = "is_false")]
    pub cached: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// When harden read one host: from the start of its first read to the
/// end of its last (SSH facts, then its provider's API).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostTime {
    /// Host name.
    pub host: String,
    /// Start (RFC 3339, UTC).
    pub started: String,
    /// End (RFC 3339, UTC).
    pub finished: String,
}

/// `path` as it is recorded: the part before `?` as is (the project id
/// placeholder unfilled), and each query parameter's value replaced by
/// `*`, so no name, id or token a query carries is repeated
/// (`/servers?name=web-1` is `/servers?name=*`).
pub fn path_template(path: &str) -> String {
    let Some((base, query)) = path.split_once('?') else {
        return path.to_string();
    };
    let keys: Vec<String> = query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| match kv.split_once('=') {
            Some((k, _)) => format!("{k}=*"),
            None => "*".to_string(),
        })
        .collect();
    if keys.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", keys.join("&"))
    }
}

/// The span of a host's reads: its SSH phase (`ssh`: start and end, Unix
/// seconds; `None` when nothing was read over SSH) widened by the times of
/// its API reads; `None` when nothing was read at all.
pub fn host_time(host: &str, ssh: Option<(u64, u64)>, reads: &[ApiRead]) -> Option<HostTime> {
    let api = reads
        .iter()
        .filter(|r| r.host == host)
        .filter_map(|r| crate::timefmt::parse_rfc3339(&r.at));
    let mut span = ssh;
    for t in api {
        span = Some(match span {
            Some((a, b)) => (a.min(t), b.max(t)),
            None => (t, t),
        });
    }
    span.map(|(a, b)| HostTime {
        host: host.to_string(),
        started: crate::timefmt::rfc3339(a),
        finished: crate::timefmt::rfc3339(b),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_never_recorded() {
        assert_eq!(path_template("/firewalls"), "/firewalls");
        assert_eq!(path_template("/servers?name=web-1"), "/servers?name=*");
        assert_eq!(
            path_template("/v2.1/{project_id}/servers/detail?name=%5Edb-1%24&x"),
            "/v2.1/{project_id}/servers/detail?name=*&*"
        );
        assert_eq!(
            path_template("/v2.0/ports?device_id=abc&token=s3cret"),
            "/v2.0/ports?device_id=*&token=*"
        );
        assert_eq!(path_template("/a?"), "/a");
    }

    #[test]
    fn a_host_spans_its_ssh_phase_and_its_api_reads() {
        let read = |host: &str, at: &str| ApiRead {
            host: host.into(),
            control: "evs".into(),
            service: "otc-evs".into(),
            method: "GET".into(),
            path: "/x".into(),
            pages: 1,
            at: at.into(),
            cached: false,
        };
        let t0 = crate::timefmt::parse_rfc3339("2026-12-02T03:00:00Z").expect("t0");
        let reads = [
            read("db", "2026-12-02T03:00:09Z"),
            read("app", "2026-12-02T03:05:00Z"),
        ];
        let t = host_time("db", Some((t0, t0 + 4)), &reads).expect("db");
        assert_eq!(
            (t.started.as_str(), t.finished.as_str()),
            ("2026-12-02T03:00:00Z", "2026-12-02T03:00:09Z")
        );
        let t = host_time("app", None, &reads).expect("app");
        assert_eq!(t.started, t.finished);
        assert_eq!(host_time("web", None, &reads), None);
        let t = host_time("web", Some((t0, t0 + 2)), &reads).expect("web");
        assert_eq!(t.finished, "2026-12-02T03:00:02Z");
    }
}
