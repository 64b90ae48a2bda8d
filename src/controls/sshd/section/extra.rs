//! `sshd.extra`: each entry is exactly one sshd directive from an explicit
//! allow-list of keywords that cannot weaken what harden manages.
//!
//! Everything harden manages (authentication, crypto, forwarding, limits,
//! logging, keys and certificates, `PerSourcePenalties`) has its own
//! inventory key or is fixed; `Match` and `Include` would change the meaning
//! of every line after them; keywords that run commands or change paths
//! (`AuthorizedKeysCommand`, `ForceCommand`, `ChrootDirectory`, `SetEnv`…)
//! are not offered. The list below is the whole of what `extra` may set.
//! Values are plain tokens: no quotes, `#`, backslashes or `$`, so sshd reads
//! them exactly as harden's drift check does.

/// Keywords an `extra` entry may set, as sshd spells them.
pub const ALLOWED: &[&str] = &[
    "AcceptEnv",
    "AllowGroups",
    "AllowUsers",
    "ChannelTimeout",
    "DenyGroups",
    "DenyUsers",
    "DisableForwarding",
    "ExposeAuthInfo",
    "FingerprintHash",
    "IgnoreUserKnownHosts",
    "IPQoS",
    "LogVerbose",
    "PermitListen",
    "PermitOpen",
    "PermitTTY",
    "PerSourceMaxStartups",
    "PerSourceNetBlockSize",
    "PubkeyAuthOptions",
    "RekeyLimit",
    "UnusedConnectionTimeout",
    "VersionAddendum",
];

/// Characters a value token may contain besides ASCII letters and digits
/// (patterns `*?!`, lists `,`, `user@host`, `host:port`, `[::1]`, `a=b`).
const VALUE_PUNCT: &str = "_.,:*?!@/%+=-[]";

/// Longest entry accepted, in bytes.
const MAX_LEN: usize = 1000;

/// Why an entry was refused.
#[derive(Debug, PartialEq, Eq)]
pub struct Refused {
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

fn refused(message: String, help: impl Into<String>) -> Refused {
    Refused {
        message,
        help: help.into(),
    }
}

/// Checks one entry; returns it normalised to `Keyword value…` (keyword as
/// sshd spells it, single spaces).
pub fn parse(entry: &str) -> Result<String, Refused> {
    if entry.len() > MAX_LEN {
        return Err(refused(
            format!("the entry is longer than {MAX_LEN} bytes"),
            "one short `Keyword value` directive per entry",
        ));
    }
    let mut words = entry.split(' ').filter(|w| !w.is_empty());
    let Some(kw) = words.next() else {
        return Err(refused(
            "the entry is empty".into(),
            "remove it, or write one `Keyword value` directive",
        ));
    };
    let Some(known) = ALLOWED.iter().find(|k| k.eq_ignore_ascii_case(kw)) else {
        let why = match kw.to_ascii_lowercase().as_str() {
            "match" | "include" => {
                "Match and Include change the meaning of every line after them".to_string()
            }
            k if k.contains('=') => "write `Keyword value` with a space, not `=`".to_string(),
            _ => "harden manages it, or it could weaken or bypass the managed settings".to_string(),
        };
        return Err(refused(
            format!("`{kw}` is not a keyword sshd.extra may set: {why}"),
            format!(
                "allowed keywords: {}; settings harden manages have their own inventory keys (docs/inventory.md)",
                ALLOWED.join(", ")
            ),
        ));
    };
    let values: Vec<&str> = words.collect();
    if values.is_empty() {
        return Err(refused(
            format!("`{known}` has no value"),
            format!("write `{known} <value>`"),
        ));
    }
    for v in &values {
        if let Some(c) = v
            .chars()
            .find(|c| !c.is_ascii_alphanumeric() && !VALUE_PUNCT.contains(*c))
        {
            return Err(refused(
                format!("the value of `{known}` contains `{c}`"),
                format!(
                    "values are plain tokens of letters, digits and `{VALUE_PUNCT}` separated by spaces; no quotes, `#`, `\\` or `$`"
                ),
            ));
        }
    }
    Ok(format!("{known} {}", values.join(" ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_allowed_directive_per_entry() {
        assert_eq!(parse("permittty  no").as_deref(), Ok("PermitTTY no"));
        assert_eq!(
            parse("AllowUsers alice@10.0.0.0/8 bob").as_deref(),
            Ok("AllowUsers alice@10.0.0.0/8 bob")
        );
        assert!(parse("AcceptEnv LANG LC_*").is_ok());
        for bad in [
            "",
            "   ",
            "Match Address 198.51.100.0/24",
            "Include /tmp/x",
            "PasswordAuthentication yes",
            "PermitRootLogin yes",
            "ForceCommand /bin/sh",
            "PermitTTY",
            "PermitTTY=no",
            "VersionAddendum \"x\"",
            "VersionAddendum a#b",
            "AllowUsers $USER",
            "AllowUsers a\\ b",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} was accepted");
        }
        let e = parse("Match User x").unwrap_err();
        assert!(e.message.contains("Match and Include"), "{e:?}");
        assert!(e.help.contains("PermitTTY"), "{e:?}");
    }
}
