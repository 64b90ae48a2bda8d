//! `docs/tom.md`, generated from the catalogue and [`super::coverage`].

use super::{coverage, ASSIGNED_HERE};

/// The whole of docs/tom.md.
pub fn render() -> String {
    let mut s = String::from(
        "# TOM measures\n\n\
         <!-- Generated from src/tom/ by `HARDEN_BLESS=1 cargo test tom_doc`; do not edit. -->\n\n\
         The customer's technical and organisational measures (GDPR Art. 32), one line each, as\n\
         harden names them in findings, policy diagnostics, reports and audit/webhook events.\n\
         Kind: **T** technical (harden can make it true and check it), **O** organisational\n\
         (outside harden), **P** the provider's (Telekom, Hetzner), **T/O** both.\n\
         *Checked by* lists the controls (by id), inventory policy rules (by code, see\n\
         [inventory.md](inventory.md)) and harden's other mechanisms (the password generator,\n\
         the audit log, the webhook to management, the nightly drift run) whose results name\n\
         the measure; `—` means harden has no check for it. *How* says in one sentence what is\n\
         checked, or why harden cannot check it.\n\n\
         | Id | Section | Measure | Kind | Checked by | How |\n|---|---|---|---|---|---|\n",
    );
    let cov = coverage();
    for (t, checks) in &cov {
        let by = if checks.is_empty() {
            "—".to_string()
        } else {
            checks
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        s.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} |\n",
            t.id,
            t.section.label(),
            t.title.replace('|', "\\|"),
            t.kind.label(),
            by,
            t.how.sentence().replace('|', "\\|")
        ));
    }
    let technical = cov
        .iter()
        .filter(|(t, _)| t.kind.label().starts_with('T'))
        .count();
    let checked = cov.iter().filter(|(_, c)| !c.is_empty()).count();
    s.push_str(&format!(
        "\n{} measures, {technical} of them (partly) technical; harden checks {checked}.\n",
        cov.len()
    ));
    s.push_str(
        "\nTOM.md lists these measures without an id; harden assigned one in the same shape:\n",
    );
    for t in ASSIGNED_HERE {
        s.push_str(&format!("`{}`, ", t.id));
    }
    if s.ends_with(", ") {
        s.truncate(s.len() - 2);
    }
    s.push_str(".\n");
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn tom_doc_is_up_to_date() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/tom.md");
        let want = super::render();
        if std::env::var_os("HARDEN_BLESS").is_some() {
            std::fs::write(path, &want).unwrap_or_else(|e| panic!("{path}: {e}"));
            return;
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            have == want,
            "docs/tom.md is out of date with src/tom/: regenerate it with \
             `HARDEN_BLESS=1 cargo test tom_doc` and commit it"
        );
    }
}
