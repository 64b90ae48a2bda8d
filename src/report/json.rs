//! JSON output: the report model serialised as is (see docs/reports.md).

use std::io::Write;

use super::model::Report;

/// Writes pretty JSON followed by a newline.
pub fn write(report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, report).map_err(std::io::Error::other)?;
    writeln!(w)
}
