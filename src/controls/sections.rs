//! The registered inventory sections: each control that has settings of
//! its own lists its [`Section`] here (to be folded into the control list,
//! so a new control adds one line). The loader receives this list
//! (`inventory::load(path, SECTIONS)`); the inventory names no control.

use crate::contract::section::Section;

/// Every control section, in the order they are loaded and listed.
pub static SECTIONS: &[&dyn Section] = &[
    &super::sshd::section::SshdSection,
    &super::firewall::section::FirewallSection,
];

#[cfg(test)]
mod tests {
    use super::SECTIONS;
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
        for s in SECTIONS {
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
