//! The inventory's source text: key paths, line lookup and diagnostics.
//!
//! Every inventory problem is reported as a [`Diagnostic`] that names the
//! file, the key path (`hosts[2].allow[0].port`), the line and column and
//! what would be valid. Serde stops at the first schema error, so the
//! location of a semantic problem found later is looked up here along the
//! key path, in an index of the document's spans built once per file (on
//! the first lookup), so locating many problems in a large file stays cheap.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use toml::de::{DeTable, DeValue};
use toml::Spanned;

pub use super::diagnostic::{Diagnostic, Diags, Severity};

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

    /// This path followed by `rest`.
    pub fn join(&self, rest: &KeyPath) -> Self {
        let mut v = self.0.clone();
        v.extend(rest.0.iter().cloned());
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
    spans: Arc<OnceLock<Option<Node>>>,
}

/// The span of one value and of the values inside it.
#[derive(Debug)]
struct Node {
    span: Range<usize>,
    /// The span of the key naming this value, in a table.
    key: Option<Range<usize>>,
    kids: Kids,
}

#[derive(Debug)]
enum Kids {
    Leaf,
    Table(HashMap<String, Node>),
    Array(Vec<Node>),
}

impl Node {
    fn of(v: &Spanned<DeValue<'_>>) -> Node {
        let kids = match v.get_ref() {
            DeValue::Table(t) => Kids::Table(Self::table(t)),
            DeValue::Array(a) => Kids::Array(a.iter().map(Node::of).collect()),
            _ => Kids::Leaf,
        };
        Node {
            span: v.span(),
            key: None,
            kids,
        }
    }

    fn table(t: &DeTable<'_>) -> HashMap<String, Node> {
        t.iter()
            .map(|(k, v)| {
                let mut n = Node::of(v);
                n.key = Some(k.span());
                (k.get_ref().to_string(), n)
            })
            .collect()
    }
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
            spans: Arc::new(OnceLock::new()),
        }
    }

    /// Byte offset where a 1-based line starts (the end of the text when
    /// there is no such line).
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.text.len())
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
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return "";
        };
        let end = self
            .line_starts
            .get(line)
            .map(|e| e.saturating_sub(1))
            .unwrap_or(self.text.len())
            .max(start);
        self.text
            .get(start..end)
            .unwrap_or("")
            .trim_end_matches('\r')
    }

    /// The span of the value at `path`, or of the closest ancestor that
    /// exists (a missing key points at the table that should hold it).
    pub fn span_of(&self, path: &KeyPath) -> Option<Range<usize>> {
        let (node, _) = self.walk(path)?;
        Some(node.span.clone()).filter(|r| !r.is_empty() || r.start > 0)
    }

    /// The span of the key that names the value at `path` (an unknown key
    /// is shown at its name); `None` when `path` does not end at a key.
    pub fn key_span_of(&self, path: &KeyPath) -> Option<Range<usize>> {
        match self.walk(path)? {
            (node, true) => node.key.clone(),
            (_, false) => None,
        }
    }

    /// The deepest node along `path`, and whether it is the whole path.
    fn walk(&self, path: &KeyPath) -> Option<(&Node, bool)> {
        let root = self
            .spans
            .get_or_init(|| {
                DeTable::parse(&self.text).ok().map(|doc| Node {
                    span: doc.span(),
                    key: None,
                    kids: Kids::Table(Node::table(doc.get_ref())),
                })
            })
            .as_ref()?;
        let mut best: Option<&Node> = None;
        let mut cur = root;
        for seg in &path.0 {
            let next = match (&cur.kids, seg) {
                (Kids::Table(t), Seg::Key(k)) => t.get(k.as_str()),
                (Kids::Array(a), Seg::Index(i)) => a.get(*i),
                _ => None,
            };
            match next {
                Some(n) => {
                    best = Some(n);
                    cur = n;
                }
                None => return best.map(|n| (n, false)),
            }
        }
        best.map(|n| (n, true))
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
