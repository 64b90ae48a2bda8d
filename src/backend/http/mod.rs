//! The HTTP-API backend: one client per provider API, for the controls
//! whose state lives at a provider (cloud firewalls, security groups,
//! volume metadata) rather than on a host.
//!
//! [`ApiClient`] sends an [`ApiCall`] (a path below the configured base
//! URL, never a URL of its own) with the credential as a bearer token
//! (or, through [`ApiClient::call_with`], a per-call `X-Auth-Token` or
//! none; [`otc`] is the Open Telekom Cloud token and EVS client), reads the answer within a size limit and a timeout, and retries what
//! [`retry`] says is worth retrying, within a hard cap on attempts and on
//! total time. Errors are typed ([`ApiError`]) and carry only scrubbed
//! server text. The base URL must be `https://` (plain HTTP only to a
//! loopback IP, for tests); TLS is the notifier's rustls client (ring, the
//! system's CA store, no redirects). See docs/http-backend.md.

mod answer;
pub mod cloud;
mod config;
mod error;
pub mod otc;
mod pages;
pub mod retry;
mod secret;

pub use answer::{ApiResponse, RateLimit};
pub use config::{base_url, ApiConfig, ConfigError};
pub use error::{ApiError, ErrorKind, GaveUp};
pub use pages::DEFAULT_MAX_PAGES;
pub use retry::RetryRules;
pub use secret::{Credential, Secret, MAX_TOKEN};

use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Client, Url};

use crate::contract::api::ApiCallError;
pub use crate::contract::api::{ApiCall, Method};
use answer::BodyError;

/// A client for one API.
#[derive(Debug)]
pub struct ApiClient {
    name: String,
    /// The base URL without a trailing `/`.
    base: String,
    base_url: Url,
    client: Client,
    secret: Secret,
    timeout: Duration,
    max_attempts: u32,
    max_body: usize,
    max_pages: u32,
    retry: RetryRules,
}

/// How one call is authenticated ([`ApiClient::call_with`]).
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    /// The configured credential as `Authorization: Bearer …` (what
    /// [`ApiClient::call`] sends; nothing with [`Credential::None`]).
    Bearer,
    /// No credential header. The configured secret is still redacted from
    /// error answers (it may travel in the body, as OTC's IAM password).
    NoHeader,
    /// `X-Auth-Token: <token>` (OpenStack, OTC), marked sensitive and
    /// redacted from error answers.
    XAuthToken(&'a Secret),
}

impl std::fmt::Debug for Auth<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Auth::Bearer => "Bearer",
            Auth::NoHeader => "NoHeader",
            Auth::XAuthToken(_) => "XAuthToken(<redacted>)",
        })
    }
}

/// Whether a failed attempt is worth another.
enum Again {
    No,
    /// Yes, after at least this long if the server said so.
    Yes(Option<Duration>),
    /// Only if the method is idempotent: the server may have acted.
    IfIdempotent,
}

impl ApiClient {
    /// A client for `cfg`; reads the credential now, once.
    pub fn new(cfg: &ApiConfig) -> Result<ApiClient, ConfigError> {
        let base_url = cfg.validate()?;
        let secret = Secret::load(&cfg.credential)?;
        let client = crate::notify::https_client(cfg.timeout, None)
            .map_err(|e| ConfigError::Client(e.to_string()))?;
        Ok(ApiClient {
            name: cfg.name.clone(),
            base: base_url.as_str().trim_end_matches('/').to_string(),
            base_url,
            client,
            secret,
            timeout: cfg.timeout,
            max_attempts: cfg.max_attempts,
            max_body: cfg.max_body,
            max_pages: DEFAULT_MAX_PAGES,
            retry: cfg.retry.clone(),
        })
    }

    /// Follows at most `n` pages in [`ApiClient::get_all_pages`].
    pub fn with_max_pages(mut self, n: u32) -> ApiClient {
        self.max_pages = n.max(1);
        self
    }

    /// The API's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A GET of `path`.
    pub async fn get(&self, path: &str) -> Result<ApiResponse, ApiError> {
        let call = ApiCall::get(path).map_err(|e| self.refused(path, e))?;
        self.call(&call).await
    }

    fn refused(&self, what: &str, e: ApiCallError) -> ApiError {
        ApiError {
            api: self.name.clone(),
            call: crate::notify::scrub_body(what.as_bytes(), &[]),
            attempts: 0,
            kind: ErrorKind::BadCall(e),
            gave_up: None,
        }
    }

    /// The full URL of `path`, checked to stay below the base URL.
    fn url(&self, path: &str) -> Result<Url, ApiCallError> {
        let url = Url::parse(&format!("{}{}", self.base, path))
            .map_err(|_| ApiCallError::SchemeOrHost)?;
        let b = &self.base_url;
        let base_path = b.path().trim_end_matches('/');
        if url.scheme() != b.scheme()
            || url.host_str() != b.host_str()
            || url.port_or_known_default() != b.port_or_known_default()
            || !url.path().starts_with(base_path)
        {
            return Err(ApiCallError::SchemeOrHost);
        }
        Ok(url)
    }

    /// Performs `call`, retrying as [`retry`] says.
    pub async fn call(&self, call: &ApiCall) -> Result<ApiResponse, ApiError> {
        self.call_with(call, Auth::Bearer).await.map(|(r, _)| r)
    }

    /// Performs `call` authenticated as `auth`, retrying as [`retry`]
    /// says; also returns the `X-Subject-Token` of a success answer, when
    /// the server sent one (a printable token of at most 64 KiB; another is
    /// refused as `api-bad-answer`).
    pub async fn call_with(
        &self,
        call: &ApiCall,
        auth: Auth<'_>,
    ) -> Result<(ApiResponse, Option<Secret>), ApiError> {
        let describe = crate::notify::scrub_body(call.describe.as_bytes(), &[]);
        call.validate().map_err(|e| self.refused(&describe, e))?;
        let url = self
            .url(&call.path)
            .map_err(|e| self.refused(&describe, e))?;
        let body = match &call.body {
            Some(v) => Some(serde_json::to_vec(v).map_err(|e| {
                self.refused(&describe, ApiCallError::Describe(format!("body: {e}")))
            })?),
            None => None,
        };
        let started = Instant::now();
        let budget = self.retry.budget;
        let fail = |attempts, kind, gave_up| ApiError {
            api: self.name.clone(),
            call: describe.clone(),
            attempts,
            kind,
            gave_up,
        };
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let per_try = self.timeout.min(budget.saturating_sub(started.elapsed()));
            let (kind, again) = match self
                .attempt(call.method, &url, body.as_deref(), per_try, auth)
                .await
            {
                Ok(resp) => return Ok(resp),
                Err(f) => f,
            };
            let server_wait = match again {
                Again::No => return Err(fail(attempts, kind, None)),
                Again::IfIdempotent if !call.method.is_idempotent() => {
                    return Err(fail(attempts, kind, Some(GaveUp::NotIdempotent)))
                }
                Again::IfIdempotent => None,
                Again::Yes(w) => w,
            };
            if attempts >= self.max_attempts {
                return Err(fail(attempts, kind, Some(GaveUp::Attempts)));
            }
            let wait = self
                .retry
                .wait(attempts - 1, crate::random::u64(), server_wait);
            // The next attempt needs time to be answered too.
            if started.elapsed() + wait + Duration::from_millis(50) >= budget {
                return Err(fail(attempts, kind, Some(GaveUp::Budget(budget))));
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// One request and its answer.
    async fn attempt(
        &self,
        method: Method,
        url: &Url,
        body: Option<&[u8]>,
        timeout: Duration,
        auth: Auth<'_>,
    ) -> Result<(ApiResponse, Option<Secret>), (ErrorKind, Again)> {
        let m = match method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Delete => reqwest::Method::DELETE,
        };
        let mut req = self
            .client
            .request(m, url.clone())
            .timeout(timeout)
            .header(ACCEPT, "application/json");
        match auth {
            Auth::Bearer => {
                if let Some(v) = self.secret.header() {
                    req = req.header(AUTHORIZATION, v);
                }
            }
            Auth::NoHeader => {}
            Auth::XAuthToken(t) => {
                if let Some(v) = t.raw_header() {
                    req = req.header("x-auth-token", v);
                }
            }
        }
        if let Some(b) = body {
            req = req
                .header(CONTENT_TYPE, "application/json")
                .body(b.to_vec());
        }
        let mut resp = match req.send().await {
            Ok(r) => r,
            Err(e) => return Err(transport(&e, timeout)),
        };
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = match answer::read_body(&mut resp, self.max_body).await {
            Ok(b) => b,
            Err(BodyError::TooLarge) => {
                let limit = self.max_body;
                return Err((ErrorKind::BodyTooLarge { limit }, Again::No));
            }
            Err(BodyError::Read(e)) => {
                let (kind, _) = transport(&e, timeout);
                return Err((kind, Again::IfIdempotent));
            }
        };
        if (200..300).contains(&status) {
            let resp = answer::success(status, &headers, &bytes).map_err(|k| (k, Again::No))?;
            let subject = match headers.get("x-subject-token") {
                None => None,
                Some(v) => Some(Secret::from_header(v).ok_or_else(|| {
                    let why = "the X-Subject-Token header is empty, longer than 64 KiB or not \
                               printable ASCII";
                    (ErrorKind::BadAnswer(why.into()), Again::No)
                })?),
            };
            return Ok((resp, subject));
        }
        let token = self.secret.expose();
        let bearer = format!("Bearer {token}");
        let per_call = match auth {
            Auth::XAuthToken(t) => t.expose(),
            _ => "",
        };
        let (code, message) = answer::error_of(&bytes, &[token, &bearer, per_call]);
        let again = if !self.retry.retry_answer(status, code.as_deref()) {
            Again::No
        } else if status == 504 || code.as_deref() == Some("timeout") {
            Again::IfIdempotent
        } else {
            let limited = status == 429
                || code
                    .as_deref()
                    .is_some_and(|c| c.eq_ignore_ascii_case("rate_limit_exceeded"));
            Again::Yes(retry::server_wait(&headers, limited, retry::now_unix()))
        };
        let kind = ErrorKind::Answer {
            status,
            code,
            message,
            correlation_id: answer::correlation_id(&headers),
        };
        Err((kind, again))
    }
}

/// A request that got no answer.
fn transport(e: &reqwest::Error, timeout: Duration) -> (ErrorKind, Again) {
    if let Some(tls) = crate::notify::tls_error(e) {
        return (ErrorKind::Transport(format!("TLS: {tls}")), Again::No);
    }
    if e.is_timeout() {
        return (ErrorKind::Timeout(timeout), Again::IfIdempotent);
    }
    let text = crate::notify::scrub_body(crate::notify::describe_error(e).as_bytes(), &[]);
    if e.is_connect() {
        (ErrorKind::Transport(text), Again::Yes(None))
    } else {
        (ErrorKind::Transport(text), Again::IfIdempotent)
    }
}
