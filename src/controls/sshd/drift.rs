//! Effective-settings drift across connection classes.
//!
//! Each hardened setting gives one finding for the base class (root from
//! anyone), as before: ok or drift. A class whose effective value differs
//! from both the base and the desired value (a `Match` block weakening it
//! for that user or source) adds one drift finding naming the class, so a
//! host where every class agrees reports exactly one finding per setting.

use super::classes::{self, Class};
use super::settings::Section;
use crate::contract::CmdFact;
use crate::report::model::{Finding, Fix};

const TOM: &str = crate::tom::CRITICAL_LOGIN.id;

fn rejected(detail: String, item: &str) -> Finding {
    Finding::new("sshd", "sshd-effective", item, TOM)
        .drift("valid configuration", detail, Fix::Activate)
        .with_message("sshd rejects its current configuration")
}

/// Findings for the `sshd -T` probe output `eff` over `classes`.
pub fn effective(classes: &[Class], eff: &CmdFact, sections: Vec<Section>) -> Vec<Finding> {
    let found = classes::parse(&eff.stdout, classes.len());
    let Some(base) = found.get(&0).filter(|b| b.rc == 0) else {
        let why = if eff.stderr.trim().is_empty() {
            format!("sshd -T failed (exit {})", eff.rc)
        } else {
            eff.stderr.trim().to_string()
        };
        return vec![rejected(why, "sshd -T")];
    };
    let mut out = Vec::new();
    for (i, c) in classes.iter().enumerate().skip(1) {
        match found.get(&i) {
            Some(e) if e.rc == 0 => {}
            _ => out.push(rejected(
                format!("sshd -T -C failed for this class: {}", eff.stderr.trim()),
                &format!("sshd -T ({})", c.label()),
            )),
        }
    }
    for section in sections {
        for s in section
            .settings
            .into_iter()
            .filter(|s| !s.effective.is_empty())
        {
            let actual = base.get(&s.key);
            for (i, c) in classes.iter().enumerate().skip(1) {
                let Some(e) = found.get(&i).filter(|e| e.rc == 0) else {
                    continue;
                };
                let v = e.get(&s.key);
                if v != actual && v != s.effective {
                    out.push(
                        Finding::new(
                            "sshd",
                            "sshd-effective",
                            format!("{} ({})", s.key, c.label()),
                            s.tom,
                        )
                        .drift(s.effective.clone(), v, Fix::Activate)
                        .with_message("a Match block (or an included file) changes this setting for this class of connection"),
                    );
                }
            }
            out.push(
                Finding::new("sshd", "sshd-effective", s.key.clone(), s.tom).compare(
                    s.effective.clone(),
                    actual,
                    Fix::Activate,
                ),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controls::sshd::settings::Setting;
    use crate::report::model::Status;

    fn sections() -> Vec<Section> {
        vec![Section {
            title: "t",
            settings: vec![Setting {
                key: "PasswordAuthentication".into(),
                value: "no".into(),
                effective: "no".into(),
                tom: TOM,
            }],
        }]
    }

    fn class(user: &str, addr: &str, source: &str) -> Class {
        Class {
            user: user.into(),
            addr: addr.parse().expect("ip"),
            source: source.into(),
        }
    }

    fn drifts(f: &[Finding]) -> Vec<String> {
        f.iter()
            .filter(|f| f.status == Status::Drift)
            .map(|f| f.item.clone())
            .collect()
    }

    #[test]
    fn a_weaker_class_is_drift_named_by_class_and_agreeing_classes_are_one_finding() {
        let cs = vec![
            class("root", "203.0.113.10", "anyone"),
            class("root", "198.51.100.1", "management_sources 198.51.100.0/28"),
            class(
                "alice",
                "198.51.100.1",
                "management_sources 198.51.100.0/28",
            ),
        ];
        let clean = CmdFact {
            rc: 0,
            stdout: "== 0 0\npasswordauthentication no\n== 1 0\npasswordauthentication no\n== 2 0\npasswordauthentication no\n".into(),
            stderr: String::new(),
        };
        let f = effective(&cs, &clean, sections());
        assert_eq!(f.len(), 1);
        assert!(drifts(&f).is_empty());
        let weak = CmdFact {
            stdout: "== 0 0\npasswordauthentication no\n== 1 0\npasswordauthentication yes\n== 2 0\npasswordauthentication no\n".into(),
            ..clean.clone()
        };
        let f = effective(&cs, &weak, sections());
        assert_eq!(
            drifts(&f),
            ["PasswordAuthentication (for user=root from 198.51.100.1 (management_sources 198.51.100.0/28))"]
        );
        let broken = CmdFact {
            rc: 0,
            stdout: "== 0 255\n".into(),
            stderr: "0: line 3: Bad configuration option".into(),
        };
        let f = effective(&cs, &broken, sections());
        assert_eq!(drifts(&f), ["sshd -T"]);
    }
}
