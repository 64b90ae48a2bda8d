//! The diagnostics list: an identical diagnostic is kept and counted once.

use std::path::Path;

use super::{Diagnostic, Diags, Severity};
use crate::inventory::{KeyPath, Source};

fn diag(src: &Source, msg: &str) -> Diagnostic {
    let at = KeyPath::root().key("defaults").key("controller_sources");
    Diagnostic::at(src, &at, "pol-no-controller", msg, "set it").warning()
}

#[test]
fn the_same_diagnostic_is_kept_and_counted_once() {
    let src = Source::new(
        Path::new("/x/inv.toml"),
        "[defaults]\ncontroller_sources = []\n".into(),
    );
    let mut d = Diags::new();
    d.push(diag(&src, "no controller_sources"));
    d.push(diag(&src, "no controller_sources"));
    d.add(Severity::Warning, || diag(&src, "no controller_sources"));
    assert_eq!(d.kept().len(), 1);
    assert_eq!(d.count(Severity::Warning), 1);
    assert_eq!(d.omitted(), 0);
    assert_eq!(
        d.to_string().matches("warning[pol-no-controller]").count(),
        1
    );
    d.push(diag(&src, "another message at the same place"));
    d.push(diag(&src, "no controller_sources").tom("TOM-x"));
    assert_eq!(d.kept().len(), 2, "the TOM tag is no difference");
    let errors: Vec<_> = (0..2)
        .map(|_| {
            let mut e = diag(&src, "no controller_sources");
            e.severity = Severity::Error;
            e
        })
        .collect();
    d.extend(errors);
    assert_eq!(
        d.count(Severity::Error),
        1,
        "an error is another diagnostic, once"
    );
}
