//! The sections of the TOM document, one constant each, for the
//! catalogue's entries.

use super::Section;

pub(super) const S1_1: Section = Section {
    number: "1.1",
    title: "Physical access control",
};
pub(super) const S1_2: Section = Section {
    number: "1.2",
    title: "System access control",
};
pub(super) const S1_3: Section = Section {
    number: "1.3",
    title: "Data access control",
};
pub(super) const S1_4: Section = Section {
    number: "1.4",
    title: "Separation control",
};
pub(super) const S1_5: Section = Section {
    number: "1.5",
    title: "Pseudonymisation",
};
pub(super) const S2_1: Section = Section {
    number: "2.1",
    title: "Transfer control",
};
pub(super) const S2_2: Section = Section {
    number: "2.2",
    title: "Input control",
};
pub(super) const S3_1: Section = Section {
    number: "3.1",
    title: "Availability",
};
pub(super) const S3_2: Section = Section {
    number: "3.2",
    title: "Recoverability",
};
pub(super) const S4: Section = Section {
    number: "4",
    title: "Regular review",
};
pub(super) const S5: Section = Section {
    number: "5",
    title: "Data protection management",
};
pub(super) const S6: Section = Section {
    number: "6",
    title: "Incident response",
};
pub(super) const S7: Section = Section {
    number: "7",
    title: "Privacy by default and order control",
};
