//! The registered inventory sections: every control in the control list
//! that has settings of its own ([`Control::section`]), so a new control
//! adds one line to the list and nothing here. The loader receives this
//! list (`inventory::load(path, sections())`); the inventory names no
//! control.

use std::sync::OnceLock;

use crate::contract::section::Section;

/// Every control section, in control-list order.
pub fn sections() -> &'static [&'static dyn Section] {
    static ALL: OnceLock<Vec<&'static dyn Section>> = OnceLock::new();
    ALL.get_or_init(|| super::ALL.iter().filter_map(|c| c.section()).collect())
}

#[cfg(test)]
mod tests {
    use super::sections;
    use crate::inventory::schema::{RawDefaults, RawHost};

    /// The fixed keys of a table, as serde lists them for an unknown key.
    fn fixed_keys<T: serde::de::DeserializeOwned>() -> Vec<String> {
        let Err(e) = toml::from_str::<T>("zz_not_a_key = 1") else {
            panic!("an unknown key was accepted");
        };
        let msg = e.message().to_string();
        let list = msg.split("expected one of").nth(1).unwrap_or_default();
        let keys: Vec<String> = list
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
        assert!(keys.len() > 3, "{msg}");
        keys
    }

    /// A section named like a fixed key would take that key's value away
    /// from the schema; two sections of one name would share a table.
    #[test]
    fn section_names_are_unique_and_no_fixed_key() {
        let mut seen = std::collections::HashSet::new();
        let fixed = [fixed_keys::<RawDefaults>(), fixed_keys::<RawHost>()].concat();
        assert!(fixed.iter().any(|k| k == "connect_timeout"), "{fixed:?}");
        assert!(sections().len() >= 2, "sshd and firewall register theirs");
        for s in sections() {
            assert!(seen.insert(s.name()), "two sections named {}", s.name());
            assert!(
                !fixed.iter().any(|k| k == s.name()),
                "{} is a fixed key",
                s.name()
            );
            assert!(
                !s.name().is_empty()
                    && s.name().chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "section name {:?}",
                s.name()
            );
        }
    }
}
