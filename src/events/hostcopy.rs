//! The copy of the audit log kept on each affected host.
//!
//! `/var/log/harden/audit.jsonl` on a host holds the events that touched
//! it, chained on their own (see [`crate::audit`]). harden appends with
//! compare-and-append: it makes the next entry from the tail it believes
//! the file has, and the host appends it only if the file's last line still
//! hashes to that tail, under the exclusive host lock; otherwise the host
//! answers with its real tail and harden makes the entry again. Two runs
//! appending at once therefore never fork the chain, and a run needs one
//! round trip on a host it has not written to yet (it first assumes an
//! empty file) and usually two otherwise. The file is 0600 in a 0700
//! directory: it names people.

use base64ct::Encoding;
use sha2::{Digest, Sha256};

use crate::audit::{next_entry, Event};
use crate::contract::sh_quote;
use crate::maintenance::script::{lock, EXIT_LOCKED};
use crate::transport::Conn;

/// The audit copy on a host.
pub const HOST_LOG: &str = "/var/log/harden/audit.jsonl";

/// Exit code of [`append_script`]: the file's tail was not the expected
/// one; stdout holds the real tail.
const EXIT_TAIL_MOVED: i32 = 3;
/// Exit code of [`read_script`]: there is no copy on the host.
pub const EXIT_ABSENT: i32 = 4;

/// Compare-and-append attempts before giving up.
const ATTEMPTS: usize = 5;

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Appends `line` if the file's last line (as `tail -n 1` prints it)
/// hashes to `expect`.
fn append_script(expect: &str, line: &str) -> String {
    format!(
        r#"{lock}mkdir -p /var/log/harden || exit 1
F={file}
[ -e "$F" ] || : > "$F" || exit 1
have=$(tail -n 1 "$F" | sha256sum | cut -d' ' -f1)
if [ "$have" != {expect} ]; then tail -n 1 "$F"; exit {EXIT_TAIL_MOVED}; fi
printf '%s\n' {line} >> "$F" || exit 1
sync "$F" 2>/dev/null || true
"#,
        lock = lock(true),
        file = sh_quote(HOST_LOG),
        line = sh_quote(line),
    )
}

/// Prints the copy base64-encoded (byte-exact), under the shared lock.
pub fn read_script() -> String {
    format!(
        "{}F={}\nif [ -f \"$F\" ]; then base64 -w0 \"$F\"; else exit {EXIT_ABSENT}; fi\n",
        lock(false),
        sh_quote(HOST_LOG)
    )
}

/// Why the host copy could not be written or read.
pub type CopyError = String;

/// Appends `event` to the host's copy; returns the entry's seq there.
pub async fn append(conn: &Conn, host: &str, event: &Event) -> Result<u64, CopyError> {
    let mut tail = String::new();
    for _ in 0..ATTEMPTS {
        let entry = next_entry(&tail, event).map_err(|e| format!("{host}: {HOST_LOG}: {e}"))?;
        let out = conn
            .exec(&append_script(&sha256_hex(tail.as_bytes()), entry.line()))
            .await
            .map_err(|e| e.to_string())?;
        match out.rc {
            0 => return Ok(entry.seq),
            EXIT_TAIL_MOVED => tail = out.stdout,
            EXIT_LOCKED => return Err(format!("{host}: another harden run holds the host lock")),
            rc => {
                return Err(format!(
                    "{host}: appending to {HOST_LOG} exited {rc}: {}",
                    out.stderr.trim()
                ))
            }
        }
    }
    Err(format!(
        "{host}: {HOST_LOG} kept changing under harden ({ATTEMPTS} attempts)"
    ))
}

/// The host's copy, byte-exact; None when there is none.
pub async fn read(conn: &Conn, host: &str) -> Result<Option<Vec<u8>>, CopyError> {
    let out = conn.exec(&read_script()).await.map_err(|e| e.to_string())?;
    match out.rc {
        0 => base64ct::Base64::decode_vec(out.stdout.trim())
            .map(Some)
            .map_err(|e| format!("{host}: {HOST_LOG}: bad base64 from the host: {e}")),
        EXIT_ABSENT => Ok(None),
        EXIT_LOCKED => Err(format!("{host}: another harden run holds the host lock")),
        rc => Err(format!(
            "{host}: reading {HOST_LOG} exited {rc}: {}",
            out.stderr.trim()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::verify;

    /// Runs the append script against a local file by rewriting its paths.
    fn run_local(dir: &std::path::Path, script: &str) -> (i32, String) {
        let s = script
            .replace("/var/log/harden", &dir.join("log").display().to_string())
            .replace("/run/lock", &dir.join("lock").display().to_string());
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(s)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }

    #[test]
    fn compare_and_append_refuses_a_moved_tail() {
        let dir = tempfile::tempdir().unwrap();
        let e1 = Event::new("maintenance-open", vec!["db".into()]).with_reason("it's OPS-1");
        let first = next_entry("", &e1).unwrap();
        let (rc, _) = run_local(dir.path(), &append_script(&sha256_hex(b""), first.line()));
        assert_eq!(rc, 0);
        // A second writer that still believes the file is empty is refused
        // and told the real tail.
        let e2 = Event::new("maintenance-close", vec!["db".into()]);
        let stale = next_entry("", &e2).unwrap();
        let (rc, tail) = run_local(dir.path(), &append_script(&sha256_hex(b""), stale.line()));
        assert_eq!(rc, EXIT_TAIL_MOVED);
        assert_eq!(tail, first.to_line());
        let good = next_entry(&tail, &e2).unwrap();
        let (rc, _) = run_local(
            dir.path(),
            &append_script(&sha256_hex(tail.as_bytes()), good.line()),
        );
        assert_eq!(rc, 0);
        let text = std::fs::read_to_string(dir.path().join("log/audit.jsonl")).unwrap();
        let r = verify(&text);
        assert!(r.is_ok(), "{r}");
        assert_eq!(r.entries, 2);
    }
}
