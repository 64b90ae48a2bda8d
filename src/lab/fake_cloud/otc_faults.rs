//! Fault injection of the Open Telekom Cloud fake: a queue of one-shot
//! faults, each for requests whose `METHOD path` contains a pattern (or
//! for any request), used up after `times` matching requests. A fault
//! answers instead of the route: 429 throttling with `Retry-After` (the
//! API gateway's `APIGW.0308` body), a bare 500 or 503, or a 401 that
//! revokes the token the request carried (revoked mid-run).

use serde_json::json;

use crate::lab::fake_http::Reply;

/// What a fault answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// 429 with `Retry-After: <secs>`.
    Throttle {
        /// The `Retry-After` seconds.
        retry_after: u32,
    },
    /// This status (500, 503, …) with a small JSON body.
    Status(u16),
    /// Revokes the request's token and answers 401.
    RevokeToken,
}

/// One queued fault.
#[derive(Debug, Clone)]
pub struct Fault {
    /// Matches requests whose `METHOD path` contains this (`None`: any).
    pub pattern: Option<String>,
    /// What it answers.
    pub kind: FaultKind,
    /// Matching requests still to be answered so.
    pub times: u32,
}

impl Fault {
    /// The next request whose `METHOD path` contains `pattern` gets `kind`.
    pub fn on(pattern: &str, kind: FaultKind) -> Fault {
        Fault {
            pattern: Some(pattern.into()),
            kind,
            times: 1,
        }
    }

    /// The next `n` requests, whatever they are, get `kind`.
    pub fn next(n: u32, kind: FaultKind) -> Fault {
        Fault {
            pattern: None,
            kind,
            times: n,
        }
    }

    /// The same fault for `n` matching requests.
    pub fn times(mut self, n: u32) -> Fault {
        self.times = n;
        self
    }
}

/// The fault queue.
#[derive(Debug, Default)]
pub struct Faults {
    queue: Vec<Fault>,
    /// How many faults were injected so far.
    pub injected: u32,
}

impl Faults {
    /// Queues `f` behind the others.
    pub fn push(&mut self, f: Fault) {
        if f.times > 0 {
            self.queue.push(f);
        }
    }

    /// Faults not used up yet.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// The fault for the request `line` (`METHOD path`), used once.
    pub fn take(&mut self, line: &str) -> Option<FaultKind> {
        let i = self
            .queue
            .iter()
            .position(|f| f.pattern.as_deref().is_none_or(|p| line.contains(p)))?;
        let f = &mut self.queue[i];
        f.times -= 1;
        let kind = f.kind.clone();
        if f.times == 0 {
            self.queue.remove(i);
        }
        self.injected += 1;
        Some(kind)
    }
}

/// The answer of a fault (the token is revoked by the caller).
pub fn reply(kind: &FaultKind) -> Reply {
    match kind {
        FaultKind::Throttle { retry_after } => Reply::json(
            429,
            json!({"error_code": "APIGW.0308", "request_id": "fake",
                "error_msg": "The throttling threshold has been reached: policy user over ratelimit"}),
        )
        .header("retry-after", &retry_after.to_string()),
        FaultKind::Status(s) => Reply::json(
            *s,
            json!({"error_code": "APIGW.0101", "error_msg": "fake: injected failure"}),
        ),
        FaultKind::RevokeToken => unauthorized("The token has been revoked"),
    }
}

/// IAM's / the gateway's 401.
pub fn unauthorized(why: &str) -> Reply {
    Reply::json(
        401,
        json!({"error": {"code": 401, "title": "Unauthorized",
            "message": format!("The request you have made requires authentication: {why}")}}),
    )
}
