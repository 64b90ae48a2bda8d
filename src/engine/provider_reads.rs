//! The reads of the provider-scoped path: a control's [`Probe::Api`]
//! facts answered through the provider's API, each read recorded as an
//! [`ApiRead`] (service, method, the path template, pages, when) for the
//! report's evidence; and the per-host [`Cache`] of planning reads that
//! the controls of one host share (provider APIs are rate-limited).
//! A read the API documents as a POST (a probe with a body, KMS
//! `describe-key`) is recorded as `POST` without its body; it is kept for
//! the run by the provider's clients ([`Cloud::read_post`]), and when it
//! fails the failure is its answer ([`read_error`]), for the control to
//! report as a failed finding.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use super::provider::ProviderError;
use crate::backend::http::cloud::Cloud;
use crate::contract::api::Service;
use crate::contract::{Facts, Probe};
use crate::report::reads::{path_template, ApiRead};

/// The answers of the planning reads of one host, shared by its controls
/// (each starts from the same server lookup). Reads after a change never
/// use it.
#[derive(Default)]
pub(super) struct Cache(std::sync::Mutex<HashMap<ReadKey, Answer>>);

/// A read: service, path, list key.
type ReadKey = (Option<Service>, String, Option<String>);

/// An answer with its pages and when it was read (Unix seconds).
type Answer = (Value, u32, u64);

impl Cache {
    fn get(&self, key: &ReadKey) -> Option<Answer> {
        self.0.lock().ok().and_then(|m| m.get(key).cloned())
    }

    pub(super) fn clear(&self) {
        if let Ok(mut m) = self.0.lock() {
            m.clear();
        }
    }

    fn put(&self, key: ReadKey, a: Answer) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(key, a);
        }
    }
}

/// Who reads: the host and the control, as the records name them.
pub(super) struct Reader<'a> {
    /// Host name.
    pub host: &'a str,
    /// Control id.
    pub control: &'static str,
}

/// Answers `probes` (all [`Probe::Api`]) not yet answered, in order, and
/// records each read in `reads`.
pub(super) async fn read(
    api: &Cloud,
    probes: Vec<Probe>,
    facts: &mut Facts,
    seen: &mut BTreeSet<String>,
    cache: Option<&Cache>,
    (who, reads): (&Reader<'_>, &mut Vec<ApiRead>),
) -> Result<(), ProviderError> {
    for p in probes {
        let Probe::Api {
            id,
            service,
            path,
            list,
            body,
        } = p
        else {
            return Err(ProviderError::ProbeKind(probe_kind(&p)));
        };
        if !seen.insert(id.clone()) {
            continue;
        }
        if let Some(body) = body {
            let (answer, cached) = match api.read_post(service, &path, &body).await {
                Ok(a) => a,
                Err(e) if e.code() == "otc-setting" || e.code() == "provider-service" => {
                    return Err(ProviderError::from(e))
                }
                Err(e) => (read_error(&e), false),
            };
            reads.push(ApiRead {
                host: who.host.to_string(),
                control: who.control.to_string(),
                service: api.service_name(service).to_string(),
                method: "POST".into(),
                path: path_template(&path),
                pages: 1,
                at: crate::timefmt::rfc3339(crate::timefmt::now()),
                cached,
            });
            facts.set_api(&id, answer);
            continue;
        }
        let key = (service, path, list);
        let ((answer, pages, at), cached) = match cache.and_then(|c| c.get(&key)) {
            Some(a) => (a, true),
            None => {
                let (v, pages) = api
                    .read(key.0, &key.1, key.2.as_deref())
                    .await
                    .map_err(ProviderError::from)?;
                let a = (v, pages, crate::timefmt::now());
                if let Some(c) = cache {
                    c.put(key.clone(), a.clone());
                }
                (a, false)
            }
        };
        reads.push(ApiRead {
            host: who.host.to_string(),
            control: who.control.to_string(),
            service: api.service_name(key.0).to_string(),
            method: "GET".into(),
            path: path_template(&key.1),
            pages,
            at: crate::timefmt::rfc3339(at),
            cached,
        });
        facts.set_api(&id, answer);
    }
    Ok(())
}

/// A failed POST read as its answer: `{"read_error": {"status", "code",
/// "message"}}` (the message is the error's scrubbed text).
pub fn read_error(e: &crate::backend::http::cloud::CloudError) -> Value {
    serde_json::json!({"read_error": {
        "status": e.status(),
        "code": e.code(),
        "message": e.to_string(),
    }})
}

fn probe_kind(p: &Probe) -> String {
    match p {
        Probe::File(path) => format!("a file probe ({path})"),
        Probe::Dir(path) => format!("a directory probe ({path})"),
        Probe::Cmd { id, .. } => format!("a command probe ({id})"),
        Probe::Api { id, .. } => format!("an API probe ({id})"),
        Probe::Tls(t) => format!("an outside TLS probe ({})", t.id),
    }
}
