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
