//! A minimal DER reader for what identifies a certificate: the subject
//! and issuer names (CN, O, OU, …) and the subjectAltName extension
//! (dNSName, iPAddress). Nothing else of the certificate is interpreted.
//!
//! The input is whatever a server sent. Every read is bounds-checked,
//! lengths are definite and at most 3 bytes long (a certificate is at
//! most [`MAX_CERT`] bytes), only low tag numbers are accepted, there is
//! no recursion, and the number of names kept is capped: garbage gives a
//! [`DerError`], never a panic or an unbounded loop.

use std::net::IpAddr;

use crate::contract::outside::CertSummary;

use super::clean;

/// Largest certificate read (bytes).
pub const MAX_CERT: usize = 64 * 1024;
/// Most attributes kept per name, and most SAN entries kept.
const MAX_ITEMS: usize = 64;

/// Why a certificate could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DerError {
    /// Larger than [`MAX_CERT`].
    TooLarge(usize),
    /// Not the DER structure expected at this point.
    Malformed(&'static str),
}

impl std::fmt::Display for DerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DerError::TooLarge(n) => write!(f, "certificate of {n} bytes exceeds {MAX_CERT}"),
            DerError::Malformed(what) => write!(f, "malformed certificate: {what}"),
        }
    }
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
const OCTETS: u8 = 0x04;
const BOOLEAN: u8 = 0x01;
const CTX_VERSION: u8 = 0xa0;
const CTX_EXTENSIONS: u8 = 0xa3;
const SAN_DNS: u8 = 0x82;
const SAN_IP: u8 = 0x87;
const OID_SAN: &[u8] = &[0x55, 0x1d, 0x11];

/// Reads TLVs one after the other from a byte slice.
struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Reader { buf }
    }

    fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    fn peek_tag(&self) -> Option<u8> {
        self.buf.first().copied()
    }

    /// The next element: its tag and content.
    fn any(&mut self) -> Result<(u8, &'a [u8]), DerError> {
        let [tag, first, rest @ ..] = self.buf else {
            return Err(DerError::Malformed("truncated element header"));
        };
        if tag & 0x1f == 0x1f {
            return Err(DerError::Malformed("high tag number"));
        }
        let (len, rest) = match *first {
            n if n < 0x80 => (usize::from(n), rest),
            0x81..=0x83 => {
                let k = usize::from(first & 0x7f);
                if rest.len() < k {
                    return Err(DerError::Malformed("truncated length"));
                }
                let len = rest[..k]
                    .iter()
                    .fold(0usize, |a, b| (a << 8) | usize::from(*b));
                (len, &rest[k..])
            }
            _ => return Err(DerError::Malformed("indefinite or oversized length")),
        };
        if rest.len() < len {
            return Err(DerError::Malformed("element longer than its container"));
        }
        let (content, after) = rest.split_at(len);
        self.buf = after;
        Ok((*tag, content))
    }

    /// The next element, which must carry `tag`.
    fn expect(&mut self, tag: u8, what: &'static str) -> Result<&'a [u8], DerError> {
        match self.any()? {
            (t, c) if t == tag => Ok(c),
            _ => Err(DerError::Malformed(what)),
        }
    }
}

/// Subject, issuer and SANs of one DER certificate.
pub fn summary(der: &[u8]) -> Result<CertSummary, DerError> {
    if der.len() > MAX_CERT {
        return Err(DerError::TooLarge(der.len()));
    }
    let cert = Reader::new(der).expect(SEQUENCE, "certificate is not a SEQUENCE")?;
    let mut tbs = Reader::new(Reader::new(cert).expect(SEQUENCE, "no tbsCertificate")?);
    if tbs.peek_tag() == Some(CTX_VERSION) {
        tbs.any()?;
    }
    tbs.any()?; // serialNumber
    tbs.expect(SEQUENCE, "no signature algorithm")?;
    let issuer = name(tbs.expect(SEQUENCE, "no issuer")?)?;
    tbs.expect(SEQUENCE, "no validity")?;
    let subject = name(tbs.expect(SEQUENCE, "no subject")?)?;
    tbs.expect(SEQUENCE, "no public key")?;
    let mut out = CertSummary {
        subject: render(&subject),
        issuer: render(&issuer),
        common_names: subject
            .iter()
            .filter(|(k, _)| *k == "CN")
            .map(|(_, v)| v.clone())
            .collect(),
        ..Default::default()
    };
    while !tbs.is_empty() {
        let (tag, content) = tbs.any()?;
        if tag == CTX_EXTENSIONS {
            extensions(content, &mut out)?;
        }
    }
    Ok(out)
}

/// A Name as (short attribute name, value) pairs, in order.
fn name(content: &[u8]) -> Result<Vec<(&'static str, String)>, DerError> {
    let mut out = Vec::new();
    let mut rdns = Reader::new(content);
    while !rdns.is_empty() {
        let mut set = Reader::new(rdns.expect(SET, "name part is not a SET")?);
        while !set.is_empty() {
            let mut atv = Reader::new(set.expect(SEQUENCE, "attribute is not a SEQUENCE")?);
            let oid = atv.expect(OID, "attribute without type")?;
            let (tag, value) = atv.any()?;
            if out.len() < MAX_ITEMS {
                if let (Some(key), Some(v)) = (attribute(oid), string(tag, value)) {
                    out.push((key, v));
                }
            }
        }
    }
    Ok(out)
}

fn render(attrs: &[(&'static str, String)]) -> String {
    let parts: Vec<String> = attrs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    clean::text(&parts.join(", "), clean::MAX_VALUE)
}

/// Short names of the attribute types kept.
fn attribute(oid: &[u8]) -> Option<&'static str> {
    Some(match oid {
        [0x55, 0x04, 0x03] => "CN",
        [0x55, 0x04, 0x05] => "serialNumber",
        [0x55, 0x04, 0x06] => "C",
        [0x55, 0x04, 0x07] => "L",
        [0x55, 0x04, 0x08] => "ST",
        [0x55, 0x04, 0x0a] => "O",
        [0x55, 0x04, 0x0b] => "OU",
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01] => "emailAddress",
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19] => "DC",
        _ => return None,
    })
}

/// A directory string's text (cleaned), for the string types certificates use.
fn string(tag: u8, v: &[u8]) -> Option<String> {
    let s = match tag {
        // UTF8String, PrintableString, T61String, IA5String
        0x0c | 0x13 | 0x14 | 0x16 => String::from_utf8_lossy(v).into_owned(),
        // BMPString: UTF-16BE
        0x1e => {
            let units: Vec<u16> = v
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        _ => return None,
    };
    Some(clean::text(&s, clean::MAX_NAME))
}

fn extensions(content: &[u8], out: &mut CertSummary) -> Result<(), DerError> {
    let mut list = Reader::new(Reader::new(content).expect(SEQUENCE, "extensions")?);
    while !list.is_empty() {
        let mut ext = Reader::new(list.expect(SEQUENCE, "extension is not a SEQUENCE")?);
        let oid = ext.expect(OID, "extension without id")?;
        if ext.peek_tag() == Some(BOOLEAN) {
            ext.any()?;
        }
        let value = ext.expect(OCTETS, "extension value")?;
        if oid == OID_SAN {
            alt_names(value, out)?;
        }
    }
    Ok(())
}

fn alt_names(value: &[u8], out: &mut CertSummary) -> Result<(), DerError> {
    let mut names = Reader::new(Reader::new(value).expect(SEQUENCE, "subjectAltName")?);
    while !names.is_empty() {
        let (tag, v) = names.any()?;
        if out.dns_names.len() + out.ip_addrs.len() >= MAX_ITEMS {
            continue;
        }
        match tag {
            SAN_DNS => out
                .dns_names
                .push(clean::bytes(v, clean::MAX_NAME).to_ascii_lowercase()),
            SAN_IP => {
                if let Ok(b) = <[u8; 4]>::try_from(v) {
                    out.ip_addrs.push(IpAddr::from(b));
                } else if let Ok(b) = <[u8; 16]>::try_from(v) {
                    out.ip_addrs.push(IpAddr::from(b));
                }
            }
            _ => {}
        }
    }
    Ok(())
}
