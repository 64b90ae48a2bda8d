//! Durations as operators type them: `90m`, `2h`, `45s`, `1h30m`, `7d`.
//!
//! A number without a unit is refused rather than guessed (is `90`
//! seconds or minutes?). Units may repeat in any order only once each and
//! must be given largest first, as people write them.

/// Parses `1h30m`-style text into seconds.
pub fn parse(text: &str) -> Result<u64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty duration; write e.g. 90m, 2h, 45s or 1h30m".into());
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    let mut last_rank = usize::MAX;
    for c in t.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let (rank, unit) = match c {
            'd' => (3, 86_400),
            'h' => (2, 3_600),
            'm' => (1, 60),
            's' => (0, 1),
            _ => {
                return Err(format!(
                    "`{t}`: unknown unit `{c}`; use d, h, m or s (e.g. 1h30m)"
                ))
            }
        };
        if digits.is_empty() {
            return Err(format!("`{t}`: a number must come before `{c}`"));
        }
        if rank >= last_rank {
            return Err(format!(
                "`{t}`: give each unit once, largest first (e.g. 1h30m)"
            ));
        }
        last_rank = rank;
        let n: u64 = digits
            .parse()
            .map_err(|_| format!("`{t}`: number too large"))?;
        digits.clear();
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("`{t}`: duration too large"))?;
    }
    if !digits.is_empty() {
        return Err(format!(
            "`{t}`: the number {digits} has no unit; write e.g. {digits}m or {digits}s"
        ));
    }
    Ok(total)
}

/// Formats seconds the way [`parse`] reads them (`1h30m`, `45s`, `0s`).
pub fn format(secs: u64) -> String {
    if secs == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    let mut rest = secs;
    for (unit, len) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        let n = rest / len;
        rest %= len;
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_usual_forms() {
        for (text, secs) in [
            ("90m", 5400),
            ("2h", 7200),
            ("45s", 45),
            ("1h30m", 5400),
            ("1h30m15s", 5415),
            ("7d", 604_800),
            (" 4s ", 4),
        ] {
            assert_eq!(parse(text), Ok(secs), "{text}");
        }
    }

    #[test]
    fn refuses_ambiguous_or_odd_forms() {
        for bad in ["", "90", "m", "1x", "30m1h", "1h1h", "1.5h", "-5m"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(parse("90").unwrap_err().contains("has no unit"));
        assert!(parse("99999999999999999999d").is_err());
    }

    #[test]
    fn formats_round_trip() {
        for s in [0, 4, 60, 5400, 5415, 90_061] {
            assert_eq!(parse(&format(s)), Ok(s));
        }
        assert_eq!(format(5400), "1h30m");
        assert_eq!(format(45), "45s");
    }
}
