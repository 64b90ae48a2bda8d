//! Unified diffs for content findings.

use similar::TextDiff;

/// A unified diff from `old` to `new` with three lines of context.
pub fn unified(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(old_name, new_name)
        .to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn shows_changed_lines() {
        let d = super::unified("a\nb\n", "a\nc\n", "live", "desired");
        assert!(
            d.contains("-b\n") && d.contains("+c\n") && d.contains("--- live"),
            "{d}"
        );
    }
}
