//! The inventory's source text: key paths, line lookup and diagnostics.
//!
//! Every inventory problem is reported as a [`Diagnostic`] that names the
//! file, the key path (`hosts[2].allow[0].port`), the line and column and
//! what would be valid. Serde stops at the first schema error, so the
//! location of a semantic problem found later is looked up here by walking
//! the spanned TOML document along the key path.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// One step in a key path: a table key or an array index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    /// A key in a table.
    Key(String),
    /// An index into an array (arrays of tables included).
    Index(usize),
}

/// A key path such as `hosts[2].allow[0].port`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyPath(pub Vec<Seg>);

impl KeyPath {
    /// The empty path (the document itself).
    pub fn root() -> Self {
        KeyPath(Vec::new())
    }

    /// This path with a key appended.
    pub fn key(&self, k: &str) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Key(k.to_string()));
        KeyPath(v)
    }

    /// This path with an index appended.
    pub fn index(&self, i: usize) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Index(i));
        KeyPath(v)
    }

    /// Parses the dotted form produced by `Display` (used for serde paths).
    pub fn parse(s: &str) -> Self {
        let mut segs = Vec::new();
        for part in s.split('.').filter(|p| !p.is_empty() && *p != "?") {
            let (name, rest) = match part.find('[') {
                Some(i) => (&part[..i], &part[i..]),
                None => (part, ""),
            };
            if !name.is_empty() {
                segs.push(Seg::Key(name.to_string()));
            }
            for idx in rest.split(['[', ']']).filter(|p| !p.is_empty()) {
                if let Ok(i) = idx.parse() {
                    segs.push(Seg::Index(i));
                }
            }
        }
        KeyPath(segs)
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for seg in &self.0 {
            match seg {
                Seg::Key(k) => {
                    if !first {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Seg::Index(i) => write!(f, "[{i}]")?,
            }
            first = false;
        }
        if first {
            f.write_str("(document)")?;
        }
        Ok(())
    }
}

/// The text of one inventory file with a line index.
#[derive(Clone, Debug)]
pub struct Source {
    /// Path as given by the user (used verbatim in messages).
    pub path: PathBuf,
    /// The file's text.
    pub text: String,
    line_starts: Vec<usize>,
}

impl Source {
    /// Wraps the text of `path`.
    pub fn new(path: &Path, text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Source {
            path: path.to_path_buf(),
            text,
            line_starts,
        }
    }

    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let col = self
            .text
            .get(start..offset.min(self.text.len()))
            .map(|s| s.chars().count())
            .unwrap_or(0);
        (line + 1, col + 1)
    }

    /// The text of a 1-based line, without its newline.
    pub fn line_text(&self, line: usize) -> &str {
        let start = self.line_starts.get(line.saturating_sub(1)).copied();
        match start {
            Some(s) => {
                let end = self.text[s..]
                    .find('\n')
                    .map(|e| s + e)
                    .unwrap_or(self.text.len());
                self.text[s..end].trim_end_matches('\r')
            }
            None => "",
        }
    }

    /// The span of the value at `path`, or of the closest ancestor that
    /// exists (a missing key points at the table that should hold it).
    pub fn span_of(&self, path: &KeyPath) -> Option<Range<usize>> {
        let doc = DeTable::parse(&self.text).ok()?;
        let mut best: Option<Range<usize>> = None;
        let mut cur: Option<&Spanned<DeValue<'_>>> = None;
        let root = doc.get_ref();
        for seg in &path.0 {
            let next = match (cur.map(|c| c.get_ref()), seg) {
                (None, Seg::Key(k)) => root.get(k.as_str()),
                (Some(DeValue::Table(t)), Seg::Key(k)) => t.get(k.as_str()),
                (Some(DeValue::Array(a)), Seg::Index(i)) => a.get(*i),
                _ => None,
            };
            match next {
                Some(v) => {
                    best = Some(v.span());
                    cur = Some(v);
                }
                None => break,
            }
        }
        best.filter(|r| !r.is_empty() || r.start > 0)
    }
}

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

impl Diagnostic {
    /// Builds a diagnostic located at `path` in `src`.
    pub fn at(
        src: &Source,
        path: &KeyPath,
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
        let (line, col) = span
            .as_ref()
            .map(|s| src.line_col(s.start))
            .unwrap_or((0, 0));
        let snippet = if line > 0 {
            let text = src.line_text(line);
            let width = span
                .map(|s| {
                    let end = s.end.min(src.text.len());
                    src.text[s.start.min(end)..end]
                        .lines()
                        .next()
                        .map(|l| l.chars().count())
                        .unwrap_or(1)
                })
                .unwrap_or(1)
                .max(1);
            format!(
                "{line:>4} | {text}\n     | {}{}",
                " ".repeat(col.saturating_sub(1)),
                "^".repeat(width)
            )
        } else {
            String::new()
        };
        Diagnostic {
            code,
            severity: Severity::Error,
            file: src.path.clone(),
            key,
            line,
            col,
            message: message.into(),
            help: help.into(),
            tom: None,
            snippet,
        }
    }

    /// Marks the diagnostic as a warning.
    pub fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_path_round_trips() {
        let p = KeyPath::root()
            .key("hosts")
            .index(2)
            .key("allow")
            .index(0)
            .key("port");
        assert_eq!(p.to_string(), "hosts[2].allow[0].port");
        assert_eq!(KeyPath::parse("hosts[2].allow[0].port"), p);
    }

    #[test]
    fn span_lookup_finds_nested_values() {
        let text = "[defaults]\nssh_port = 22\n\n[[hosts]]\nname = \"a\"\n\n[[hosts]]\nname = \"b\"\nallow = [ { port = 70000 } ]\n";
        let src = Source::new(Path::new("inv.toml"), text.to_string());
        let p = KeyPath::parse("hosts[1].allow[0].port");
        let span = src.span_of(&p).expect("span");
        assert_eq!(src.line_col(span.start).0, 9);
        assert_eq!(&text[span], "70000");
        let d = Diagnostic::at(&src, &p, "x", "bad", "fix");
        let shown = d.to_string();
        assert!(shown.starts_with("inv.toml:9:"), "{shown}");
        assert!(shown.contains("hosts[1].allow[0].port: bad"), "{shown}");
        assert!(shown.contains("^^^^^"), "{shown}");
    }
}
