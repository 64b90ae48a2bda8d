//! "did you mean `environment`?": the nearest valid key or value to a
//! typo'd one, from serde's own wording ("unknown field `x`, expected one
//! of `a`, `b`" / "unknown variant `x`, expected `a` or `b`").
//!
//! Bounded: names longer than [`MAX_LEN`] are never compared, the
//! distance is Damerau-Levenshtein (optimal string alignment) on at most
//! that many characters, and a suggestion is made only when exactly one
//! candidate is close (at most a third of the name's length, 1 to 3 edits).

/// Longest name compared; longer ones get no suggestion.
pub const MAX_LEN: usize = 64;

/// The one candidate close to `given`, if there is exactly one.
pub fn nearest<'a>(given: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let g: Vec<char> = given.to_lowercase().chars().collect();
    if g.is_empty() || g.len() > MAX_LEN {
        return None;
    }
    let limit = (g.len() / 3).clamp(1, 3);
    let mut best: Option<(usize, &'a str)> = None;
    let mut tie = false;
    for &c in candidates {
        let cc: Vec<char> = c.to_lowercase().chars().collect();
        if cc.len() > MAX_LEN || c == given {
            continue;
        }
        let d = distance(&g, &cc);
        if d > limit {
            continue;
        }
        match best {
            Some((b, _)) if d > b => {}
            Some((b, _)) if d == b => tie = true,
            _ => {
                best = Some((d, c));
                tie = false;
            }
        }
    }
    if tie {
        None
    } else {
        best.map(|(_, c)| c)
    }
}

/// Optimal string alignment distance (substitution, insertion, deletion,
/// adjacent transposition).
fn distance(a: &[char], b: &[char]) -> usize {
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

/// The names between backticks in `s`, in order.
fn quoted(s: &str) -> Vec<&str> {
    s.split('`').skip(1).step_by(2).collect()
}

/// From a serde "unknown field" / "unknown variant" message: the close
/// valid name, worded for a help line (`did you mean `x`?`).
pub fn did_you_mean(msg: &str) -> Option<String> {
    let rest = msg
        .strip_prefix("unknown field `")
        .or_else(|| msg.strip_prefix("unknown variant `"))?;
    let (given, list) = rest.split_once("`, expected ")?;
    let candidates = quoted(list)
        .into_iter()
        .filter(|c| {
            !c.is_empty()
                && c.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-' || ch == '.')
        })
        .collect::<Vec<_>>();
    nearest(given, &candidates).map(|c| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_names_are_suggested_far_ones_not() {
        let keys = ["name", "address", "environment", "tenant", "roles", "allow"];
        assert_eq!(nearest("enviroment", &keys), Some("environment"));
        assert_eq!(nearest("enviornment", &keys), Some("environment"));
        assert_eq!(nearest("Environment", &keys), Some("environment"));
        assert_eq!(nearest("rols", &keys), Some("roles"));
        assert_eq!(nearest("colour", &keys), None);
        assert_eq!(nearest("x", &keys), None);
        assert_eq!(nearest(&"e".repeat(65), &keys), None);
        // Two equally close candidates: no guess.
        assert_eq!(nearest("ab", &["abc", "abd"]), None);
    }

    #[test]
    fn serde_messages_give_a_help_line() {
        assert_eq!(
            did_you_mean(
                "unknown field `enviroment`, expected one of `name`, `environment`, `tenant`"
            )
            .as_deref(),
            Some("did you mean `environment`?")
        );
        assert_eq!(
            did_you_mean("unknown variant `prodution`, expected `production` or `test`").as_deref(),
            Some("did you mean `production`?")
        );
        assert_eq!(
            did_you_mean("unknown variant `staging`, expected `production` or `test`"),
            None
        );
        assert_eq!(did_you_mean("missing field `name`"), None);
        assert_eq!(did_you_mean("unknown field `x`, there are no fields"), None);
    }
}
