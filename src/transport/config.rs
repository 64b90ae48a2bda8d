//! The ssh_config harden writes for one connection, built so that no
//! inventory value can add a directive.
//!
//! OpenSSH reads its config one line per directive and splits a line into
//! words (`argv_split`): a double-quoted word may hold spaces, and a
//! backslash or quote inside it is an escape that older versions treat
//! differently. Path options are then expanded: `%x` tokens, `${VAR}`
//! environment references and a leading `~`. So every path is written as
//! one double-quoted word with `%` doubled (`%%` is a literal `%`), and a
//! value that cannot be written that way is refused: control characters
//! (a line break would start a new directive, e.g. `ProxyCommand`), `"`,
//! `\`, `${`, a relative path (a leading `~` would be expanded) or a path
//! that is not UTF-8. The user name is checked like a login name.

use std::path::Path;

use super::{ClientConfig, Error};
use crate::inventory::Host;

/// Why a value cannot go into an ssh_config, if it cannot.
fn unsafe_reason(s: &str) -> Option<&'static str> {
    if s.chars()
        .any(|c| crate::inventory::text::bad_char(c).is_some())
    {
        Some("it contains a control character (a line break would start a new ssh option)")
    } else if s.contains('"') {
        Some("it contains `\"`, which ends ssh_config quoting")
    } else if s.contains('\\') {
        Some("it contains `\\`, which ssh_config treats as an escape")
    } else if s.contains("${") {
        Some("it contains `${`, which ssh expands as an environment variable")
    } else {
        None
    }
}

/// A path as one quoted ssh_config word (`%` escaped), or why it cannot be.
pub fn path_word(host: &str, what: &str, p: &Path) -> Result<String, Error> {
    let refuse = |why: &str| {
        Error::Setup(format!(
            "{host}: {what} path {} cannot be passed to ssh: {why}; rename the file or move it to a plain absolute path",
            p.to_string_lossy().escape_debug()
        ))
    };
    let s = p.to_str().ok_or_else(|| refuse("it is not UTF-8"))?;
    if !s.starts_with('/') {
        return Err(refuse(
            "it is not absolute (ssh would expand a leading `~` and resolve it elsewhere)",
        ));
    }
    if let Some(why) = unsafe_reason(s) {
        return Err(refuse(why));
    }
    Ok(format!("\"{}\"", s.replace('%', "%%")))
}

/// Checks a remote login name: letters, digits, `_`, `.`, `-`, not
/// starting with `-` or `.`, at most 32 characters.
pub fn user_word(host: &str, user: &str) -> Result<String, Error> {
    let ok = !user.is_empty()
        && user.len() <= 32
        && !user.starts_with(['-', '.'])
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if ok {
        Ok(user.to_string())
    } else {
        Err(Error::Setup(format!(
            "{host}: ssh_user `{}` is not a valid login name (letters, digits, `_`, `.`, `-`; at most 32; not starting with `-` or `.`); fix ssh_user in the inventory",
            user.escape_debug()
        )))
    }
}

/// The whole ssh_config for `host`.
pub fn render(host: &Host, cfg: &ClientConfig) -> Result<String, Error> {
    let name = host.name.as_str();
    let kh = &host.conn.known_hosts;
    let mut known = path_word(name, "known_hosts", kh)?;
    if !kh.is_file() {
        return Err(Error::Setup(format!(
            "{name}: known_hosts file {} does not exist; harden never trusts an unknown host key (add the host's key or @cert-authority line)",
            kh.display()
        )));
    }
    if let Some(ca) = &cfg.ca_known_hosts {
        known.push(' ');
        known.push_str(&path_word(name, "CA known_hosts", ca)?);
    }
    let mut c = format!(
        "Host *\n  User {}\n  Port {}\n  UserKnownHostsFile {known}\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n  UpdateHostKeys no\n  CheckHostIP no\n  HashKnownHosts no\n  BatchMode yes\n  PasswordAuthentication no\n  KbdInteractiveAuthentication no\n  ConnectTimeout {}\n  ServerAliveInterval 10\n  ServerAliveCountMax 3\n  LogLevel ERROR\n  ForwardAgent no\n  ForwardX11 no\n  ClearAllForwardings yes\n  ProxyCommand none\n",
        user_word(name, &host.conn.user)?,
        host.conn.port,
        host.conn.connect_timeout.as_secs().max(1),
    );
    if !cfg.run_identity.is_empty() || host.conn.identity.is_some() {
        c.push_str("  IdentitiesOnly yes\n");
    }
    for (key, cert) in &cfg.run_identity {
        c.push_str(&format!(
            "  IdentityFile {}\n  CertificateFile {}\n",
            path_word(name, "run key", key)?,
            path_word(name, "run certificate", cert)?
        ));
    }
    if let Some(id) = &host.conn.identity {
        let word = path_word(name, "identity", id)?;
        if !id.is_file() {
            return Err(Error::Setup(format!(
                "{name}: identity {} does not exist",
                id.display()
            )));
        }
        c.push_str(&format!("  IdentityFile {word}\n"));
    }
    Ok(c)
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
