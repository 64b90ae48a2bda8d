//! One located inventory problem ([`Diagnostic`]) and the bounded list
//! they are collected in ([`Diags`]).
//!
//! Everything a diagnostic shows is bounded and printable: the snippet is
//! cut to a window around the caret, message and key are shortened, and
//! control characters from the input are shown as `\u{…}` escapes (in the
//! snippet as `�`), so a hostile inventory cannot flood or repaint the
//! terminal. A run stores at most [`MAX_SHOWN`] errors and as many
//! warnings; the rest are only counted ("… and N more").

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

use super::source::Source;

/// Diagnostics of one severity kept per run; the rest are counted.
pub const MAX_SHOWN: usize = 50;
/// Characters of source shown on each side of the caret.
const WINDOW: usize = 60;
/// Longest message or key shown, in characters.
const MAX_TEXT: usize = 400;
/// Longest help shown (it may list the valid values), in characters.
const MAX_HELP: usize = 1000;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The inventory cannot be used.
    Error,
    /// Allowed, but probably not what was meant.
    Warning,
}

/// One problem in an inventory, with its location and a fix.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Diagnostic {
    /// Stable code, e.g. `inv-schema` or `pol-data-host-public`.
    pub code: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// The inventory file.
    pub file: PathBuf,
    /// Key path of the offending value.
    pub key: String,
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// 1-based column (0 when unknown).
    pub col: usize,
    /// What is wrong.
    pub message: String,
    /// What would be valid / how to fix it.
    pub help: String,
    /// The TOM measure a policy diagnostic protects, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tom: Option<&'static str>,
    #[serde(skip)]
    snippet: String,
}

/// `s` with control characters escaped, cut to `max` characters.
pub fn printable(s: &str, max: usize) -> String {
    let mut out = String::new();
    for (n, c) in s.chars().enumerate() {
        if n >= max {
            out.push('…');
            break;
        }
        if super::text::bad_char(c).is_some() {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// The source around `span` on its line, with a caret line under it.
fn snippet(src: &Source, line: usize, span: &Range<usize>) -> String {
    let text = src.line_text(line);
    let line_start = src.line_start(line);
    let caret_at = span.start.saturating_sub(line_start).min(text.len());
    let caret_end = span
        .end
        .saturating_sub(line_start)
        .clamp(caret_at, text.len());
    let head = text.get(..caret_at).unwrap_or("");
    let tail = text.get(caret_at..).unwrap_or("");
    let before: Vec<char> = head.chars().rev().take(WINDOW + 1).collect();
    let cut_left = before.len() > WINDOW;
    let left: String = before.iter().take(WINDOW).rev().collect();
    let after: Vec<char> = tail.chars().take(WINDOW + 1).collect();
    let cut_right = after.len() > WINDOW;
    let right: String = after.iter().take(WINDOW).collect();
    let caret_col = left.chars().count() + usize::from(cut_left);
    let marked = text
        .get(caret_at..caret_end)
        .unwrap_or("")
        .chars()
        .take(WINDOW)
        .count();
    let shown: String = format!(
        "{}{left}{right}{}",
        if cut_left { "…" } else { "" },
        if cut_right { "…" } else { "" }
    )
    .chars()
    .map(|c| match c {
        '\t' => ' ',
        c if super::text::bad_char(c).is_some() => '\u{fffd}',
        c => c,
    })
    .collect();
    format!(
        "{line:>4} | {shown}\n     | {}{}",
        " ".repeat(caret_col),
        "^".repeat(marked.max(1))
    )
}

impl Diagnostic {
    /// Builds a diagnostic located at `path` in `src`.
    pub fn at(
        src: &Source,
        path: &super::source::KeyPath,
        code: &'static str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        let span = src.span_of(path);
        Self::at_span(src, path.to_string(), span, code, message, help)
    }

    /// Builds a diagnostic at an explicit byte span.
    pub fn at_span(
        src: &Source,
        key: String,
        span: Option<Range<usize>>,
        code: &'static str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        let span = span.map(|s| {
            let start = s.start.min(src.text.len());
            start..s.end.clamp(start, src.text.len())
        });
        let (line, col) = span
            .as_ref()
            .map(|s| src.line_col(s.start))
            .unwrap_or((0, 0));
        let snippet = match &span {
            Some(s) if line > 0 => snippet(src, line, s),
            _ => String::new(),
        };
        Diagnostic {
            code,
            severity: Severity::Error,
            file: src.path.clone(),
            key: printable(&key, MAX_TEXT),
            line,
            col,
            message: printable(message.into().trim(), MAX_TEXT),
            help: printable(&help.into(), MAX_HELP),
            tom: None,
            snippet,
        }
    }

    /// Marks the diagnostic as a warning.
    pub fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    /// True when `other` says the same thing at the same place.
    fn same_as(&self, other: &Diagnostic) -> bool {
        (
            self.code,
            self.severity,
            &self.file,
            self.line,
            self.col,
            &self.key,
            &self.message,
        ) == (
            other.code,
            other.severity,
            &other.file,
            other.line,
            other.col,
            &other.key,
            &other.message,
        )
    }

    /// Attaches the TOM measure the rule protects.
    pub fn tom(mut self, id: &'static str) -> Self {
        self.tom = Some(id);
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.col)?;
        }
        write!(f, ": {sev}[{}]: {}: {}", self.code, self.key, self.message)?;
        if !self.snippet.is_empty() {
            write!(f, "\n{}", self.snippet)?;
        }
        if !self.help.is_empty() {
            write!(f, "\n     = help: {}", self.help)?;
        }
        if let Some(t) = self.tom {
            write!(f, "\n     = protects: {t}")?;
        }
        Ok(())
    }
}

/// The diagnostics of one load: at most [`MAX_SHOWN`] of each severity
/// are kept, all are counted.
#[derive(Debug, Default, Clone)]
pub struct Diags {
    kept: Vec<Diagnostic>,
    errors: usize,
    warnings: usize,
}

impl Diags {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// True when a further diagnostic of `sev` would only be counted, so
    /// callers can skip building it (locating a value costs a lookup).
    pub fn full(&self, sev: Severity) -> bool {
        self.count(sev) >= MAX_SHOWN
    }

    /// Counts a diagnostic that was not built because the list is full.
    pub fn count_only(&mut self, sev: Severity) {
        match sev {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
        }
    }

    /// Adds a diagnostic (kept while there is room). One that is already
    /// kept (same code, place and message) is neither kept nor counted
    /// again, so a run never prints the same diagnostic twice.
    pub fn push(&mut self, d: Diagnostic) {
        if self.kept.iter().any(|k| k.same_as(&d)) {
            return;
        }
        let sev = d.severity;
        if !self.full(sev) {
            self.kept.push(d);
        }
        self.count_only(sev);
    }

    /// Adds the diagnostic `make` builds, building it only when there is
    /// room for one of `sev`.
    pub fn add(&mut self, sev: Severity, make: impl FnOnce() -> Diagnostic) {
        if self.full(sev) {
            self.count_only(sev);
        } else {
            self.push(make());
        }
    }

    /// Adds every diagnostic of `other`.
    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        for d in other {
            self.push(d);
        }
    }

    /// How many diagnostics of `sev` were reported (kept or not).
    pub fn count(&self, sev: Severity) -> usize {
        match sev {
            Severity::Error => self.errors,
            Severity::Warning => self.warnings,
        }
    }

    /// True when any error was reported.
    pub fn has_errors(&self) -> bool {
        self.errors > 0
    }

    /// The kept diagnostics, in the order they were reported.
    pub fn kept(&self) -> &[Diagnostic] {
        &self.kept
    }

    /// How many reported diagnostics are not kept.
    pub fn omitted(&self) -> usize {
        self.errors + self.warnings - self.kept.len()
    }
}

impl fmt::Display for Diags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.kept {
            writeln!(f, "{d}")?;
        }
        if self.omitted() > 0 {
            writeln!(
                f,
                "… and {} more diagnostic(s) not shown (at most {MAX_SHOWN} errors and {MAX_SHOWN} warnings are shown; fix these first)",
                self.omitted()
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "diagnostic_tests.rs"]
mod tests;
