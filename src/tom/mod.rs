//! The catalogue of TOM measures: the customer's technical and
//! organisational measures under GDPR Art. 32 (`/work/shared/TOM.md` in the
//! project's shared notes), one typed entry each.
//!
//! Every finding, policy rule and event names the measure it serves through
//! a handle of [`catalogue`] (`tom::PORTS.id`), never a string literal, so a
//! mistyped id is a compile error. Serialised output still carries the id
//! string (`"TOM-1.2-ports"`). [`coverage`] says which measures harden
//! checks and by what; `docs/tom.md` is generated from both
//! (`HARDEN_BLESS=1 cargo test tom_doc` rewrites it).

pub mod catalogue;
pub mod coverage;
mod doc;
mod lists;
pub mod mechanism;
mod sections;
#[cfg(test)]
mod tests;

pub use catalogue::*;
pub use coverage::coverage;
pub use doc::render as render_doc;
pub use lists::{ALL, ASSIGNED_HERE};
pub use mechanism::Mechanism;

/// One measure of the TOM.
#[derive(Debug, PartialEq, Eq)]
pub struct Tom {
    /// Stable id, `TOM-<section>-<slug>`, as written in reports and events.
    pub id: &'static str,
    /// The TOM section the measure belongs to.
    pub section: Section,
    /// One line: what the measure promises.
    pub title: &'static str,
    /// Who makes it true.
    pub kind: Kind,
    /// How harden checks it, or why it cannot: one sentence.
    pub how: Reach,
}

/// How harden reaches a measure, with one sentence: for a checked
/// measure what is checked, otherwise why harden cannot check it. A test
/// holds [`Reach::Checked`] to the measures [`coverage`] finds a check
/// for, and every other variant to those it finds none for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// harden checks it (by the controls, rules and mechanisms of [`coverage`]).
    Checked(&'static str),
    /// Outside harden: done by people (practice, paperwork).
    Organisational(&'static str),
    /// The provider's (Telekom, Hetzner).
    Provider(&'static str),
    /// The application's: inside the products, whose data harden does not see.
    Application(&'static str),
    /// Technical, but not in harden's scope yet.
    NotYet(&'static str),
}

impl Reach {
    /// The sentence.
    pub fn text(self) -> &'static str {
        match self {
            Reach::Checked(t)
            | Reach::Organisational(t)
            | Reach::Provider(t)
            | Reach::Application(t)
            | Reach::NotYet(t) => t,
        }
    }

    /// Why not, for a measure harden does not check; `None` when it does.
    pub fn why_not(self) -> Option<&'static str> {
        match self {
            Reach::Checked(_) => None,
            Reach::Organisational(_) => Some("organisational"),
            Reach::Provider(_) => Some("the provider's"),
            Reach::Application(_) => Some("the application's"),
            Reach::NotYet(_) => Some("not in harden's scope yet"),
        }
    }

    /// As docs/tom.md and the report write it: the sentence, behind
    /// `Not checked (why):` when harden does not check the measure.
    pub fn sentence(self) -> String {
        match self.why_not() {
            None => self.text().to_string(),
            Some(why) => format!("Not checked ({why}): {}", self.text()),
        }
    }
}

/// A section of the TOM document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Section {
    /// `1.2`, or `4` for a section without subsections.
    pub number: &'static str,
    /// `System access control`.
    pub title: &'static str,
}

/// Who makes a measure true (TOM.md's T, O, P and T/O).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// T: harden can make it true and check it.
    Technical,
    /// O: outside harden (practice, paperwork, or the application).
    Organisational,
    /// P: the provider's (Telekom, Hetzner).
    Provider,
    /// T/O: partly technical, partly organisational.
    TechnicalAndOrganisational,
}

impl Kind {
    /// The short label of TOM.md.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Technical => "T",
            Kind::Organisational => "O",
            Kind::Provider => "P",
            Kind::TechnicalAndOrganisational => "T/O",
        }
    }

    /// The long name, as in docs/tom.md.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Technical => "technical",
            Kind::Organisational => "organisational",
            Kind::Provider => "provider",
            Kind::TechnicalAndOrganisational => "technical and organisational",
        }
    }
}

impl Section {
    /// `1.2 System access control`.
    pub fn label(&self) -> String {
        format!("{} {}", self.number, self.title)
    }
}

impl std::fmt::Display for Tom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id)
    }
}

/// The measure with this id, if the catalogue has it.
pub fn find(id: &str) -> Option<&'static Tom> {
    ALL.iter().copied().find(|t| t.id == id)
}
