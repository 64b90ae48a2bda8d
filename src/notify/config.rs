//! The inventory's `[report]` table: where and how events are reported.
//!
//! Only settings live here; the bearer token is read from the environment
//! variable named by `token_env`, so it is never in the inventory, in git or
//! in a log. The webhook must be HTTPS: management reports contain personal
//! data (who accessed which system) and are Art. 32 transfer-controlled.
//! Plain `http://` is accepted only for a loopback address, for local tests.

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use reqwest::Url;
use serde::Deserialize;

/// `[report]` in the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportConfig {
    /// The receiver, `https://…` (or `http://` on 127.0.0.0/8 or `[::1]`).
    pub webhook_url: String,
    /// Name of the environment variable holding the bearer token.
    #[serde(default = "default_token_env")]
    pub token_env: String,
    /// Time limit of one delivery attempt, seconds (1–300).
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
    /// Further attempts after the first fails transiently (0–10).
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// PEM file with the CA certificate(s) to trust *instead of* the system
    /// roots; relative to the inventory's directory.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Directory for undelivered events; relative to the inventory's
    /// directory; default `.harden/outbox`.
    #[serde(default)]
    pub outbox: Option<PathBuf>,
}

/// The default of `token_env`.
pub const DEFAULT_TOKEN_ENV: &str = "HARDEN_WEBHOOK_TOKEN";

fn default_token_env() -> String {
    DEFAULT_TOKEN_ENV.to_string()
}

fn default_timeout_secs() -> u64 {
    10
}

fn default_retries() -> u32 {
    3
}

/// A `[report]` setting that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The key, e.g. `webhook_url`.
    pub key: &'static str,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[report] {}: {}", self.key, self.message)
    }
}

impl std::error::Error for ConfigError {}

impl ReportConfig {
    /// A configuration with every default, for `webhook_url`.
    pub fn new(webhook_url: impl Into<String>) -> ReportConfig {
        ReportConfig {
            webhook_url: webhook_url.into(),
            token_env: default_token_env(),
            timeout_secs: default_timeout_secs(),
            retries: default_retries(),
            ca_file: None,
            outbox: None,
        }
    }

    /// Checks every setting and returns the parsed webhook URL.
    pub fn validate(&self) -> Result<Url, ConfigError> {
        let err = |key, message: String| ConfigError { key, message };
        let url = Url::parse(&self.webhook_url)
            .map_err(|e| err("webhook_url", format!("not a URL: {e}")))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(err(
                "webhook_url",
                "must not contain credentials; put the token in the variable named by \
                 token_env"
                    .into(),
            ));
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => {
                return Err(err(
                    "webhook_url",
                    format!(
                        "{} is plain http://, which is only allowed on a loopback address \
                         (127.0.0.0/8, [::1]) for tests; use https://",
                        redact(&url)
                    ),
                ))
            }
            other => {
                return Err(err(
                    "webhook_url",
                    format!("scheme {other}:// is not supported; use https://"),
                ))
            }
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(err("webhook_url", "has no host".into()));
        }
        let name_ok = |n: &str| {
            let mut chars = n.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        if !name_ok(&self.token_env) {
            return Err(err(
                "token_env",
                format!(
                    "{:?} is not an environment variable name (letters, digits, _)",
                    self.token_env
                ),
            ));
        }
        if !(1..=300).contains(&self.timeout_secs) {
            return Err(err("timeout_secs", "must be between 1 and 300".into()));
        }
        if self.retries > 10 {
            return Err(err("retries", "must be at most 10".into()));
        }
        Ok(url)
    }

    /// The outbox directory, resolved against the inventory's directory.
    pub fn outbox_dir(&self, base: &Path) -> PathBuf {
        base.join(
            self.outbox
                .as_deref()
                .unwrap_or_else(|| Path::new(".harden/outbox")),
        )
    }

    /// The CA file, resolved against the inventory's directory.
    pub fn ca_path(&self, base: &Path) -> Option<PathBuf> {
        self.ca_file.as_deref().map(|p| base.join(p))
    }
}

/// True when the URL's host is a loopback IP literal. Names such as
/// `localhost` are not trusted: they are resolved at connect time.
fn is_loopback(url: &Url) -> bool {
    // The URL parser has already normalised IP literals (IPv6 in brackets).
    url.host_str()
        .map(|h| h.trim_start_matches('[').trim_end_matches(']'))
        .and_then(|h| h.parse::<IpAddr>().ok())
        .is_some_and(|ip| ip.is_loopback())
}

/// The URL without path and query (which may carry a secret, as in
/// Slack-style webhook URLs), for messages.
pub(crate) fn redact(url: &Url) -> String {
    let mut s = format!("{}://{}", url.scheme(), url.host_str().unwrap_or(""));
    if let Some(port) = url.port() {
        s.push_str(&format!(":{port}"));
    }
    if url.path() != "/" || url.query().is_some() {
        s.push_str("/…");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(url: &str) -> Result<Url, ConfigError> {
        ReportConfig::new(url).validate()
    }

    #[test]
    fn https_anywhere_http_only_on_loopback() {
        assert!(check("https://hooks.example.com/harden").is_ok());
        assert!(check("http://127.0.0.1:8080/hook").is_ok());
        assert!(check("http://127.8.9.10/hook").is_ok());
        assert!(check("http://[::1]:9/hook").is_ok());
        for bad in [
            "http://hooks.example.com/harden",
            "http://10.0.0.1/hook",
            "http://localhost/hook",
            "http://[::ffff:127.0.0.1]/hook",
        ] {
            let e = check(bad).unwrap_err();
            assert_eq!(e.key, "webhook_url");
            assert!(
                e.message.contains("only allowed on a loopback"),
                "{bad}: {e}"
            );
        }
        assert!(check("ftp://example.com/x").is_err());
        assert!(check("not a url").is_err());
        let e = check("https://user:pw@example.com/").unwrap_err();
        assert!(e.message.contains("credentials"), "{e}");
        assert!(!e.to_string().contains("pw@"));
    }

    #[test]
    fn defaults_and_unknown_keys() {
        let c: ReportConfig = toml::from_str("webhook_url = \"https://h.example/x\"").unwrap();
        assert_eq!(c, ReportConfig::new("https://h.example/x"));
        assert_eq!(c.token_env, "HARDEN_WEBHOOK_TOKEN");
        assert_eq!((c.timeout_secs, c.retries), (10, 3));
        assert_eq!(
            c.outbox_dir(Path::new("/inv")),
            Path::new("/inv/.harden/outbox")
        );
        let e = toml::from_str::<ReportConfig>("webhook_url = \"https://h/\"\ntoken = \"x\"")
            .unwrap_err();
        assert!(e.to_string().contains("unknown field"), "{e}");
    }

    #[test]
    fn ranges_and_env_name() {
        let mut c = ReportConfig::new("https://h.example/");
        c.token_env = "BAD-NAME".into();
        assert_eq!(c.validate().unwrap_err().key, "token_env");
        c.token_env = "OK_NAME1".into();
        c.timeout_secs = 0;
        assert_eq!(c.validate().unwrap_err().key, "timeout_secs");
        c.timeout_secs = 5;
        c.retries = 11;
        assert_eq!(c.validate().unwrap_err().key, "retries");
        c.retries = 0;
        assert!(c.validate().is_ok());
    }

    #[test]
    fn redacts_path_and_query() {
        let u = Url::parse("https://hooks.example.com/services/T0/SECRET?x=1").unwrap();
        assert_eq!(redact(&u), "https://hooks.example.com/…");
    }
}
