//! `harden man`: the manual page harden(1), in roff, generated from the
//! clap definitions (clap_mangen) plus the sections clap does not know:
//! EXIT STATUS, ENVIRONMENT (NO_COLOR, HARDEN_INVENTORY) and the report
//! formats. docs/cli.md says the same in Markdown.

use clap::CommandFactory;

/// The sections after clap's own, as (title, paragraphs).
pub const EXTRA: &[(&str, &[&str])] = &[
    (
        "EXIT STATUS",
        &[
            "0: everything is in sync, or was applied and verified; also --help and --version.",
            "1: harden could not do its job: a usage error, a bad inventory, an unreachable host, a failed or rolled-back change, apply without --yes when stdin is not a terminal, an internal error.",
            "2: harden did its job and found something: drift (drift), changes to make (plan), a broken hash chain (audit verify). Never a usage error.",
        ],
    ),
    (
        "ENVIRONMENT",
        &[
            "HARDEN_INVENTORY: the inventory file when --inventory is not given (default inventory.toml).",
            "NO_COLOR: harden never writes colour or other terminal escapes into reports; progress bars are drawn only when stderr is a terminal, and --no-progress turns them into plain lines. NO_COLOR is honoured by that rule.",
        ],
    ),
    (
        "REPORT FORMATS",
        &[
            "plan, drift and apply take --format text|json|junit|html (default text) and write the report to stdout or --output FILE; progress and warnings go to stderr. The JSON format is a contract: docs/reports.md.",
        ],
    ),
    (
        "SEE ALSO",
        &["ssh(1), nft(8), sshd_config(5); /usr/share/doc/harden/ for the guides."],
    ),
];

/// The whole page.
pub fn page() -> Vec<u8> {
    let cmd = super::Cli::command();
    let man = clap_mangen::Man::new(cmd);
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = man.render(&mut out);
    for (title, paras) in EXTRA {
        out.extend_from_slice(format!(".SH \"{title}\"\n").as_bytes());
        for p in *paras {
            out.extend_from_slice(b".PP\n");
            out.extend_from_slice(escape(p).as_bytes());
            out.push(b'\n');
        }
    }
    out
}

/// A line of plain text as roff: backslashes doubled, a leading `.` or
/// `'` guarded, hyphens of flags kept as minus signs.
fn escape(s: &str) -> String {
    let s = s.replace('\\', "\\\\").replace('-', "\\-");
    if s.starts_with('.') || s.starts_with('\'') {
        format!("\\&{s}")
    } else {
        s
    }
}

/// Writes the page to stdout.
pub fn run() -> anyhow::Result<u8> {
    use std::io::Write;
    std::io::stdout()
        .write_all(&page())
        .map_err(|e| anyhow::anyhow!("writing the man page: {e}"))?;
    Ok(0)
}
