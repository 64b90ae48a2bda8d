//! Why a fact could not be read: the one error type of every kind.

use std::fmt;

use super::text::printable;

/// Why a fact could not be read. Each variant names the probe id and the
/// command that was run; `Display` is one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KindError {
    /// A kind's parameter (device, path, socket) was refused before any
    /// command ran.
    BadParameter {
        /// The kind, e.g. "kind.luks-dump".
        kind: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// The command exited with a code that the kind does not accept.
    Failed {
        /// Probe id.
        id: String,
        /// The command, as a short name.
        command: &'static str,
        /// Exit code.
        rc: i32,
        /// First line of stderr, made printable and cut short.
        stderr: String,
    },
    /// The command printed more than the kind accepts.
    TooLarge {
        /// Probe id.
        id: String,
        /// The command.
        command: &'static str,
        /// What was counted ("bytes", "devices", "lines", …).
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// The kind's probe was not run (a control read a fact it did not ask
    /// for: a bug, reported rather than guessed around).
    NotProbed {
        /// Probe id.
        id: String,
    },
    /// The output is not in the shape the command prints.
    Malformed {
        /// Probe id.
        id: String,
        /// The command.
        command: &'static str,
        /// What was wrong, and where (line, field).
        detail: String,
    },
}

impl KindError {
    /// A stable diagnostic code.
    pub fn code(&self) -> &'static str {
        match self {
            KindError::BadParameter { .. } => "FACT-PARAM",
            KindError::Failed { .. } => "FACT-EXIT",
            KindError::TooLarge { .. } => "FACT-SIZE",
            KindError::Malformed { .. } => "FACT-SHAPE",
            KindError::NotProbed { .. } => "FACT-MISSING",
        }
    }

    /// The error for a kind whose probe did not run.
    pub fn not_probed(id: &str) -> Self {
        KindError::NotProbed { id: id.to_string() }
    }

    /// A `Failed` error from a command's output.
    pub(crate) fn failed(id: String, command: &'static str, rc: i32, stderr: &str) -> Self {
        let first = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        KindError::Failed {
            id,
            command,
            rc,
            stderr: printable(first, 200),
        }
    }
}

impl fmt::Display for KindError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KindError::BadParameter { kind, detail } => {
                let detail = printable(detail, 400);
                write!(f, "[FACT-PARAM] {kind}: refused parameter: {detail}")
            }
            KindError::Failed {
                id,
                command,
                rc,
                stderr,
            } => {
                let id = printable(id, 300);
                if stderr.is_empty() {
                    write!(f, "[FACT-EXIT] {id}: `{command}` exited {rc}")
                } else {
                    write!(f, "[FACT-EXIT] {id}: `{command}` exited {rc}: {stderr}")
                }
            }
            KindError::TooLarge {
                id,
                command,
                what,
                limit,
            } => {
                let id = printable(id, 300);
                write!(
                    f,
                    "[FACT-SIZE] {id}: `{command}` printed more than {limit} {what}"
                )
            }
            KindError::NotProbed { id } => {
                let id = printable(id, 300);
                write!(f, "[FACT-MISSING] {id}: not probed on this host")
            }
            KindError::Malformed {
                id,
                command,
                detail,
            } => {
                let id = printable(id, 300);
                // serde's messages quote the offending input.
                let detail = printable(detail, 400);
                write!(f, "[FACT-SHAPE] {id}: `{command}` printed {detail}")
            }
        }
    }
}

impl std::error::Error for KindError {}

/// The checks every kind makes before parsing: the command succeeded,
/// and printed no more than `max` bytes.
pub(crate) fn accept(
    out: &super::CmdOutput<'_>,
    id: &str,
    command: &'static str,
    max: usize,
) -> Result<(), KindError> {
    if out.rc != 0 {
        return Err(KindError::failed(
            id.to_string(),
            command,
            out.rc,
            out.stderr,
        ));
    }
    if out.stdout.len() > max {
        return Err(KindError::TooLarge {
            id: id.to_string(),
            command,
            what: "bytes",
            limit: max,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_one_printable_line() {
        let e = KindError::Malformed {
            id: "kind.x:/a\nb".into(),
            command: "x",
            detail: "invalid type: string \"\u{1b}[2J\u{202e}\", expected u64".into(),
        };
        let s = e.to_string();
        assert!(!s.chars().any(super::super::text::refused), "{s:?}");
        assert!(
            s.starts_with("[FACT-SHAPE] kind.x:/a\\nb: `x` printed invalid type"),
            "{s}"
        );
        let f = KindError::failed("kind.y".into(), "y", 3, "\n  \nfirst\u{7}\nsecond\n");
        assert_eq!(
            f.to_string(),
            "[FACT-EXIT] kind.y: `y` exited 3: first\\u{7}"
        );
        let long = KindError::failed("kind.y".into(), "y", 1, &"e".repeat(10_000));
        assert!(long.to_string().len() < 300);
        assert_eq!(long.code(), "FACT-EXIT");
    }
}
