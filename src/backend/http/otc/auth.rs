//! The IAM token: `POST {iam}/v3/auth/tokens?nocatalog=true` with the
//! password method (user in a domain) and a project scope (by name or id).
//! The token is the `X-Subject-Token` header of the 201 answer; its expiry
//! is `token.expires_at`, its project `token.project.id`. The token is
//! cached and renewed when less than `renew_before` (5 min) is left, and
//! once more when a call is answered 401 (revoked, password changed).
//!
//! The password is the IAM client's credential ([`Credential`]: an
//! environment variable or a private file, printable ASCII without
//! spaces); it travels only in the token request's body and is redacted
//! from IAM's error answers. Neither it nor the token is in any error or
//! `Debug` output. Not covered: the serialised request body and the HTTP
//! stack's copies are freed, not zeroed.
//!
//! [`Credential`]: crate::backend::http::Credential

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

use super::error::OtcError;
use super::ids;
use crate::backend::http::{ApiCall, ApiClient, ApiConfig, ApiResponse, Auth, Method, Secret};

/// Renew a token when less than this is left.
pub const DEFAULT_RENEW_BEFORE: Duration = Duration::from_secs(300);

/// The project a token is scoped to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Project {
    /// By name (`eu-de`, `eu-de_<subproject>`).
    Name(String),
    /// By id (32 hex digits).
    Id(String),
}

/// How to get a token.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// The IAM endpoint (`https://iam.eu-de.otc.t-systems.com`); its
    /// credential is the user's password.
    pub iam: ApiConfig,
    /// The IAM user name.
    pub user: String,
    /// The user's domain (account) name (`OTC-EU-DE-00000000001000000000`).
    pub domain: String,
    /// The project scope.
    pub project: Project,
    /// Renew the token when less than this is left (at most 12 h).
    pub renew_before: Duration,
}

impl AuthSettings {
    /// Settings with [`DEFAULT_RENEW_BEFORE`].
    pub fn new(iam: ApiConfig, user: &str, domain: &str, project: Project) -> AuthSettings {
        AuthSettings {
            iam,
            user: user.to_string(),
            domain: domain.to_string(),
            project,
            renew_before: DEFAULT_RENEW_BEFORE,
        }
    }

    fn validate(&self) -> Result<(), OtcError> {
        let bad = |what: &str, why: String| OtcError::Setting(format!("the {what} {why}"));
        for (what, v) in [("user", &self.user), ("domain", &self.domain)] {
            if v.trim().is_empty() {
                return Err(bad(what, "is empty".into()));
            }
            ids::text_ok(v, 64).map_err(|w| bad(what, w))?;
        }
        let (Project::Name(p) | Project::Id(p)) = &self.project;
        if !ids::is_project(p) {
            return Err(bad(
                "project",
                format!(
                    "{:?} must be 1-64 letters, digits, '_', '-' or '.'",
                    ids::shown(p)
                ),
            ));
        }
        if self.renew_before > Duration::from_secs(12 * 3600) {
            return Err(bad("renewal margin", "must be at most 12 hours".into()));
        }
        Ok(())
    }
}

/// An issued token.
pub struct Token {
    secret: Secret,
    /// When it expires (Unix seconds, from `token.expires_at`).
    pub expires_at: u64,
    /// The project it is scoped to (`token.project.id`).
    pub project_id: String,
    /// Issued and not yet handed to a call.
    unused: AtomicBool,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("secret", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("project_id", &self.project_id)
            .finish()
    }
}

/// Project-scoped IAM tokens for the OTC API clients.
pub struct OtcAuth {
    iam: ApiClient,
    settings: AuthSettings,
    token: Mutex<Option<Arc<Token>>>,
    issued: AtomicU32,
}

impl fmt::Debug for OtcAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtcAuth")
            .field("iam", &self.iam)
            .field("user", &self.settings.user)
            .field("project", &self.settings.project)
            .finish_non_exhaustive()
    }
}

impl OtcAuth {
    /// Checks the settings and reads the password (once); asks for no
    /// token yet.
    pub fn new(settings: &AuthSettings) -> Result<OtcAuth, OtcError> {
        settings.validate()?;
        let iam = ApiClient::new(&settings.iam).map_err(OtcError::Config)?;
        if iam.secret.expose().is_empty() {
            return Err(OtcError::Setting(
                "the IAM client needs the password as its credential".into(),
            ));
        }
        Ok(OtcAuth {
            iam,
            settings: settings.clone(),
            token: Mutex::new(None),
            issued: AtomicU32::new(0),
        })
    }

    /// How many tokens were issued so far.
    pub fn tokens_issued(&self) -> u32 {
        self.issued.load(Ordering::Relaxed)
    }

    /// The current token, renewed first when less than `renew_before` is
    /// left. A token just issued serves at least one call, even when it is
    /// short-lived (no renewal loop on a token shorter than the margin).
    pub async fn token(&self) -> Result<Arc<Token>, OtcError> {
        let now = crate::timefmt::now();
        let margin = self.settings.renew_before.as_secs();
        if let Some(t) = self.cached() {
            if t.unused.swap(false, Ordering::Relaxed) || t.expires_at > now.saturating_add(margin)
            {
                return Ok(t);
            }
        }
        let t = self.issue().await?;
        t.unused.store(false, Ordering::Relaxed);
        Ok(t)
    }

    /// The project id of the token's scope (the cached token's, even when
    /// it is due for renewal: the scope does not change).
    pub async fn project_id(&self) -> Result<String, OtcError> {
        if let Some(t) = self.cached() {
            return Ok(t.project_id.clone());
        }
        Ok(self.issue().await?.project_id.clone())
    }

    fn cached(&self) -> Option<Arc<Token>> {
        self.token.lock().ok().and_then(|g| g.clone())
    }

    /// Performs `call` on `api` (an OTC service's client, configured with
    /// [`Credential::None`](crate::backend::http::Credential::None)) with
    /// the token as `X-Auth-Token`. A 401 gets one new token and one more
    /// try; a second 401 is the error.
    pub async fn call(&self, api: &ApiClient, call: &ApiCall) -> Result<ApiResponse, OtcError> {
        let t = self.token().await?;
        match api.call_with(call, Auth::XAuthToken(&t.secret)).await {
            Ok((r, _)) => Ok(r),
            Err(e) if e.status() == Some(401) => {
                let fresh = self.issue().await?;
                let (r, _) = api.call_with(call, Auth::XAuthToken(&fresh.secret)).await?;
                Ok(r)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Asks IAM for a new token and caches it.
    async fn issue(&self) -> Result<Arc<Token>, OtcError> {
        let s = &self.settings;
        let scope = match &s.project {
            Project::Name(n) => json!({"project": {"name": n}}),
            Project::Id(i) => json!({"project": {"id": i}}),
        };
        let body = json!({"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": s.user,
                "password": self.iam.secret.expose(),
                "domain": {"name": s.domain},
            }}},
            "scope": scope,
        }});
        let call = ApiCall::new(
            Method::Post,
            "/v3/auth/tokens?nocatalog=true",
            Some(body),
            "get a project token",
        )
        .map_err(|e| OtcError::Setting(e.to_string()))?;
        let (resp, subject) = self.iam.call_with(&call, Auth::NoHeader).await?;
        drop(call);
        let secret = subject.ok_or_else(|| {
            OtcError::Token(format!(
                "HTTP {} without an X-Subject-Token header",
                resp.status
            ))
        })?;
        let (expires_at, project_id) = parse_token_body(&resp.json)?;
        if let Project::Id(want) = &s.project {
            if !want.eq_ignore_ascii_case(&project_id) {
                return Err(OtcError::Token(format!(
                    "the token is scoped to project {project_id}, not {want}"
                )));
            }
        }
        let t = Arc::new(Token {
            secret,
            expires_at,
            project_id,
            unused: AtomicBool::new(true),
        });
        if let Ok(mut g) = self.token.lock() {
            *g = Some(t.clone());
        }
        self.issued.fetch_add(1, Ordering::Relaxed);
        Ok(t)
    }
}

/// `token.expires_at` (Unix seconds) and `token.project.id` of an IAM
/// answer.
pub(crate) fn parse_token_body(v: &Value) -> Result<(u64, String), OtcError> {
    let bad = |why: &str| OtcError::Token(why.to_string());
    let expires = v
        .pointer("/token/expires_at")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("the answer has no token.expires_at"))?;
    let expires_at = parse_expires(expires).ok_or_else(|| {
        OtcError::Token(format!(
            "token.expires_at {:?} is not a UTC time like 2026-12-02T04:00:00.000000Z",
            ids::shown(expires)
        ))
    })?;
    let project = v
        .pointer("/token/project/id")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("the answer has no token.project.id (is the scope a project?)"))?;
    if !ids::is_project(project) {
        return Err(OtcError::Token(format!(
            "token.project.id {:?} is not a project id",
            ids::shown(project)
        )));
    }
    Ok((expires_at, project.to_string()))
}

/// `2026-12-02T04:00:00.000000Z` (fraction optional, at most 9 digits).
fn parse_expires(s: &str) -> Option<u64> {
    let (secs, rest) = (s.get(..19)?, s.get(19..)?);
    let frac = rest.strip_suffix('Z')?;
    if !frac.is_empty() {
        let digits = frac.strip_prefix('.')?;
        if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    crate::timefmt::parse_rfc3339(&format!("{secs}Z"))
}

#[cfg(test)]
#[path = "auth_tests.rs"]
mod tests;
