//! A private CA for lab TLS, made with the `openssl` command line in a lab
//! directory: the CA key and certificate, and server certificates signed
//! by it (backends with internal names for the leak tests, clean ones,
//! the gatekeeper's own for reencrypt).
//!
//! Keys are EC P-256, certificates are valid for 30 days. Files follow
//! HAProxy's convention: the chain at `<name>.pem`, its key at
//! `<name>.pem.key`. Names and SANs are checked before they reach an
//! argument (`[a-z0-9.-]`, or an IP address); no shell is involved.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use sha2::{Digest, Sha256};

use super::net::run;
use super::LabError;

/// A CA in a directory.
pub struct Pki {
    /// Where its files live.
    pub dir: PathBuf,
    serial: AtomicU32,
}

/// One issued certificate.
#[derive(Clone, Debug)]
pub struct Issued {
    /// The certificate (PEM).
    pub cert: PathBuf,
    /// Its private key (PEM, PKCS#8): `<cert>.key`.
    pub key: PathBuf,
    /// SHA-256 of the certificate's DER, lower-case hex.
    pub sha256: String,
}

fn check_name(what: &str, s: &str) -> Result<(), LabError> {
    let ok = !s.is_empty()
        && s.len() <= 253
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    if ok || s.parse::<IpAddr>().is_ok() {
        Ok(())
    } else {
        Err(LabError(format!("pki: bad {what} `{s}`")))
    }
}

impl Pki {
    /// Creates a CA (`ca.pem`, `ca.key`) in `dir`.
    pub fn create(dir: &Path) -> Result<Pki, LabError> {
        std::fs::create_dir_all(dir).map_err(|e| LabError(format!("pki: {e}")))?;
        let pki = Pki {
            dir: dir.to_path_buf(),
            serial: AtomicU32::new(1),
        };
        run(Command::new("openssl")
            .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
            .arg("ec_paramgen_curve:prime256v1")
            .args([
                "-nodes",
                "-days",
                "30",
                "-subj",
                "/CN=harden lab private CA",
            ])
            .args(["-addext", "basicConstraints=critical,CA:TRUE"])
            .args(["-addext", "keyUsage=critical,keyCertSign,cRLSign"])
            .arg("-keyout")
            .arg(pki.ca_key())
            .arg("-out")
            .arg(pki.ca()))?;
        Ok(pki)
    }

    /// The CA certificate (what clients and HAProxy verify against).
    pub fn ca(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    fn ca_key(&self) -> PathBuf {
        self.dir.join("ca.key")
    }

    /// Issues a server certificate `<name>.pem` with subject CN `cn` and
    /// the DNS names or IP addresses `sans`.
    pub fn issue(&self, name: &str, cn: &str, sans: &[&str]) -> Result<Issued, LabError> {
        check_name("file name", name)?;
        check_name("common name", cn)?;
        let mut alt = Vec::new();
        for s in sans {
            check_name("subject alternative name", s)?;
            alt.push(if s.parse::<IpAddr>().is_ok() {
                format!("IP:{s}")
            } else {
                format!("DNS:{s}")
            });
        }
        if alt.is_empty() {
            return Err(LabError(format!(
                "pki: {name}: no subject alternative name"
            )));
        }
        let cert = self.dir.join(format!("{name}.pem"));
        let key = self.dir.join(format!("{name}.pem.key"));
        let csr = self.dir.join(format!("{name}.csr"));
        let ext = self.dir.join(format!("{name}.ext"));
        std::fs::write(
            &ext,
            format!(
                "subjectAltName={}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
                alt.join(",")
            ),
        )
        .map_err(|e| LabError(format!("pki: {e}")))?;
        run(Command::new("openssl")
            .args(["req", "-new", "-newkey", "ec", "-pkeyopt"])
            .arg("ec_paramgen_curve:prime256v1")
            .args(["-nodes", "-subj", &format!("/CN={cn}"), "-keyout"])
            .arg(&key)
            .arg("-out")
            .arg(&csr))?;
        let serial = 1000 + self.serial.fetch_add(1, Ordering::Relaxed);
        run(Command::new("openssl")
            .args(["x509", "-req", "-days", "30", "-in"])
            .arg(&csr)
            .arg("-CA")
            .arg(self.ca())
            .arg("-CAkey")
            .arg(self.ca_key())
            .args(["-set_serial", &serial.to_string(), "-extfile"])
            .arg(&ext)
            .arg("-out")
            .arg(&cert))?;
        let sha256 = fingerprint(&cert)?;
        Ok(Issued { cert, key, sha256 })
    }
}

/// SHA-256 of the first certificate in a PEM file, lower-case hex (what
/// the lab's TLS client reports for the certificate it was shown).
pub fn fingerprint(pem: &Path) -> Result<String, LabError> {
    let bytes = std::fs::read(pem).map_err(|e| LabError(format!("{}: {e}", pem.display())))?;
    let der = CertificateDer::from_pem_slice(&bytes)
        .map_err(|e| LabError(format!("{}: not a PEM certificate: {e}", pem.display())))?;
    Ok(sha256_hex(&der))
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
