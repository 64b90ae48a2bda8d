//! The settings of one API client and their checks: the base URL must be
//! `https://` (plain `http://` only to a loopback IP literal, for tests),
//! without user, query or fragment; the limits are bounded.

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::Url;

use super::retry::RetryRules;
use super::secret::Credential;

/// The settings of one API client.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// The API's name in messages ("hcloud", "otc-vpc").
    pub name: String,
    /// The URL every call's path is appended to
    /// (`https://api.hetzner.cloud/v1`).
    pub base_url: String,
    /// Where the token comes from.
    pub credential: Credential,
    /// The longest one attempt may take, answer body included.
    pub timeout: Duration,
    /// The most attempts of one call (1 = no retry).
    pub max_attempts: u32,
    /// The largest response body read, in bytes; a larger one is refused.
    pub max_body: usize,
    /// When and how long to wait before another attempt.
    pub retry: RetryRules,
}

/// Limits on the settings.
pub const MAX_ATTEMPTS: u32 = 10;
/// The largest `max_body` accepted.
pub const MAX_BODY_LIMIT: usize = 64 * 1024 * 1024;
/// The longest `timeout` accepted.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(300);

impl ApiConfig {
    /// Settings with the defaults: 30 s per attempt, 5 attempts, 8 MiB
    /// bodies, [`RetryRules::default`].
    pub fn new(name: &str, base_url: &str, credential: Credential) -> ApiConfig {
        ApiConfig {
            name: name.to_string(),
            base_url: base_url.to_string(),
            credential,
            timeout: Duration::from_secs(30),
            max_attempts: 5,
            max_body: 8 * 1024 * 1024,
            retry: RetryRules::default(),
        }
    }

    /// Checks the settings; the base URL, parsed, without a trailing `/`.
    pub fn validate(&self) -> Result<Url, ConfigError> {
        let bad = |why: String| ConfigError::Setting {
            api: self.name.clone(),
            why,
        };
        if self.name.is_empty()
            || self.name.len() > 64
            || !self
                .name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(ConfigError::Setting {
                api: "?".into(),
                why: "the API name must be 1-64 letters, digits, '-' or '_'".into(),
            });
        }
        if let Credential::BearerFromEnv(var) = &self.credential {
            if var.is_empty() || !var.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(bad(
                    "the credential's environment variable name must be letters, digits or '_'"
                        .into(),
                ));
            }
        }
        if self.max_attempts == 0 || self.max_attempts > MAX_ATTEMPTS {
            return Err(bad(format!("max_attempts must be 1 to {MAX_ATTEMPTS}")));
        }
        if self.max_body == 0 || self.max_body > MAX_BODY_LIMIT {
            return Err(bad(format!("max_body must be 1 to {MAX_BODY_LIMIT} bytes")));
        }
        if self.timeout.is_zero() || self.timeout > MAX_TIMEOUT {
            return Err(bad(format!(
                "timeout must be above 0 and at most {}s",
                MAX_TIMEOUT.as_secs()
            )));
        }
        self.retry.validate().map_err(bad)?;
        base_url(&self.name, &self.base_url)
    }
}

/// Checks a base URL.
pub fn base_url(api: &str, raw: &str) -> Result<Url, ConfigError> {
    let bad = |why: &str| ConfigError::BaseUrl {
        api: api.to_string(),
        url: crate::notify::scrub_body(raw.as_bytes(), &[]),
        why: why.to_string(),
    };
    // The URL parser silently drops tabs and line breaks: refuse them first.
    if raw.len() > 512 || !raw.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad(
            "it must be at most 512 printable ASCII characters (no space or control character)",
        ));
    }
    let url = Url::parse(raw).map_err(|_| bad("it is not a URL"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("it may not contain a user or password"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("it may not contain a query or fragment"));
    }
    // Only an IP literal counts as loopback: a name could resolve anywhere.
    let loopback = match url.host_str() {
        Some(h) => h
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => return Err(bad("it has no host")),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(bad(
                "it must start with https:// (http:// is only allowed to a loopback IP address \
                 such as 127.0.0.1, for tests)",
            ))
        }
        _ => return Err(bad("it must start with https://")),
    }
    let trimmed = url.as_str().trim_end_matches('/').to_string();
    Url::parse(&trimmed).map_err(|_| bad("it is not a URL"))
}

/// Why an API client could not be set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// The base URL is refused.
    BaseUrl {
        /// The API.
        api: String,
        /// The URL as given (scrubbed).
        url: String,
        /// Why.
        why: String,
    },
    /// Another setting is out of range.
    Setting {
        /// The API.
        api: String,
        /// Why.
        why: String,
    },
    /// The credential file is unsafe or unreadable.
    CredentialFile {
        /// The file.
        path: PathBuf,
        /// Why, and the fix.
        why: String,
    },
    /// The credential's value is unusable (the value is never shown).
    BadCredential {
        /// `$VAR` or the file.
        from: String,
        /// Why.
        why: String,
    },
    /// The HTTP client could not be built.
    Client(String),
}

impl ConfigError {
    /// The stable diagnostic code.
    pub fn code(&self) -> &'static str {
        match self {
            ConfigError::BaseUrl { .. } => "api-base-url",
            ConfigError::Setting { .. } => "api-setting",
            ConfigError::CredentialFile { .. } => "api-credential-file",
            ConfigError::BadCredential { .. } => "api-credential",
            ConfigError::Client(_) => "api-client",
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.code())?;
        match self {
            ConfigError::BaseUrl { api, url, why } => {
                write!(f, "API {api}: base URL {url:?} is refused: {why}")
            }
            ConfigError::Setting { api, why } => write!(f, "API {api}: {why}"),
            ConfigError::CredentialFile { path, why } => {
                write!(f, "credential file {} is refused: {why}", path.display())
            }
            ConfigError::BadCredential { from, why } => {
                write!(f, "the credential in {from} cannot be used: {why}")
            }
            ConfigError::Client(e) => write!(f, "cannot set up the HTTPS client: {e}"),
        }
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(url: &str) -> Result<String, &'static str> {
        base_url("t", url)
            .map(|u| u.to_string())
            .map_err(|e| e.code())
    }

    #[test]
    fn https_or_loopback_http_only() {
        assert_eq!(
            code("https://api.hetzner.cloud/v1/").as_deref(),
            Ok("https://api.hetzner.cloud/v1")
        );
        assert!(code("http://127.0.0.1:8080").is_ok());
        assert!(code("http://127.9.9.9:1/api").is_ok());
        assert!(code("http://[::1]:8080/v1").is_ok());
        for bad in [
            "http://api.hetzner.cloud/v1",
            "http://localhost:8080",
            "http://10.0.0.1",
            "http://[::ffff:10.0.0.1]/",
            "ftp://127.0.0.1/",
            "file:///etc/passwd",
            "https://user:pw@api.example/",
            "https://api.example/?x=1",
            "https://api.example/#f",
            "https://api.example/v1\n",
            "https://api.\texample/v1",
            "api.example/v1",
            "",
        ] {
            assert_eq!(code(bad), Err("api-base-url"), "{bad:?}");
        }
        let e = base_url("hcloud", "http://api.example").unwrap_err();
        assert!(e.to_string().contains("https://"), "{e}");
        assert!(e.to_string().contains("hcloud"), "{e}");
    }

    #[test]
    fn settings_bounded() {
        let ok = ApiConfig::new(
            "hcloud",
            "https://api.example",
            Credential::BearerFromEnv("HCLOUD_TOKEN".into()),
        );
        assert!(ok.validate().is_ok());
        let mut c = ok.clone();
        c.max_attempts = 0;
        assert_eq!(c.validate().unwrap_err().code(), "api-setting");
        let mut c = ok.clone();
        c.max_body = MAX_BODY_LIMIT + 1;
        assert!(c.validate().is_err());
        let mut c = ok.clone();
        c.timeout = Duration::ZERO;
        assert!(c.validate().is_err());
        let mut c = ok.clone();
        c.name = "a b".into();
        assert!(c.validate().is_err());
        let mut c = ok;
        c.credential = Credential::BearerFromEnv("X=Y".into());
        assert!(c.validate().is_err());
    }
}
