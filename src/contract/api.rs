//! What a provider-scoped control asks an HTTP API to do: plain data, no
//! client. A control's plan holds [`ApiCall`]s; the HTTP backend
//! (`crate::backend::http`) performs them.
//!
//! The path of a call is checked when the call is made ([`ApiCall::new`])
//! and again by the backend before it is sent: it is a path *below* the
//! API's base URL, never a URL of its own. It starts with `/`, holds only
//! printable ASCII (no control character, no space, no `\`, no `#`), no
//! `..` or `%2e` (which a URL parser turns into `..`), no `//` at the start
//! and no `://` (either would name another host), and is at most
//! [`MAX_PATH`] bytes long. A query string (`?page=2&name=x`) is allowed.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

/// The longest path accepted, query included.
pub const MAX_PATH: usize = 2048;

/// The longest description accepted.
pub const MAX_DESCRIBE: usize = 200;

/// The HTTP methods a control may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// Read.
    Get,
    /// Create, or run an action.
    Post,
    /// Replace or update.
    Put,
    /// Remove.
    Delete,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }

    /// True for methods that may be sent twice with the same effect as once
    /// (a POST may create a second object or run an action twice).
    pub fn is_idempotent(self) -> bool {
        !matches!(self, Method::Post)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which of a provider's APIs a call or probe goes to. A provider has
/// one client per service (Open Telekom Cloud: VPC, EVS, ECS, each at its
/// own endpoint); `None` on a call is the only API of a single-API
/// provider (Hetzner Cloud) or of a test client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Service {
    /// Hetzner Cloud (`https://api.hetzner.cloud/v1`).
    Hcloud,
    /// Open Telekom Cloud VPC: Neutron security groups and ports.
    OtcVpc,
    /// Open Telekom Cloud Elastic Volume Service.
    OtcEvs,
    /// Open Telekom Cloud Elastic Cloud Server (Nova).
    OtcEcs,
    /// Open Telekom Cloud Key Management Service (`/v1.0/{project_id}/kms/…`).
    OtcKms,
}

impl Service {
    /// The service's name in messages and settings.
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Hcloud => "hcloud",
            Service::OtcVpc => "otc-vpc",
            Service::OtcEvs => "otc-evs",
            Service::OtcEcs => "otc-ecs",
            Service::OtcKms => "otc-kms",
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The reads an API documents as a POST (KMS's `describe-key` takes the
/// key id in a JSON body): the only POSTs a probe may send. Each is
/// `(service, path suffix)`; the path is matched without its query.
pub const POST_READS: &[(Service, &str)] = &[(Service::OtcKms, "/kms/describe-key")];

/// True when a POST of `path` on `service` is one of the [`POST_READS`]:
/// a read that changes nothing, allowed on the read-only path.
pub fn is_post_read(service: Option<Service>, path: &str) -> bool {
    let base = path.split_once('?').map_or(path, |(b, _)| b);
    POST_READS
        .iter()
        .any(|(s, suffix)| service == Some(*s) && base.ends_with(suffix))
}

/// The placeholder an OTC path holds for the token's project id
/// (`/v2/{project_id}/cloudvolumes/detail`); the OTC backend fills it in.
pub const PROJECT_ID: &str = "{project_id}";

/// One request to an API (serialised as is in JSON reports).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiCall {
    /// The provider API it goes to (`None`: the client's only one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<Service>,
    /// The method.
    pub method: Method,
    /// The path below the base URL, query included (see the module doc).
    pub path: String,
    /// The JSON body, if any (never with GET).
    pub body: Option<Value>,
    /// What the call does, for the plan and for error messages
    /// ("set the rules of firewall web-1").
    pub describe: String,
}

impl ApiCall {
    /// A checked call.
    pub fn new(
        method: Method,
        path: impl Into<String>,
        body: Option<Value>,
        describe: impl Into<String>,
    ) -> Result<ApiCall, ApiCallError> {
        let call = ApiCall {
            service: None,
            method,
            path: path.into(),
            body,
            describe: describe.into(),
        };
        call.validate()?;
        Ok(call)
    }

    /// A checked GET of `path`, described as `GET <path>`.
    pub fn get(path: impl Into<String>) -> Result<ApiCall, ApiCallError> {
        let path = path.into();
        check_path(&path)?;
        let describe = format!("GET {path}");
        ApiCall::new(Method::Get, path, None, describe)
    }

    /// The same call, sent to `service`.
    pub fn on(mut self, service: Service) -> ApiCall {
        self.service = Some(service);
        self
    }

    /// Checks every field (the fields are public, so the backend checks
    /// again before sending).
    pub fn validate(&self) -> Result<(), ApiCallError> {
        check_path(&self.path)?;
        if self.method == Method::Get && self.body.is_some() {
            return Err(ApiCallError::BodyOnGet);
        }
        let d = &self.describe;
        if d.trim().is_empty() {
            return Err(ApiCallError::Describe("it is empty".into()));
        }
        if d.chars().count() > MAX_DESCRIBE {
            return Err(ApiCallError::Describe(format!(
                "it is longer than {MAX_DESCRIBE} characters"
            )));
        }
        if let Some((i, c)) = crate::inventory::text::first_bad(d) {
            let name = crate::inventory::text::bad_char(c).unwrap_or("control character");
            return Err(ApiCallError::Describe(format!(
                "it contains a {name} at character {i}"
            )));
        }
        Ok(())
    }
}

impl fmt::Display for ApiCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe)
    }
}

/// Why a call was refused before anything was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiCallError {
    /// The path does not start with `/`.
    NotAbsolute,
    /// Longer than [`MAX_PATH`] bytes.
    TooLong {
        /// Its length.
        len: usize,
    },
    /// A control, line-separator or bidi character.
    ControlChar {
        /// Its character index.
        at: usize,
        /// Its name.
        name: &'static str,
    },
    /// A space, non-ASCII character, `\` or `#`.
    BadChar {
        /// Its character index.
        at: usize,
    },
    /// `..` or `%2e`: a path that climbs out of the base URL.
    DotDot,
    /// `//` at the start or `://` anywhere: another host or scheme.
    SchemeOrHost,
    /// A GET with a body.
    BodyOnGet,
    /// The description is unusable.
    Describe(String),
}

impl ApiCallError {
    /// The stable diagnostic code.
    pub fn code(&self) -> &'static str {
        match self {
            ApiCallError::Describe(_) => "api-call-describe",
            ApiCallError::BodyOnGet => "api-call-body",
            _ => "api-call-path",
        }
    }
}

impl fmt::Display for ApiCallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.code())?;
        match self {
            ApiCallError::NotAbsolute => f.write_str("an API path must start with '/'"),
            ApiCallError::TooLong { len } => {
                write!(f, "an API path is {len} bytes long, more than {MAX_PATH}")
            }
            ApiCallError::ControlChar { at, name } => {
                write!(f, "an API path contains a {name} at character {at}")
            }
            ApiCallError::BadChar { at } => write!(
                f,
                "an API path may hold printable ASCII only (no space, '\\' or '#'); \
                 character {at} is not"
            ),
            ApiCallError::DotDot => {
                f.write_str("an API path may not contain '..' or '%2e' (it would leave the API)")
            }
            ApiCallError::SchemeOrHost => f.write_str(
                "an API path may not start with '//' or contain '://' (it would name another host)",
            ),
            ApiCallError::BodyOnGet => f.write_str("a GET call may not carry a body"),
            ApiCallError::Describe(why) => write!(f, "the call's description is refused: {why}"),
        }
    }
}

impl std::error::Error for ApiCallError {}

/// Checks an API path (see the module doc).
pub fn check_path(path: &str) -> Result<(), ApiCallError> {
    if path.len() > MAX_PATH {
        return Err(ApiCallError::TooLong { len: path.len() });
    }
    if !path.starts_with('/') {
        return Err(ApiCallError::NotAbsolute);
    }
    for (at, c) in path.chars().enumerate() {
        if let Some(name) = crate::inventory::text::bad_char(c) {
            return Err(ApiCallError::ControlChar { at, name });
        }
        if !c.is_ascii_graphic() || c == '\\' || c == '#' {
            return Err(ApiCallError::BadChar { at });
        }
    }
    if path.starts_with("//") || path.contains("://") {
        return Err(ApiCallError::SchemeOrHost);
    }
    if path.contains("..") || path.to_ascii_lowercase().contains("%2e") {
        return Err(ApiCallError::DotDot);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_kms_describe_key_is_a_post_read() {
        let d = "/v1.0/{project_id}/kms/describe-key";
        assert!(is_post_read(Some(Service::OtcKms), d));
        assert!(is_post_read(Some(Service::OtcKms), &format!("{d}?x=1")));
        assert!(!is_post_read(Some(Service::OtcEvs), d));
        assert!(!is_post_read(None, d));
        assert!(!is_post_read(
            Some(Service::OtcKms),
            "/v1.0/p/kms/create-key"
        ));
        assert!(!is_post_read(
            Some(Service::OtcKms),
            "/v1.0/p/kms/describe-key/x"
        ));
        assert_eq!(Service::OtcKms.as_str(), "otc-kms");
    }
    use serde_json::json;

    #[test]
    fn good_paths_pass() {
        for p in [
            "/firewalls",
            "/firewalls/42/actions/set_rules",
            "/firewalls?name=web-1&label_selector=env=prod&page=2",
            "/v2.0/security-group-rules?security_group_id=ab-12",
            "/",
        ] {
            assert_eq!(check_path(p), Ok(()), "{p}");
        }
    }

    #[test]
    fn hostile_paths_refused_with_their_reason() {
        let cases: &[(&str, ApiCallError)] = &[
            ("", ApiCallError::NotAbsolute),
            ("firewalls", ApiCallError::NotAbsolute),
            ("https://evil.example/x", ApiCallError::NotAbsolute),
            ("//evil.example/x", ApiCallError::SchemeOrHost),
            ("/x?u=https://evil.example", ApiCallError::SchemeOrHost),
            ("/a/../b", ApiCallError::DotDot),
            ("/a/%2E%2e/b", ApiCallError::DotDot),
            ("/a/..", ApiCallError::DotDot),
            ("/a\\b", ApiCallError::BadChar { at: 2 }),
            ("/a b", ApiCallError::BadChar { at: 2 }),
            ("/a#frag", ApiCallError::BadChar { at: 2 }),
            ("/café", ApiCallError::BadChar { at: 4 }),
            (
                "/a\r\nHost: x",
                ApiCallError::ControlChar {
                    at: 2,
                    name: "carriage return",
                },
            ),
            (
                "/\u{202e}",
                ApiCallError::ControlChar {
                    at: 1,
                    name: "bidirectional override",
                },
            ),
        ];
        for (p, want) in cases {
            assert_eq!(check_path(p).as_ref(), Err(want), "{p:?}");
        }
        let long = format!("/{}", "a".repeat(MAX_PATH));
        assert_eq!(
            check_path(&long),
            Err(ApiCallError::TooLong { len: MAX_PATH + 1 })
        );
        assert_eq!(check_path(&long[..MAX_PATH]), Ok(()));
    }

    #[test]
    fn call_checks_body_and_description() {
        let c = ApiCall::get("/firewalls").unwrap();
        assert_eq!(c.describe, "GET /firewalls");
        assert_eq!(c.method, Method::Get);
        let e = ApiCall::new(Method::Get, "/x", Some(json!({})), "read x").unwrap_err();
        assert_eq!(e, ApiCallError::BodyOnGet);
        assert!(ApiCall::new(Method::Post, "/x", Some(json!({})), "make x").is_ok());
        let e = ApiCall::new(Method::Delete, "/x", None, "rm\nx").unwrap_err();
        assert!(e.to_string().contains("line feed"), "{e}");
        assert_eq!(e.code(), "api-call-describe");
        assert!(ApiCall::new(Method::Put, "/x", None, " ").is_err());
        assert!(ApiCall::new(Method::Put, "/x", None, "d".repeat(MAX_DESCRIBE + 1)).is_err());
        let e = ApiCall::new(Method::Put, "x", None, "d").unwrap_err();
        assert!(e.to_string().starts_with("api-call-path: "), "{e}");
        assert!(!Method::Post.is_idempotent() && Method::Put.is_idempotent());
        let c = ApiCall::new(Method::Post, "/f", Some(json!({"a": 1})), "make f").unwrap();
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            json!({"method": "POST", "path": "/f", "body": {"a": 1}, "describe": "make f"})
        );
    }
}
