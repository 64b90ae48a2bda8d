//! Rows of a whitespace-separated table file that harden does not own
//! whole (`/etc/crypttab`, `/etc/fstab`), set row by row, keyed by one
//! field (crypttab's target name, fstab's mount point); every other line
//! stays byte for byte.
//!
//! A row is active when its first non-blank byte is not `#`. [`read`]
//! says, per wanted row, what the file has under its key (the last active
//! row wins, as `mount -a` and systemd's generators see a duplicate mount
//! point); [`apply`] rewrites each active row whose fields differ to the
//! wanted fields joined by one space (keeping its indentation and line
//! ending), and appends missing rows under [`MARKER`](super::MARKER).
//! Fields compare as words: realigning columns is not drift. Applied to
//! its own output it changes nothing. [`Plan::table_rows`] is the
//! [`Plan::keys`] of this editor: one `file-rows` finding, one guarded
//! write.

use super::error::{check_size, shown, KeyedError, MAX_KEYS, MAX_VALUE};
use super::line;
use crate::contract::plan_keys::InPlace;
use crate::contract::{ChangeId, FileFact, Plan};

/// The rows to set in one table file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableSpec {
    /// Which field (0-based) is a row's key.
    pub key_field: usize,
    /// Wanted rows, each with its fields; keys unique.
    pub rows: Vec<Vec<String>>,
}

/// What the file says about one wanted row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowState {
    /// The row's key.
    pub key: String,
    /// The wanted row, fields joined by one space.
    pub want: String,
    /// The last active row with this key (fields joined by one space,
    /// lossy UTF-8); `None` when the file has none.
    pub have: Option<String>,
    /// Active rows with this key whose fields differ from the wanted ones.
    pub stale: usize,
}

impl RowState {
    /// The file has the row as wanted, and no other row with its key.
    pub fn in_place(&self) -> bool {
        self.have.is_some() && self.stale == 0
    }
}

fn check(spec: &TableSpec) -> Result<(), KeyedError> {
    if spec.rows.len() > MAX_KEYS {
        return Err(KeyedError::TooManyKeys {
            count: spec.rows.len(),
        });
    }
    let mut keys = std::collections::HashSet::new();
    for r in &spec.rows {
        let Some(key) = r.get(spec.key_field) else {
            return Err(KeyedError::BadKey {
                key: r.join(" "),
                reason: "the row has no key field".into(),
            });
        };
        for f in r {
            let bad = f.is_empty()
                || f.len() > MAX_VALUE
                || f.chars()
                    .any(|c| c.is_whitespace() || crate::inventory::text::bad_char(c).is_some())
                || f.starts_with('#');
            if bad {
                return Err(KeyedError::BadValue {
                    key: key.clone(),
                    reason: format!(
                        "field {:?} is empty, has a blank or a refused character, or starts with #",
                        shown(f)
                    ),
                });
            }
        }
        if !keys.insert(key.clone()) {
            return Err(KeyedError::DuplicateKey { key: key.clone() });
        }
    }
    Ok(())
}

/// The fields of an active row; `None` for blank and comment lines.
fn fields(body: &[u8]) -> Option<Vec<&[u8]>> {
    let t = body.trim_ascii_start();
    if t.is_empty() || t.starts_with(b"#") {
        return None;
    }
    Some(
        t.split(|b| b.is_ascii_whitespace())
            .filter(|f| !f.is_empty())
            .collect(),
    )
}

fn same(have: &[&[u8]], want: &[String]) -> bool {
    have.len() == want.len() && have.iter().zip(want).all(|(h, w)| *h == w.as_bytes())
}

fn joined(f: &[&[u8]]) -> String {
    let v: Vec<String> = f
        .iter()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .collect();
    v.join(" ")
}

/// The wanted row whose key this active row has, if any.
fn wanted<'s>(f: &[&[u8]], spec: &'s TableSpec) -> Option<(usize, &'s Vec<String>)> {
    let key = f.get(spec.key_field)?;
    spec.rows
        .iter()
        .enumerate()
        .find(|(_, r)| r.get(spec.key_field).is_some_and(|k| k.as_bytes() == *key))
}

/// Per wanted row (in spec order), what `content` has under its key.
pub fn read(content: &[u8], spec: &TableSpec) -> Result<Vec<RowState>, KeyedError> {
    check_size(content)?;
    check(spec)?;
    let mut states: Vec<RowState> = spec
        .rows
        .iter()
        .map(|r| RowState {
            key: r[spec.key_field].clone(),
            want: r.join(" "),
            have: None,
            stale: 0,
        })
        .collect();
    for l in line::split(content) {
        let Some(f) = fields(l.body) else { continue };
        let Some((i, want)) = wanted(&f, spec) else {
            continue;
        };
        if !same(&f, want) {
            states[i].stale += 1;
        }
        states[i].have = Some(joined(&f));
    }
    Ok(states)
}

/// `content` with every wanted row in place; equal to `content` when
/// nothing needs to change.
pub fn apply(content: &[u8], spec: &TableSpec) -> Result<Vec<u8>, KeyedError> {
    check_size(content)?;
    check(spec)?;
    let lines = line::split(content);
    let mut seen = vec![false; spec.rows.len()];
    let mut has_marker = false;
    let mut out = Vec::with_capacity(content.len() + 128);
    for l in &lines {
        has_marker |= l.body.trim_ascii() == super::MARKER.as_bytes();
        match fields(l.body).and_then(|f| wanted(&f, spec).map(|w| (f, w))) {
            Some((f, (i, want))) => {
                seen[i] = true;
                if same(&f, want) {
                    out.extend_from_slice(l.body);
                } else {
                    let indent = l.body.len() - l.body.trim_ascii_start().len();
                    out.extend_from_slice(&l.body[..indent]);
                    out.extend_from_slice(want.join(" ").as_bytes());
                }
            }
            None => out.extend_from_slice(l.body),
        }
        out.extend_from_slice(l.eol);
    }
    if seen.iter().all(|s| *s) {
        return Ok(out);
    }
    let eol: &[u8] = match lines.iter().find(|l| !l.eol.is_empty()) {
        Some(l) => l.eol,
        None => b"\n",
    };
    super::open_appended(&mut out, eol, has_marker);
    for (r, _) in spec.rows.iter().zip(&seen).filter(|(_, s)| !**s) {
        out.extend_from_slice(r.join(" ").as_bytes());
        out.extend_from_slice(eol);
    }
    Ok(out)
}

impl Plan {
    /// Sets `spec`'s rows in the table file at `path`: one finding (check
    /// `file-rows`) comparing the rows, linked to the write that fixes
    /// them, guarded like [`Plan::keys`]. A new file gets `mode` and root
    /// ownership; an existing one keeps its own.
    pub fn table_rows(
        &mut self,
        path: &str,
        spec: &TableSpec,
        have: &FileFact,
        mode: u32,
        tom: &'static str,
    ) -> Result<ChangeId, KeyedError> {
        let states = read(&have.content, spec)?;
        let content = apply(&have.content, spec)?;
        let expected: Vec<String> = states.iter().map(|s| s.want.clone()).collect();
        let actual: Vec<String> = states
            .iter()
            .map(|s| match &s.have {
                Some(h) if s.stale > 0 && h == &s.want => {
                    format!(
                        "{} (and {} other row(s) for {})",
                        shown(h),
                        s.stale,
                        shown(&s.key)
                    )
                }
                Some(h) => shown(h),
                None => format!("no row for {}", shown(&s.key)),
            })
            .collect();
        Ok(self.edit_in_place(
            path,
            content,
            have,
            mode,
            tom,
            InPlace {
                check: "file-rows",
                settled: states.iter().all(RowState::in_place),
                expected: expected.join("; "),
                actual: actual.join("; "),
                message: "only these rows are set; every other line stays as it is",
            },
        ))
    }
}
