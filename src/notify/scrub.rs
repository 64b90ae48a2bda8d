//! Making a receiver's error body safe to print and keep.
//!
//! A webhook receiver that rejects a request often says why in its body,
//! and some echo the request back, `Authorization` header included. harden
//! shows the start of that body in its error message (stderr, the flush
//! report), so the body is never used verbatim: every secret the request
//! carried (the bearer token, the whole `Authorization` value, the URL's
//! path and query, which Slack-style webhooks use as a secret) is replaced
//! by a placeholder *before* the text is cut, the result is one line with
//! control and bidi/line-separator characters escaped, at most
//! [`MAX_CHARS`] characters long.
//!
//! What this cannot catch: a receiver that echoes a secret transformed
//! (base64, percent- or JSON-escaped beyond `\/`). Such a receiver leaks
//! the token to whoever reads its own logs anyway.

/// The most characters of a body that reach a message.
pub const MAX_CHARS: usize = 200;

/// The most bytes of a body harden reads: enough that a secret straddling
/// the [`MAX_CHARS`] cut is still seen whole, and removed, before the cut.
pub const READ_LIMIT: usize = 8 * 1024;

/// The replacement for a removed secret.
pub const REDACTED: &str = "<redacted>";

/// Every value a request carries that must not be shown: the whole
/// `Authorization` value, the bare token, and the URL's path and query.
pub fn secrets<'a>(
    auth: Option<&'a reqwest::header::HeaderValue>,
    url: &'a reqwest::Url,
) -> Vec<&'a str> {
    let mut out = Vec::new();
    if let Some(v) = auth.and_then(|v| v.to_str().ok()) {
        out.push(v);
        out.push(v.strip_prefix("Bearer ").unwrap_or(v));
    }
    if url.path() != "/" {
        out.push(url.path());
    }
    if let Some(q) = url.query() {
        out.push(q);
    }
    out
}

/// `body` (at most [`READ_LIMIT`] bytes are looked at) as one safe line:
/// each of `secrets` (empty ones ignored) removed, control characters
/// escaped, cut to [`MAX_CHARS`] characters (escapes counted as
/// printed) with `…` when longer.
pub fn scrub_body(body: &[u8], secrets: &[&str]) -> String {
    let body = &body[..body.len().min(READ_LIMIT)];
    let mut text = String::from_utf8_lossy(body).into_owned();
    // Longest first, so a secret that contains another is removed whole.
    let mut secrets: Vec<&str> = secrets.iter().copied().filter(|s| s.len() >= 4).collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for s in secrets {
        text = text.replace(s, REDACTED);
        // JSON echo of a value with '/' in it.
        if s.contains('/') {
            text = text.replace(&s.replace('/', "\\/"), REDACTED);
        }
    }
    let mut out = String::new();
    let mut count = 0usize;
    let mut chars = text.trim().chars().peekable();
    while let Some(c) = chars.next() {
        let piece: String = if needs_escape(c) {
            c.escape_default().collect()
        } else {
            c.to_string()
        };
        let len = piece.chars().count();
        if count + len > MAX_CHARS {
            out.push('…');
            break;
        }
        out.push_str(&piece);
        count += len;
        if count == MAX_CHARS && chars.peek().is_some() {
            out.push('…');
            break;
        }
    }
    out
}

/// Control characters, line and paragraph separators, the characters that
/// reorder text on a terminal and the byte-order mark: the inventory's own
/// list of refused characters.
fn needs_escape(c: char) -> bool {
    crate::inventory::text::bad_char(c).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_removed_before_the_cut() {
        let token = "tok-0123456789abcdef";
        // The token straddles the 200-character cut.
        let body = format!("{}Bearer {token} rest", "x".repeat(195));
        let out = scrub_body(body.as_bytes(), &[token, &format!("Bearer {token}")]);
        assert!(!out.contains("tok-0123"), "{out}");
        assert!(!out.contains("tok"), "{out}");
        assert_eq!(out.chars().count(), MAX_CHARS + 1, "{out}");
        assert!(out.ends_with('…'));
    }

    #[test]
    fn one_line_with_escapes() {
        let out = scrub_body(b"bad\nrequest\r\x1b[31m\tred\xff \xe2\x80\xae", &[]);
        assert_eq!(out, "bad\\nrequest\\r\\u{1b}[31m\\tred\u{fffd} \\u{202e}");
        assert!(!out.chars().any(needs_escape));
    }

    #[test]
    fn json_escaped_secret_and_short_body() {
        let out = scrub_body(
            br#"{"path":"\/services\/T0\/SECRET"}"#,
            &["/services/T0/SECRET"],
        );
        assert_eq!(out, r#"{"path":"<redacted>"}"#);
        assert_eq!(scrub_body(b"  no  ", &[""]), "no");
    }

    #[test]
    fn request_secrets_include_token_and_url_path_and_query() {
        let url = reqwest::Url::parse("https://h.example/services/T0/SECRET?k=v1").unwrap();
        let auth = reqwest::header::HeaderValue::from_static("Bearer abcd1234");
        let s = secrets(Some(&auth), &url);
        assert_eq!(
            s,
            ["Bearer abcd1234", "abcd1234", "/services/T0/SECRET", "k=v1"]
        );
        let echoed = "got Bearer abcd1234 on /services/T0/SECRET?k=v1";
        assert_eq!(
            scrub_body(echoed.as_bytes(), &s),
            "got <redacted> on <redacted>?<redacted>"
        );
        let root = reqwest::Url::parse("https://h.example/").unwrap();
        assert!(secrets(None, &root).is_empty());
    }
}
