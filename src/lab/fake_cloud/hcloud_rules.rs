//! The fake Hetzner Cloud's firewall-rule validation and read-back form,
//! written independently of harden's own normaliser so that a bug in one
//! is not hidden by the same bug in the other.
//!
//! Refused (`invalid_input` with `details.fields`): more than 50 rules, an
//! unknown direction or protocol, a port on icmp/esp/gre or none on
//! tcp/udp, a bad port range, `source_ips` on an `out` rule (and
//! `destination_ips` on an `in` one), more than 100 addresses, an address
//! that is not an IP or CIDR, a CIDR with host bits set, a description over
//! 255 characters. Read back as Hetzner does: a bare IP as /32 or /128,
//! IPv6 in its minimal form, the address lists shuffled, the unused list
//! as `[]`, an unset port or description as `null`.

use std::net::IpAddr;

use serde_json::{json, Value};

/// The most rules per firewall.
pub const MAX_RULES: usize = 50;
/// The most addresses per rule.
pub const MAX_IPS: usize = 100;

/// One refused field: its name and messages.
pub type FieldError = (String, String);

/// The rules of a request body, in read-back form, or the fields at fault.
pub fn rules(v: &Value, shuffle: &mut u64) -> Result<Vec<Value>, Vec<FieldError>> {
    let list = match v {
        Value::Array(a) => a,
        _ => return Err(vec![("rules".into(), "must be a list".into())]),
    };
    if list.len() > MAX_RULES {
        return Err(vec![(
            "rules".into(),
            format!("at most {MAX_RULES} rules are allowed, got {}", list.len()),
        )]);
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, r) in list.iter().enumerate() {
        match rule(r, i, shuffle) {
            Ok(v) => out.push(v),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn rule(r: &Value, i: usize, shuffle: &mut u64) -> Result<Value, Vec<FieldError>> {
    let f = |k: &str| format!("rules[{i}].{k}");
    let mut errors = Vec::new();
    if !r.is_object() {
        return Err(vec![(format!("rules[{i}]"), "must be an object".into())]);
    }
    let direction = r.get("direction").and_then(Value::as_str).unwrap_or("");
    if !matches!(direction, "in" | "out") {
        errors.push((f("direction"), "must be in or out".into()));
    }
    let protocol = r.get("protocol").and_then(Value::as_str).unwrap_or("");
    let ported = matches!(protocol, "tcp" | "udp");
    if !ported && !matches!(protocol, "icmp" | "esp" | "gre") {
        errors.push((f("protocol"), "must be tcp, udp, icmp, esp or gre".into()));
    }
    let port = match r.get("port") {
        None | Some(Value::Null) if ported => {
            errors.push((f("port"), format!("is required for protocol {protocol}")));
            Value::Null
        }
        None | Some(Value::Null) => Value::Null,
        Some(_) if !ported => {
            errors.push((
                f("port"),
                format!("must not be set for protocol {protocol}"),
            ));
            Value::Null
        }
        Some(Value::String(p)) if port_ok(p) => json!(p),
        Some(_) => {
            errors.push((f("port"), "must be a port or a range like 1024-5000".into()));
            Value::Null
        }
    };
    let mut lists = Vec::new();
    for (key, used) in [
        ("source_ips", direction == "in"),
        ("destination_ips", direction == "out"),
    ] {
        let given = match r.get(key) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a.clone(),
            Some(_) => {
                errors.push((f(key), "must be a list".into()));
                Vec::new()
            }
        };
        if !used && !given.is_empty() {
            errors.push((f(key), format!("must be empty for direction {direction}")));
        }
        if used && given.is_empty() {
            errors.push((f(key), format!("is required for direction {direction}")));
        }
        if given.len() > MAX_IPS {
            errors.push((f(key), format!("at most {MAX_IPS} addresses are allowed")));
        }
        let mut norm = Vec::new();
        for (j, ip) in given.iter().take(MAX_IPS).enumerate() {
            match ip.as_str().map(cidr) {
                Some(Ok(c)) => norm.push(c),
                Some(Err(why)) => errors.push((format!("rules[{i}].{key}[{j}]"), why)),
                None => errors.push((format!("rules[{i}].{key}[{j}]"), "not a string".into())),
            }
        }
        shuffled(&mut norm, shuffle);
        lists.push(norm);
    }
    let description = match r.get("description") {
        None | Some(Value::Null) => Value::Null,
        Some(Value::String(d)) if d.chars().count() <= 255 => json!(d),
        Some(_) => {
            errors.push((f("description"), "at most 255 characters".into()));
            Value::Null
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let destination = lists.pop().unwrap_or_default();
    let source = lists.pop().unwrap_or_default();
    Ok(
        json!({"direction": direction, "protocol": protocol, "port": port,
        "source_ips": source, "destination_ips": destination, "description": description}),
    )
}

/// `"22"`, `"1024-5000"` (low ≤ high) or `"any"`.
fn port_ok(p: &str) -> bool {
    let num = |s: &str| {
        !s.is_empty()
            && s.len() <= 5
            && s.bytes().all(|b| b.is_ascii_digit())
            && s.parse::<u32>().is_ok_and(|n| (1..=65535).contains(&n))
    };
    match p.split_once('-') {
        _ if p == "any" => true,
        None => num(p),
        Some((a, b)) => num(a) && num(b) && a.parse::<u32>().ok() <= b.parse::<u32>().ok(),
    }
}

/// A CIDR in read-back form: a bare IP gets its full prefix, IPv6 is
/// minimal; host bits are refused.
pub fn cidr(s: &str) -> Result<String, String> {
    let (addr, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    let ip: IpAddr = addr
        .parse()
        .map_err(|_| format!("{s:?} is not an IP address or CIDR"))?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let len: u32 = match len {
        None => max,
        Some(l) if l.len() <= 3 && l.bytes().all(|b| b.is_ascii_digit()) => l
            .parse()
            .ok()
            .filter(|n| *n <= max)
            .ok_or_else(|| format!("{s:?} has a bad prefix length"))?,
        Some(_) => return Err(format!("{s:?} has a bad prefix length")),
    };
    let host_bits = match ip {
        IpAddr::V4(v) => u128::from(u32::from(v) & u32::MAX.checked_shr(len).unwrap_or(0)),
        IpAddr::V6(v) => u128::from(v) & u128::MAX.checked_shr(len).unwrap_or(0),
    };
    if host_bits != 0 {
        return Err(format!("{s:?} has host bits set"));
    }
    Ok(format!("{ip}/{len}"))
}

/// Fisher-Yates with a xorshift stream.
fn shuffled(v: &mut [String], state: &mut u64) {
    for i in (1..v.len()).rev() {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        let j = (*state % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs_read_back_and_host_bits_refused() {
        assert_eq!(cidr("10.0.0.1").as_deref(), Ok("10.0.0.1/32"));
        assert_eq!(cidr("0.0.0.0/0").as_deref(), Ok("0.0.0.0/0"));
        assert_eq!(cidr("10.0.0.0/8").as_deref(), Ok("10.0.0.0/8"));
        assert_eq!(cidr("10.0.0.1/32").as_deref(), Ok("10.0.0.1/32"));
        assert_eq!(
            cidr("2001:DB8:0:0:0:0:0:0/32").as_deref(),
            Ok("2001:db8::/32")
        );
        assert_eq!(cidr("2001:db8::1").as_deref(), Ok("2001:db8::1/128"));
        assert_eq!(cidr("::/0").as_deref(), Ok("::/0"));
        for bad in [
            "10.0.0.1/8",
            "2001:db8::1/64",
            "10.0.0.0/33",
            "x",
            "1.2.3.4/-1",
            "::/129",
        ] {
            assert!(cidr(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn address_lists_shuffled() {
        let mut s = 7;
        let given: Vec<String> = (1..=8).map(|n| format!("10.0.{n}.0/24")).collect();
        let got = rules(
            &json!([{"direction": "in", "protocol": "udp", "port": "53",
            "source_ips": given}]),
            &mut s,
        )
        .expect("valid");
        let back: Vec<String> = serde_json::from_value(got[0]["source_ips"].clone()).expect("ips");
        assert_ne!(back, given, "shuffled");
        let mut sorted = back.clone();
        sorted.sort();
        let mut want = given.clone();
        want.sort();
        assert_eq!(sorted, want, "the same addresses");
    }

    #[test]
    fn rules_refused_with_their_fields() {
        let mut s = 7;
        let bad = json!([
            {"direction": "in", "protocol": "icmp", "port": "22", "source_ips": ["0.0.0.0/0"]},
            {"direction": "out", "protocol": "tcp", "port": "80", "source_ips": ["1.2.3.4"],
             "destination_ips": ["0.0.0.0/0"]},
            {"direction": "in", "protocol": "tcp", "port": "99999", "source_ips": ["10.0.0.1/8"]}
        ]);
        let e = rules(&bad, &mut s).expect_err("refused");
        let names: Vec<&str> = e.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "rules[0].port",
                "rules[1].source_ips",
                "rules[2].port",
                "rules[2].source_ips[0]"
            ]
        );
        let ok = json!([{"direction": "in", "protocol": "tcp", "port": "22",
            "source_ips": ["1.2.3.4", "2001:db8::1", "10.0.0.0/8", "192.0.2.0/24"]}]);
        let got = rules(&ok, &mut s).expect("valid");
        assert_eq!(got[0]["destination_ips"], json!([]));
        assert_eq!(got[0]["description"], Value::Null);
        let mut ips: Vec<&str> = got[0]["source_ips"]
            .as_array()
            .expect("list")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        ips.sort();
        assert_eq!(
            ips,
            [
                "1.2.3.4/32",
                "10.0.0.0/8",
                "192.0.2.0/24",
                "2001:db8::1/128"
            ]
        );
    }
}
