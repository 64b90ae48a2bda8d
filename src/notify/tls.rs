//! The HTTPS client: rustls with the ring provider, trusting either the
//! system's CA store or exactly the configured `ca_file`.
//!
//! reqwest is built with `rustls-no-provider`, so no aws-lc C code is
//! compiled; the ring provider is installed process-wide once, before the
//! first client is built. Without `ca_file`, certificates are checked by
//! rustls-platform-verifier, which reqwest already uses: on Linux it reads
//! the system store (Debian's ca-certificates, including CAs added with
//! `update-ca-certificates`) through rustls-native-certs. No compiled-in
//! root list (webpki-roots) is added: it would go stale inside the binary
//! and ignore a company CA installed on the machine. With `ca_file`, only
//! the CAs in that file are trusted: a private receiver is then pinned to
//! its own CA, and a certificate from any public CA is refused for it.

use std::path::Path;
use std::time::Duration;

use reqwest::{redirect, Certificate, Client};

use super::NotifyError;

/// Installs rustls' ring provider as the process default (idempotent; a
/// provider installed earlier by the caller is kept).
pub fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err only means a provider is already installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The client for one notifier. Redirects are not followed: a receiver
/// that moved must be reconfigured, not silently followed with the token.
pub(crate) fn client(timeout: Duration, ca_file: Option<&Path>) -> Result<Client, NotifyError> {
    install_crypto_provider();
    let mut builder = Client::builder()
        .user_agent(concat!("harden/", env!("CARGO_PKG_VERSION")))
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(redirect::Policy::none());
    if let Some(path) = ca_file {
        let pem = std::fs::read(path).map_err(|e| NotifyError::CaFile {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let certs = Certificate::from_pem_bundle(&pem).map_err(|e| NotifyError::CaFile {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        if certs.is_empty() {
            return Err(NotifyError::CaFile {
                path: path.to_path_buf(),
                reason: "no PEM certificate in it".into(),
            });
        }
        builder = builder.tls_certs_only(certs);
    }
    builder
        .build()
        .map_err(|e| NotifyError::Client(super::retry::describe(&e)))
}
