//! The Hetzner Cloud side of the provider client (`Cloud::Single`, with
//! its action waiting in `backend::http::cloud::hcloud_actions`) against
//! the stateful fake (`harden::lab::fake_cloud::hcloud`): the production
//! code, only the base URL pointed at 127.0.0.1. Actions and their polls
//! are in `fake_hcloud/actions.rs`, retries and faults in
//! `fake_hcloud/faults.rs`, paging, validation, read-back and hostile
//! answers in `fake_hcloud/firewalls.rs`. Every wait is short (10 ms polls,
//! 10-50 ms backoff).

mod actions;
mod faults;
mod firewalls;

use std::time::Duration;

use harden::backend::http::cloud::{ActionWait, Cloud, CloudError};
use harden::backend::http::RetryRules;
use harden::backend::http::{ApiCall, ApiClient, ApiConfig, ApiResponse, Credential, Method};
use harden::lab::fake_cloud::hcloud::{HcloudFake, TokenKind};
use serde_json::{json, Value};

use crate::fake_api::token_file;

pub const RW: &str = "hc-RW-token-0123456789abcdef-never-shown";
pub const RO: &str = "hc-RO-token-fedcba9876543210-never-shown";

/// The fake with a read-write and a read-only token, and a client.
pub struct Project {
    pub fake: HcloudFake,
    pub cloud: Cloud,
    _dir: tempfile::TempDir,
}

/// Test settings: 2 s per attempt, 3 attempts, 10-50 ms backoff.
pub fn config(url: &str, token: &std::path::Path) -> ApiConfig {
    let mut cfg = ApiConfig::new("hcloud", url, Credential::FromFile(token.into()));
    cfg.timeout = Duration::from_secs(2);
    cfg.max_attempts = 3;
    cfg.retry = RetryRules {
        base: Duration::from_millis(10),
        cap: Duration::from_millis(50),
        retry_after_cap: Duration::from_secs(3),
        budget: Duration::from_secs(10),
        ..RetryRules::default()
    };
    cfg
}

/// A fresh fake and a client using `token`, with `tweak` applied.
pub async fn project_with(token: &str, tweak: impl FnOnce(&mut ApiConfig)) -> Project {
    let fake = HcloudFake::start("127.0.0.1:0").await.expect("fake");
    fake.token(RW, TokenKind::ReadWrite);
    fake.token(RO, TokenKind::ReadOnly);
    let (dir, path) = token_file(token);
    let mut cfg = config(&fake.url(), &path);
    tweak(&mut cfg);
    let cloud = Cloud::Single(ApiClient::new(&cfg).expect("client"));
    Project {
        fake,
        cloud,
        _dir: dir,
    }
}

/// A fresh fake and a read-write client.
pub async fn project() -> Project {
    project_with(RW, |_| {}).await
}

/// Waits of 10 ms, at most 50 rounds and 2 s.
pub fn quick() -> ActionWait {
    ActionWait {
        poll: Duration::from_millis(10),
        max_polls: 50,
        budget: Duration::from_secs(2),
    }
}

pub fn post(path: &str, body: Value, describe: &str) -> ApiCall {
    ApiCall::new(Method::Post, path, Some(body), describe).expect("call")
}

impl Project {
    /// `call` waiting [`quick`]ly.
    pub async fn call(&self, call: &ApiCall) -> Result<ApiResponse, CloudError> {
        self.cloud.call_waiting(call, &quick()).await
    }

    /// `POST /firewalls` named `name` with `rules`.
    pub async fn create(&self, name: &str, rules: Value) -> Result<ApiResponse, CloudError> {
        let body = json!({"name": name, "labels": {"managed-by": "harden"}, "rules": rules});
        self.call(&post(
            "/firewalls",
            body,
            &format!("create firewall {name}"),
        ))
        .await
    }

    /// `POST /firewalls/{id}/actions/set_rules`.
    pub async fn set_rules(&self, id: u64, rules: Value) -> Result<ApiResponse, CloudError> {
        let path = format!("/firewalls/{id}/actions/set_rules");
        self.call(&post(&path, json!({ "rules": rules }), "set the rules"))
            .await
    }

    /// The targets of the poll requests received, below `/v1`.
    pub fn polls(&self) -> Vec<String> {
        self.fake
            .state()
            .requests_to("GET", "/actions")
            .into_iter()
            .map(|r| r.target)
            .collect()
    }
}

/// One inbound rule.
pub fn tcp(port: &str, from: &[&str]) -> Value {
    json!({"direction": "in", "protocol": "tcp", "port": port, "source_ips": from})
}

/// The ids of the `id=` parameters of a poll target.
pub fn ids_of(target: &str) -> Vec<u64> {
    let q = target.split_once('?').map(|(_, q)| q).unwrap_or("");
    q.split('&')
        .filter_map(|kv| kv.strip_prefix("id="))
        .filter_map(|v| v.parse().ok())
        .collect()
}
