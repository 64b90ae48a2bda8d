//! Reports: one model, several formats.
//!
//! `model` holds the data; each format is a small writer drawn from it, so
//! the text a person reads and the JSON a pipeline parses always agree.
//! Progress output never goes here (it is on stderr); reports go to stdout
//! or to the file given with `--output`.

pub mod checks;
pub mod diff;
pub mod evidence;
pub mod html;
pub mod json;
pub mod junit;
pub mod model;
pub mod plan_counts;
pub mod reach;
pub mod reads;
pub mod text;

#[cfg(test)]
mod checks_tests;
#[cfg(test)]
mod plan_counts_tests;
#[cfg(test)]
mod summary_tests;

use std::io::Write;

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable, grouped by host and control.
    Text,
    /// The documented JSON contract (`format_version`).
    Json,
    /// JUnit XML for CI test tabs.
    Junit,
    /// A self-contained HTML evidence page.
    Html,
}

/// Writes `report` in `format`.
pub fn write(
    report: &model::Report,
    format: Format,
    verbose: bool,
    w: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Text => text::write(report, verbose, w),
        Format::Json => json::write(report, w),
        Format::Junit => junit::write(report, w),
        Format::Html => html::write(report, w),
    }
}
