//! The SSH backend's probe script: every probe of a host answered in one
//! remote shell run.
//!
//! The engine deduplicates the controls' probes; this module turns them
//! into a single POSIX `sh` script and parses the framed output back into
//! [`Facts`]. File contents travel base64-encoded (they may be binary);
//! command output travels raw between marker lines carrying a random
//! per-run nonce, so ordinary output cannot be mistaken for the framing,
//! and no extra process per command is spent on encoding (drift of 30
//! hosts must stay well under three seconds).

use std::collections::BTreeSet;

use crate::contract::{sh_quote, CmdFact, Facts, FileFact, Probe};

const BASE_ID: &str = "harden.base";

/// Builds the one script that answers all probes.
pub fn script(probes: &BTreeSet<Probe>, nonce: &str) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        r#"export LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
umask 077
T=$(mktemp -d) || exit 97
trap 'rm -rf "$T"' EXIT
M='@@{nonce}'
hf() {{ n=$#; for f; do if [ -f "$f" ] && [ ! -L "$f" ]; then set -- "$@" "$f"; elif [ -e "$f" ] || [ -L "$f" ]; then echo "$M other - - - - $f"; else echo "$M absent - - - - $f"; fi; done; shift "$n"; if [ $# -gt 0 ]; then stat -c "$M file %a %U %G %s %n" -- "$@"; echo "$M blob - - - - ."; cat -- "$@" | base64 -w0; echo; fi; }}
hd() {{ echo "$M dir - - - - $1"; if [ -d "$1" ]; then set -- "$1"/* "$1"/.[!.]*; n=$#; for x; do if [ -e "$x" ] || [ -L "$x" ]; then set -- "$@" "$x"; fi; done; shift "$n"; if [ $# -gt 0 ]; then hf "$@"; fi; fi; echo "$M enddir - - - - ."; }}
hc() {{ echo "$M cmd - - - - $1"; ( eval "$2" ) 2>"$T/e" </dev/null; rc=$?; echo; echo "$M rc $rc - - - $1"; if [ -s "$T/e" ]; then cat "$T/e"; fi; echo; echo "$M endcmd - - - - $1"; }}
hc {BASE_ID} 'echo "conn=$SSH_CONNECTION"; echo "uid=$(id -u)"; if [ -d /run/systemd/system ]; then echo systemd=1; else echo systemd=0; fi; echo "hostname=$(uname -n)"'
"#
    ));
    // All plain files in one batch: one stat, one cat, one base64.
    let files: Vec<String> = probes
        .iter()
        .filter_map(|p| match p {
            Probe::File(path) => Some(sh_quote(path)),
            _ => None,
        })
        .collect();
    if !files.is_empty() {
        s.push_str(&format!("hf {}\n", files.join(" ")));
    }
    for p in probes {
        match p {
            // Files are batched above; API probes are the HTTP backend's.
            Probe::File(_) | Probe::Api { .. } | Probe::Tls(_) => {}
            Probe::Dir(path) => s.push_str(&format!("hd {}\n", sh_quote(path))),
            Probe::Cmd { id, script } => {
                s.push_str(&format!("hc {} {}\n", sh_quote(id), sh_quote(script)))
            }
        }
    }
    s.push_str("echo \"$M end - - - - .\"\n");
    s
}

/// Why probe output could not be understood.
#[derive(Debug, PartialEq, Eq)]
pub struct ParseError(pub String);

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot parse the host's probe output: {}", self.0)
    }
}

fn b64(s: &str) -> Result<Vec<u8>, ParseError> {
    use base64ct::Encoding;
    base64ct::Base64::decode_vec(s.trim()).map_err(|e| ParseError(format!("bad base64: {e}")))
}

/// Collects raw lines up to a marker line starting with `end`; returns the
/// text (the one newline the script added removed) and the rest of the
/// marker line.
fn raw_until<'a>(
    lines: &mut impl Iterator<Item = &'a str>,
    end: &str,
) -> Result<(String, String), ParseError> {
    let mut body: Vec<&str> = Vec::new();
    for l in lines.by_ref() {
        if let Some(rest) = l.strip_prefix(end) {
            return Ok((body.join("\n"), rest.to_string()));
        }
        body.push(l);
    }
    Err(ParseError(
        "output ended early (the probe script was cut off)".into(),
    ))
}

/// Parses the output of [`script`].
pub fn parse(out: &str, nonce: &str) -> Result<Facts, ParseError> {
    let marker = format!("@@{nonce} ");
    let mut facts = Facts::default();
    let mut lines = out.split('\n');
    let mut cur_dir: Option<String> = None;
    let mut ended = false;
    // Regular files of the current batch, waiting for their blob.
    let mut batch: Vec<(FileFact, usize)> = Vec::new();
    while let Some(line) = lines.next() {
        let Some(rest) = line.strip_prefix(&marker) else {
            continue;
        };
        let mut parts = rest.splitn(6, ' ');
        let kind = parts.next().unwrap_or("");
        let a = parts.next().unwrap_or("");
        let b = parts.next().unwrap_or("");
        let c = parts.next().unwrap_or("");
        let d = parts.next().unwrap_or("");
        let path = parts.next().unwrap_or("").to_string();
        let mut found: Vec<FileFact> = Vec::new();
        match kind {
            "file" => {
                let mode = u32::from_str_radix(a, 8)
                    .map_err(|_| ParseError(format!("bad mode `{a}` for {path}")))?;
                let size = d
                    .parse()
                    .map_err(|_| ParseError(format!("bad size `{d}` for {path}")))?;
                let f = FileFact {
                    path,
                    present: true,
                    not_regular: false,
                    mode,
                    owner: b.into(),
                    group: c.into(),
                    content: Vec::new(),
                };
                batch.push((f, size));
            }
            "blob" => {
                let bytes = b64(lines.next().unwrap_or(""))?;
                let total: usize = batch.iter().map(|(_, n)| n).sum();
                if total != bytes.len() {
                    return Err(ParseError(format!(
                        "files changed while being read ({} bytes announced, {} read); run again",
                        total,
                        bytes.len()
                    )));
                }
                let mut at = 0;
                for (mut f, n) in batch.drain(..) {
                    f.content = bytes[at..at + n].to_vec();
                    at += n;
                    found.push(f);
                }
            }
            "other" => found.push(FileFact {
                not_regular: true,
                ..FileFact::absent(&path)
            }),
            "absent" => {
                if cur_dir.is_none() {
                    found.push(FileFact::absent(&path));
                }
            }
            "dir" => {
                facts.dirs.insert(path.clone(), Vec::new());
                cur_dir = Some(path);
            }
            "enddir" => cur_dir = None,
            "cmd" => {
                let stdout = raw_until(&mut lines, &format!("{marker}rc "))?;
                let rc = stdout
                    .1
                    .split(' ')
                    .next()
                    .and_then(|r| r.parse().ok())
                    .ok_or_else(|| ParseError(format!("bad exit code line for `{path}`")))?;
                let stderr = raw_until(&mut lines, &format!("{marker}endcmd "))?;
                facts.cmds.insert(
                    path,
                    CmdFact {
                        rc,
                        stdout: stdout.0,
                        stderr: stderr.0,
                    },
                );
            }
            "end" => ended = true,
            other => return Err(ParseError(format!("unknown record `{other}`"))),
        }
        for f in found {
            match &cur_dir {
                Some(d) => facts.dirs.entry(d.clone()).or_default().push(f),
                None => {
                    facts.files.insert(f.path.clone(), f);
                }
            }
        }
    }
    if !batch.is_empty() {
        return Err(ParseError(
            "file contents missing (the probe script was cut off)".into(),
        ));
    }
    if !ended {
        return Err(ParseError(
            "output ended early (the probe script was cut off)".into(),
        ));
    }
    let base = facts
        .cmds
        .remove(BASE_ID)
        .ok_or_else(|| ParseError("base facts missing".into()))?;
    for line in base.stdout.lines() {
        match line.split_once('=') {
            Some(("conn", v)) => {
                facts.base.client_addr = v.split_whitespace().next().and_then(|a| a.parse().ok())
            }
            Some(("uid", v)) => facts.base.uid = v.trim().parse().ok(),
            Some(("systemd", v)) => facts.base.systemd = v.trim() == "1",
            Some(("hostname", v)) => facts.base.hostname = v.trim().to_string(),
            _ => {}
        }
    }
    Ok(facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_is_shell_safe() {
        assert_eq!(sh_quote("/etc/ssh/sshd_config"), "/etc/ssh/sshd_config");
        assert_eq!(sh_quote("a b"), "'a b'");
        assert_eq!(sh_quote("it's"), "'it'\\''s'");
        assert_eq!(sh_quote(""), "''");
    }

    #[test]
    fn runs_the_script_locally_and_parses_it() {
        let dir = std::env::temp_dir().join(format!("harden-facts-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("d")).unwrap();
        std::fs::write(dir.join("f.txt"), "hello\n@@fake marker\n").unwrap();
        std::fs::write(dir.join("d/one.conf"), "x").unwrap();
        std::fs::write(dir.join("d/two.bin"), [0u8, 255, 10, 13, 64]).unwrap();
        std::fs::write(dir.join("empty"), "").unwrap();
        let f = dir.join("f.txt").display().to_string();
        let d = dir.join("d").display().to_string();
        let probes: BTreeSet<Probe> = [
            Probe::File(f.clone()),
            Probe::File("/nonexistent/harden".into()),
            Probe::File(dir.join("empty").display().to_string()),
            Probe::Dir(d.clone()),
            Probe::cmd("echo", "printf 'out'; printf 'err' >&2; exit 3"),
        ]
        .into_iter()
        .collect();
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(script(&probes, "n0nce"))
            .output()
            .unwrap();
        let facts = parse(&String::from_utf8_lossy(&out.stdout), "n0nce").unwrap();
        let file = facts.file(&f);
        assert!(file.present);
        assert_eq!(file.text(), "hello\n@@fake marker\n");
        assert!(!facts.file("/nonexistent/harden").present);
        assert_eq!(facts.dir(&d).len(), 2);
        assert_eq!(facts.dir(&d)[0].text(), "x");
        assert_eq!(facts.dir(&d)[1].content, vec![0u8, 255, 10, 13, 64]);
        let empty = facts.file(&dir.join("empty").display().to_string());
        assert!(empty.present && empty.content.is_empty());
        let c = facts.cmd("echo").unwrap();
        assert_eq!(
            (c.rc, c.stdout.as_str(), c.stderr.as_str()),
            (3, "out", "err")
        );
        assert!(facts.base.uid.is_some());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn truncated_output_is_an_error() {
        let e = parse(
            "@@n file 644 root root 2 /x\n@@n blob - - - - .\naGk=\n",
            "n",
        )
        .unwrap_err();
        assert!(e.0.contains("ended early"), "{e}");
    }
}
