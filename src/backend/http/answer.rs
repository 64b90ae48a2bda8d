//! Reading an answer: the body in chunks up to `max_body` (a larger one is
//! refused, whatever `Content-Length` claims), the rate-limit headers, and
//! an error body's code and message in the shapes providers use —
//! `{"error":{"code","message"}}` (Hetzner Cloud and Robot),
//! `{"NeutronError":{"type","message"}}` (OpenStack) and
//! `{"code","message"}` (OTC's native APIs).

use reqwest::header::{HeaderMap, CONTENT_LENGTH};
use serde_json::Value;

use super::error::ErrorKind;

/// A successful answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiResponse {
    /// The HTTP status (2xx).
    pub status: u16,
    /// The body; `Null` when it was empty.
    pub json: Value,
    /// The `RateLimit-*` headers, when all three were sent.
    pub rate_limit: Option<RateLimit>,
    /// `X-Correlation-Id` (scrubbed).
    pub correlation_id: Option<String>,
}

/// The request budget the server reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// `RateLimit-Limit`: requests per period.
    pub limit: u64,
    /// `RateLimit-Remaining`.
    pub remaining: u64,
    /// `RateLimit-Reset`: Unix time at which the budget is full again.
    pub reset: u64,
}

impl RateLimit {
    /// The three headers, when all are present and numbers.
    pub fn from_headers(h: &HeaderMap) -> Option<RateLimit> {
        let num = |name: &str| -> Option<u64> { h.get(name)?.to_str().ok()?.trim().parse().ok() };
        Some(RateLimit {
            limit: num("ratelimit-limit")?,
            remaining: num("ratelimit-remaining")?,
            reset: num("ratelimit-reset")?,
        })
    }
}

/// The body, refused past `max` bytes.
pub(crate) async fn read_body(
    resp: &mut reqwest::Response,
    max: usize,
) -> Result<Vec<u8>, BodyError> {
    let declared = resp
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > max {
                    return Err(BodyError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) => return Err(BodyError::Read(e)),
        }
    }
}

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// Past the limit.
    TooLarge,
    /// The connection broke or timed out.
    Read(reqwest::Error),
}

/// The code and message of an error body (scrubbed of `secrets`); the
/// start of the body as the message when it is not a known JSON shape.
pub(crate) fn error_of(body: &[u8], secrets: &[&str]) -> (Option<String>, String) {
    let scrub = |s: &str| crate::notify::scrub_body(s.as_bytes(), secrets);
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let shape = json.as_ref().and_then(|v| {
        let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        if let Some(e) = v.get("error").filter(|e| e.is_object()) {
            return Some((text(e, "code"), with_fields(text(e, "message"), e)));
        }
        if let Some(e) = v.get("NeutronError").filter(|e| e.is_object()) {
            return Some((text(e, "type"), text(e, "message")));
        }
        let code = text(v, "code")?;
        Some((Some(code), text(v, "message")))
    });
    match shape {
        Some((code, message)) => {
            let code = code.map(|c| scrub(&c)).filter(|c| !c.is_empty());
            (code, message.map(|m| scrub(&m)).unwrap_or_default())
        }
        None => (None, crate::notify::scrub_body(body, secrets)),
    }
}

/// Hetzner's `invalid_input` names the fields at fault in
/// `details.fields[{name, messages}]`: the first few go into the message.
fn with_fields(message: Option<String>, error: &Value) -> Option<String> {
    let fields = error.pointer("/details/fields").and_then(Value::as_array);
    let parts: Vec<String> = fields
        .into_iter()
        .flatten()
        .take(5)
        .filter_map(|f| {
            let name = f.get("name")?.as_str()?;
            let msgs = f.get("messages")?.as_array()?;
            let msgs: Vec<&str> = msgs.iter().take(3).filter_map(Value::as_str).collect();
            Some(format!("{name}: {}", msgs.join(", ")))
        })
        .collect();
    if parts.is_empty() {
        return message;
    }
    Some(format!(
        "{} ({})",
        message.unwrap_or_default(),
        parts.join("; ")
    ))
}

/// The scrubbed `X-Correlation-Id`.
pub(crate) fn correlation_id(h: &HeaderMap) -> Option<String> {
    let v = h.get("x-correlation-id")?.to_str().ok()?;
    let s = crate::notify::scrub_body(v.as_bytes(), &[]);
    (!s.is_empty()).then_some(s)
}

/// The answer to a success status.
pub(crate) fn success(
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<ApiResponse, ErrorKind> {
    let json = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        serde_json::from_slice(body)
            .map_err(|e| ErrorKind::BadAnswer(format!("the body is not JSON ({e})")))?
    };
    Ok(ApiResponse {
        status,
        json,
        rate_limit: RateLimit::from_headers(headers),
        correlation_id: correlation_id(headers),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn error_shapes() {
        let e = |b: &str| error_of(b.as_bytes(), &["s3cret-token"]);
        assert_eq!(
            e(r#"{"error":{"code":"invalid_input","message":"bad\nport","details":{}}}"#),
            (Some("invalid_input".into()), "bad\\nport".into())
        );
        assert_eq!(
            e(r#"{"NeutronError":{"type":"SecurityGroupRuleExists","message":"dup"}}"#),
            (Some("SecurityGroupRuleExists".into()), "dup".into())
        );
        assert_eq!(
            e(r#"{"code":"VPC.0114","message":"no"}"#),
            (Some("VPC.0114".into()), "no".into())
        );
        assert_eq!(
            e(r#"{"error":{"message":"token s3cret-token wrong"}}"#),
            (None, "token <redacted> wrong".into())
        );
        assert_eq!(
            e("<html>\x1b[2J bad gateway"),
            (None, "<html>\\u{1b}[2J bad gateway".into())
        );
        assert_eq!(e(r#"{"error":"plain"}"#).0, None);
        let fields = r#"{"error":{"code":"invalid_input","message":"invalid input in field 'rules'",
            "details":{"fields":[{"name":"rules[0].port","messages":["must be empty for icmp"]},
            {"name":"rules[1].source_ips","messages":["host bits set","not a CIDR"]}]}}}"#;
        assert_eq!(
            e(fields).1,
            "invalid input in field 'rules' (rules[0].port: must be empty for icmp; \
             rules[1].source_ips: host bits set, not a CIDR)"
        );
        let hostile = format!(
            r#"{{"error":{{"code":"{}","message":"x"}}}}"#,
            "c\u{202e}".repeat(300)
        );
        let (code, _) = e(&hostile);
        let code = code.unwrap();
        assert!(
            code.chars().count() <= 201 && !code.contains('\u{202e}'),
            "{code}"
        );
    }

    #[test]
    fn rate_limit_headers_and_empty_body() {
        let mut h = HeaderMap::new();
        h.insert("ratelimit-limit", HeaderValue::from_static("3600"));
        h.insert("ratelimit-remaining", HeaderValue::from_static("3599"));
        assert_eq!(RateLimit::from_headers(&h), None);
        h.insert("ratelimit-reset", HeaderValue::from_static("1731000000"));
        let r = success(204, &h, b"").unwrap();
        assert_eq!(r.json, Value::Null);
        assert_eq!(
            r.rate_limit,
            Some(RateLimit {
                limit: 3600,
                remaining: 3599,
                reset: 1731000000
            })
        );
        assert!(matches!(
            success(200, &h, b"{no"),
            Err(ErrorKind::BadAnswer(_))
        ));
    }
}
