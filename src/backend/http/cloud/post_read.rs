//! The reads an API documents as a POST ([`crate::contract::api::POST_READS`]:
//! KMS `describe-key`), answered by [`Cloud::read_post`]: refused unsent
//! for any other path or service, the body checked to be a small JSON
//! object, and each successful answer kept per account for the run
//! ([`PostReads`], at most [`MAX_POST_READS`]), so a key shared by many
//! volumes or hosts is described once.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::Value;

use super::{Cloud, CloudError};
use crate::backend::http::otc::OtcError;
use crate::backend::http::ApiCall;
use crate::contract::api::{is_post_read, Method, Service};

/// The most answers kept (further reads are made, not kept).
pub const MAX_POST_READS: usize = 256;
/// The longest POST-read body accepted.
pub const MAX_POST_BODY: usize = 1024;

/// The POST reads of one account this run: `(path, body)` → answer.
#[derive(Default)]
pub struct PostReads(Mutex<HashMap<(String, String), Value>>);

impl PostReads {
    fn get(&self, key: &(String, String)) -> Option<Value> {
        self.0.lock().ok().and_then(|m| m.get(key).cloned())
    }

    fn put(&self, key: (String, String), v: Value) {
        if let Ok(mut m) = self.0.lock() {
            if m.len() < MAX_POST_READS {
                m.insert(key, v);
            }
        }
    }
}

impl Cloud {
    /// The POST read of `path` on `service` with the JSON `body`: its
    /// answer, and whether it is this run's earlier answer (no request).
    pub async fn read_post(
        &self,
        service: Option<Service>,
        path: &str,
        body: &str,
    ) -> Result<(Value, bool), CloudError> {
        let refuse = |why: String| CloudError::Otc(Box::new(OtcError::Setting(why)));
        if !is_post_read(service, path) {
            return Err(refuse(format!(
                "a POST of {} is not a documented read; harden does not send it",
                crate::report::reads::path_template(path)
            )));
        }
        if body.len() > MAX_POST_BODY {
            return Err(refuse("a POST read's body is too long".into()));
        }
        let json: Value = match serde_json::from_str(body) {
            Ok(v @ Value::Object(_)) => v,
            _ => return Err(refuse("a POST read's body is not a JSON object".into())),
        };
        let Cloud::Otc(o) = self else {
            return Err(CloudError::Service {
                cloud: self.kind(),
                service: service.map(|s| s.to_string()).unwrap_or_default(),
            });
        };
        let key = (path.to_string(), body.to_string());
        if let Some(v) = o.post_reads.get(&key) {
            return Ok((v, true));
        }
        let api = o.client(service)?;
        let filled = o.fill(path).await?;
        let describe = format!("POST {}", crate::report::reads::path_template(path));
        let call = ApiCall::new(Method::Post, filled, Some(json), describe)
            .map_err(|e| OtcError::Setting(e.to_string()))?;
        let v = o.auth.call(api, &call).await?.json;
        o.post_reads.put(key, v.clone());
        Ok((v, false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::http::{ApiClient, ApiConfig, Credential};

    /// A POST that is not a documented read is refused before anything
    /// is sent (the client points at a port where nothing listens).
    #[tokio::test]
    async fn only_documented_reads_are_posted() {
        let c = ApiClient::new(&ApiConfig::new(
            "otc-kms",
            "http://127.0.0.1:9",
            Credential::None,
        ))
        .expect("client");
        let cloud = Cloud::Single(c);
        let describe = "/v1.0/{project_id}/kms/describe-key";
        for (service, path, body) in [
            (
                Some(Service::OtcKms),
                "/v1.0/{project_id}/kms/create-key",
                "{}",
            ),
            (
                Some(Service::OtcKms),
                "/v1.0/{project_id}/kms/schedule-key-deletion",
                "{}",
            ),
            (Some(Service::OtcEvs), describe, "{}"),
            (None, describe, "{}"),
            (Some(Service::OtcKms), describe, "[1]"),
            (Some(Service::OtcKms), describe, "{\"key_id\": "),
        ] {
            let e = cloud.read_post(service, path, body).await.expect_err(path);
            assert_eq!(e.code(), "otc-setting", "{path} {body}: {e}");
        }
        let big = format!("{{\"key_id\": \"{}\"}}", "a".repeat(MAX_POST_BODY));
        let e = cloud
            .read_post(Some(Service::OtcKms), describe, &big)
            .await
            .expect_err("too long");
        assert!(e.to_string().contains("too long"), "{e}");
        // A documented read on a provider without KMS: the wrong provider.
        let e = cloud
            .read_post(Some(Service::OtcKms), describe, "{\"key_id\": \"k\"}")
            .await
            .expect_err("hcloud");
        assert_eq!(e.code(), "provider-service");
    }
}
