//! Field-specific rules for strings that reach a generated file, a shell
//! line or an ssh option, on top of the control-character walk (`text.rs`).
//!
//! * account names (`ssh_user`) are POSIX user names;
//! * paths (`known_hosts`, `identity`, `[ca] dir`, `[audit] log`,
//!   `[report] ca_file`/`outbox`) contain no `"`, which an OpenSSH config
//!   value cannot quote, checked on the resolved absolute path so the
//!   inventory's own directory counts too; paths handed to ssh also refuse
//!   `%` and `$`, which ssh expands as tokens and environment variables;
//! * free text (`tenant`, `allow` comments, which may also hold `"`: the
//!   firewall writes it as `'`; the sections check theirs with
//!   [`free_text_problem`]) keeps to a character set that is safe in a
//!   comment;
//! * environment variable names are `[A-Za-z_][A-Za-z0-9_]*`.
//!
//! The controls' sections (`sshd.extra`, …) check their own values.

use std::path::Path;

use super::schema::RawInventory;
use super::source::{Diagnostic, Diags, KeyPath, Severity, Source};

/// Punctuation free text may use besides letters, digits and spaces.
const TEXT_PUNCT: &str = "-_.,:;/()[]@+=&'!?%#*~";

struct Cx<'a> {
    src: &'a Source,
    diags: &'a mut Diags,
}

impl Cx<'_> {
    fn err(&mut self, p: &KeyPath, code: &'static str, msg: String, help: &str) {
        if self.diags.full(Severity::Error) {
            self.diags.count_only(Severity::Error);
        } else {
            self.diags
                .push(Diagnostic::at(self.src, p, code, msg, help.to_string()));
        }
    }

    fn login(&mut self, p: KeyPath, v: Option<&String>) {
        let Some(v) = v else { return };
        if !super::people::valid_login(v) {
            self.err(
                &p,
                "inv-bad-name",
                format!("`{v}` is not a user name"),
                "use a POSIX user name: a lowercase letter or '_' first, then up to 31 lowercase letters, digits, '_' or '-' (e.g. root, harden)",
            );
        }
    }

    fn path(&mut self, p: KeyPath, dir: &Path, v: Option<&str>, for_ssh: bool) {
        let Some(v) = v else { return };
        let full = dir.join(v);
        let Some(text) = full.to_str() else {
            return self.err(
                &p,
                "inv-bad-path",
                format!("`{}` is not valid UTF-8", full.display()),
                "use a path of UTF-8 characters",
            );
        };
        let in_value = |c: char| v.contains(c);
        let refused: &[char] = if for_ssh { &['"', '%', '$'] } else { &['"'] };
        let bad = text
            .chars()
            .find(|c| refused.contains(c) || super::text::bad_char(*c).is_some());
        if let Some(c) = bad {
            let whose = if in_value(c) {
                "the path".to_string()
            } else {
                format!("the inventory's directory `{}`", dir.display())
            };
            let why = match c {
                '"' => "OpenSSH cannot quote a `\"` inside a config value",
                '%' | '$' => "ssh expands `%` tokens and `${VAR}` in this path",
                _ => "a control character could start a new directive",
            };
            self.err(
                &p,
                "inv-bad-path",
                format!("{whose} contains `{}`: {why}", c.escape_debug()),
                "rename the file or directory (or move the inventory) so the path has no `\"`, `%`, `$` or control characters",
            );
        }
    }

    /// Free text; `also` lists further characters the consumer escapes.
    fn text(&mut self, p: KeyPath, v: Option<&str>, max: usize, also: &str) {
        let Some(v) = v else { return };
        if let Some((msg, help)) = free_text_problem(v, max, also) {
            self.err(&p, "inv-bad-text", msg, &help);
        }
    }

    fn env_name(&mut self, p: KeyPath, v: Option<&str>) {
        let Some(v) = v else { return };
        let mut cs = v.chars();
        let ok = cs
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
            && v.len() <= 64;
        if !ok {
            self.err(
                &p,
                "inv-bad-value",
                format!("`{v}` is not an environment variable name"),
                "use letters, digits and '_', not starting with a digit (e.g. HARDEN_CA_PASSPHRASE)",
            );
        }
    }
}

/// What is wrong with free text `v` that ends up in a comment (message,
/// help), if anything: a character outside letters, digits, spaces,
/// `TEXT_PUNCT` and `also`, or more than `max` characters.
pub fn free_text_problem(v: &str, max: usize, also: &str) -> Option<(String, String)> {
    let bad = v.chars().find(|c| {
        !c.is_alphanumeric() && *c != ' ' && !TEXT_PUNCT.contains(*c) && !also.contains(*c)
    });
    if let Some(c) = bad {
        Some((
            format!("the text contains `{}`", c.escape_debug()),
            format!("free text may use letters, digits, spaces and `{TEXT_PUNCT}{also}`"),
        ))
    } else if v.chars().count() > max {
        Some((
            format!("the text is longer than {max} characters"),
            "shorten it".into(),
        ))
    } else {
        None
    }
}

/// Checks every field with a rule of its own; `dir` is the directory
/// relative paths are resolved against.
pub fn check(src: &Source, dir: &Path, raw: &RawInventory, diags: &mut Diags) {
    let mut cx = Cx { src, diags };
    let d = &raw.defaults;
    let dp = KeyPath::root().key("defaults");
    cx.login(dp.key("ssh_user"), d.ssh_user.as_ref());
    cx.path(dp.key("known_hosts"), dir, d.known_hosts.as_deref(), true);
    cx.path(dp.key("identity"), dir, d.identity.as_deref(), true);
    for (i, h) in raw.hosts.iter().enumerate() {
        let hp = KeyPath::root().key("hosts").index(i);
        cx.login(hp.key("ssh_user"), h.ssh_user.as_ref());
        cx.path(hp.key("known_hosts"), dir, h.known_hosts.as_deref(), true);
        cx.path(hp.key("identity"), dir, h.identity.as_deref(), true);
        cx.text(hp.key("tenant"), h.tenant.as_deref(), 100, "");
        for (j, a) in h.allow.iter().enumerate() {
            cx.text(
                hp.key("allow").index(j).key("comment"),
                a.comment.as_deref(),
                200,
                // The firewall control writes `"` as `'` in nft comments.
                "\"",
            );
        }
    }
    if let Some(ca) = &raw.ca {
        let cp = KeyPath::root().key("ca");
        cx.path(
            cp.key("dir"),
            dir,
            Some(ca.dir.as_deref().unwrap_or("ca")),
            false,
        );
        cx.env_name(cp.key("passphrase_env"), ca.passphrase_env.as_deref());
    }
    if let Some(a) = &raw.audit {
        cx.path(
            KeyPath::root().key("audit").key("log"),
            dir,
            a.log.as_deref(),
            false,
        );
    }
    if let Some(r) = &raw.report {
        let rp = KeyPath::root().key("report");
        cx.env_name(rp.key("token_env"), Some(&r.token_env));
        for (key, p) in [("ca_file", &r.ca_file), ("outbox", &r.outbox)] {
            cx.path(rp.key(key), dir, p.as_ref().and_then(|p| p.to_str()), false);
        }
    }
}
