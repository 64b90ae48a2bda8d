//! The certificate "verifier" of outside probes: it accepts any chain and
//! records it. We observe, we do not trust: a probe asks what a client on
//! the internet is shown, so a self-signed, expired or misnamed
//! certificate must be read, not refused. Nothing learned over such a
//! connection is ever used as a credential or sent anywhere.
//!
//! The handshake signature is still checked against the leaf's key with
//! the ring provider's algorithms (so the chain recorded is the one of the
//! peer that completed the handshake), and the recorded chain is bounded:
//! at most [`MAX_CHAIN`] certificates of at most [`der::MAX_CERT`] bytes.

use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, Error, SignatureScheme};

use super::der;

/// Most certificates recorded from one chain.
pub const MAX_CHAIN: usize = 10;

/// Accepts any chain and keeps a copy (leaf first).
#[derive(Debug)]
pub struct Recorder {
    provider: Arc<CryptoProvider>,
    chain: Mutex<Vec<Vec<u8>>>,
}

impl Recorder {
    /// A recorder checking handshake signatures with `provider`.
    pub fn new(provider: Arc<CryptoProvider>) -> Self {
        Recorder {
            provider,
            chain: Mutex::new(Vec::new()),
        }
    }

    /// The chain seen in the last handshake (empty before one).
    pub fn chain(&self) -> Vec<Vec<u8>> {
        match self.chain.lock() {
            Ok(c) => c.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let all: Vec<&CertificateDer<'_>> =
            std::iter::once(end_entity).chain(intermediates).collect();
        if all.len() > MAX_CHAIN {
            return Err(Error::General(format!(
                "the server sent {} certificates, more than {MAX_CHAIN}",
                all.len()
            )));
        }
        if let Some(big) = all.iter().find(|c| c.len() > der::MAX_CERT) {
            return Err(Error::General(format!(
                "the server sent a certificate of {} bytes, more than {}",
                big.len(),
                der::MAX_CERT
            )));
        }
        let copy = all.iter().map(|c| c.to_vec()).collect();
        match self.chain.lock() {
            Ok(mut c) => *c = copy,
            Err(p) => *p.into_inner() = copy,
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
