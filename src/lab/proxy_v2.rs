//! The receiving side of the PROXY protocol v2 header (HAProxy's
//! `send-proxy-v2`), for lab backends that must see the real client
//! address (`doc/proxy-protocol.txt` §2.2): the 12-byte signature, version
//! 2 with command LOCAL (health checks) or PROXY, TCP over IPv4 or IPv6,
//! and a length-bounded address block whose TLVs are skipped.
//!
//! A connection without the header is refused, never guessed at: a backend
//! that accepts PROXY must not accept a direct client's first bytes as one.

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The v2 signature.
pub const SIG: [u8; 12] = *b"\r\n\r\n\0\r\nQUIT\n";
/// Longest address block accepted (addresses plus TLVs).
pub const MAX_LEN: usize = 512;

/// What the header said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Header {
    /// LOCAL: the proxy's own connection (a health check).
    Local,
    /// PROXY: the original client's address.
    Proxy(SocketAddr),
}

/// Reads one header from `r`.
pub fn read(r: &mut impl Read) -> Result<Header, String> {
    let mut head = [0u8; 16];
    r.read_exact(&mut head).map_err(|e| format!("proxy: {e}"))?;
    if head[..12] != SIG {
        return Err("proxy: no PROXY v2 signature".into());
    }
    let len = usize::from(u16::from_be_bytes([head[14], head[15]]));
    if len > MAX_LEN {
        return Err(format!("proxy: address block of {len} bytes"));
    }
    let mut block = vec![0u8; len];
    r.read_exact(&mut block)
        .map_err(|e| format!("proxy: {e}"))?;
    match head[12] {
        0x20 => return Ok(Header::Local),
        0x21 => {}
        v => return Err(format!("proxy: version/command {v:#04x}")),
    }
    let port = |b: &[u8]| u16::from_be_bytes([b[0], b[1]]);
    match head[13] {
        0x11 if len >= 12 => {
            let ip = Ipv4Addr::new(block[0], block[1], block[2], block[3]);
            Ok(Header::Proxy(SocketAddr::new(
                IpAddr::V4(ip),
                port(&block[8..10]),
            )))
        }
        0x21 if len >= 36 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(&block[..16]);
            let ip = Ipv6Addr::from(a);
            Ok(Header::Proxy(SocketAddr::new(
                IpAddr::V6(ip),
                port(&block[32..34]),
            )))
        }
        f => Err(format!("proxy: family/protocol {f:#04x} with {len} bytes")),
    }
}
