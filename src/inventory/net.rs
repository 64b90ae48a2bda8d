//! Network values of the inventory: CIDR prefixes and port ranges.
//!
//! Both are parsed strictly and normalised once, so that the firewall
//! renderer and the drift checks compare like with like (a bare address is
//! a /32 or /128, host bits are an error rather than silently dropped).

use std::fmt;
use std::net::IpAddr;

/// An IPv4 or IPv6 prefix with no host bits set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cidr {
    /// Network address.
    pub addr: IpAddr,
    /// Prefix length.
    pub prefix: u8,
}

impl Cidr {
    /// The single-address prefix of `addr`.
    pub fn host(addr: IpAddr) -> Self {
        let prefix = if addr.is_ipv4() { 32 } else { 128 };
        Cidr { addr, prefix }
    }

    /// Parses `10.0.0.0/8`, `2001:db8::/32` or a bare address.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = a
            .trim()
            .parse()
            .map_err(|_| format!("`{s}` is not an IP address or CIDR prefix"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("prefix length in `{s}` must be 0-{max}"))?,
            None => max,
        };
        let c = Cidr { addr, prefix };
        let net = c.network();
        if net != addr {
            return Err(format!(
                "`{s}` has host bits set; did you mean `{}/{prefix}`?",
                net
            ));
        }
        Ok(c)
    }

    /// The address with host bits cleared.
    pub fn network(&self) -> IpAddr {
        match self.addr {
            IpAddr::V4(a) => {
                let bits = u32::from(a);
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u32::MAX << (32 - self.prefix)
                };
                IpAddr::V4((bits & mask).into())
            }
            IpAddr::V6(a) => {
                let bits = u128::from(a);
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u128::MAX << (128 - self.prefix)
                };
                IpAddr::V6((bits & mask).into())
            }
        }
    }

    /// True for an IPv4 prefix.
    pub fn is_v4(&self) -> bool {
        self.addr.is_ipv4()
    }

    /// True when this prefix matches every address of its family.
    pub fn is_any(&self) -> bool {
        self.prefix == 0
    }

    /// True when `ip` lies inside this prefix.
    pub fn contains(&self, ip: IpAddr) -> bool {
        if ip.is_ipv4() != self.addr.is_ipv4() {
            return false;
        }
        Cidr {
            addr: ip,
            prefix: self.prefix,
        }
        .network()
            == self.addr
    }
}

impl fmt::Display for Cidr {
    /// Prints the form nft prints: a bare address for a single host.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let max = if self.addr.is_ipv4() { 32 } else { 128 };
        if self.prefix == max {
            write!(f, "{}", self.addr)
        } else {
            write!(f, "{}/{}", self.addr, self.prefix)
        }
    }
}

/// A single port or an inclusive range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortRange {
    /// First port.
    pub start: u16,
    /// Last port (equal to `start` for a single port).
    pub end: u16,
}

impl PortRange {
    /// A single port.
    pub fn single(p: u16) -> Self {
        PortRange { start: p, end: p }
    }

    /// Parses `443` or `"8000-8100"`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let one = |t: &str| -> Result<u16, String> {
            t.trim()
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| format!("`{t}` is not a port (1-65535)"))
        };
        match s.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (one(a)?, one(b)?);
                if a > b {
                    return Err(format!("port range `{s}` runs backwards"));
                }
                Ok(PortRange { start: a, end: b })
            }
            None => Ok(Self::single(one(s)?)),
        }
    }

    /// True when `p` is inside the range.
    pub fn contains(&self, p: u16) -> bool {
        self.start <= p && p <= self.end
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == self.end {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}-{}", self.start, self.end)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_parses_and_normalises() {
        assert_eq!(
            Cidr::parse("10.0.2.0/24").map(|c| c.to_string()),
            Ok("10.0.2.0/24".into())
        );
        assert_eq!(
            Cidr::parse("10.0.2.7").map(|c| c.to_string()),
            Ok("10.0.2.7".into())
        );
        assert_eq!(
            Cidr::parse("10.0.2.7/32").map(|c| c.to_string()),
            Ok("10.0.2.7".into())
        );
        assert_eq!(
            Cidr::parse("2001:db8::/32").map(|c| c.to_string()),
            Ok("2001:db8::/32".into())
        );
        let e = Cidr::parse("10.0.2.5/24").unwrap_err();
        assert!(e.contains("did you mean `10.0.2.0/24`"), "{e}");
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert!(Cidr::parse("db-1").is_err());
        assert!(Cidr::parse("0.0.0.0/0")
            .map(|c| c.is_any())
            .unwrap_or(false));
        let c = Cidr::parse("198.51.100.0/28").unwrap();
        assert!(c.contains("198.51.100.15".parse().unwrap()));
        assert!(!c.contains("198.51.100.16".parse().unwrap()));
    }

    #[test]
    fn port_ranges() {
        assert_eq!(
            PortRange::parse("8000-8100"),
            Ok(PortRange {
                start: 8000,
                end: 8100
            })
        );
        assert!(PortRange::parse("0").is_err());
        assert!(PortRange::parse("9-1").is_err());
        assert!(PortRange::parse("70000").is_err());
        assert_eq!(PortRange::single(22).to_string(), "22");
    }
}
