//! The banner control's inventory section: `[defaults.banner]` merged key
//! by key with `hosts[].banner` into [`BannerSettings`] (read with
//! `host.settings::<BannerSettings>()`). A host gets a banner only when
//! one of the two tables is written; both texts follow the inventory's
//! free-text rules (one line, letters, digits, spaces and plain
//! punctuation), so nothing unvalidated reaches /etc/issue.net.

use std::any::Any;

use serde::Deserialize;

use crate::contract::section::{pick, Section, SectionCx, Side};
use crate::inventory::validate::CodeInfo;

/// Longest `text`, in characters.
pub const TEXT_MAX: usize = 400;
/// Longest `owner_notice`, in characters.
pub const OWNER_MAX: usize = 200;

/// `[defaults.banner]` / `hosts[].banner`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBanner {
    /// The legal notice, e.g. `Authorised access only. Activity is logged.`
    pub text: Option<String>,
    /// Who runs the system, e.g. `Operated by Example GmbH`.
    pub owner_notice: Option<String>,
}

/// The notice one host shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Banner {
    /// The legal notice.
    pub text: String,
    /// Who runs the system, if set.
    pub owner_notice: Option<String>,
}

/// Effective banner settings of a host: `None` when neither table is
/// written (the control leaves the host alone).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BannerSettings {
    /// The notice, when the host has one.
    pub banner: Option<Banner>,
}

/// Codes only this section emits.
const CODES: &[CodeInfo] = &[CodeInfo {
    code: "inv-banner-no-text",
    severity: "error",
    tom: None,
    description:
        "a banner table is written but neither it nor `[defaults.banner]` sets a non-empty `text`",
}];

/// The `banner` section.
pub struct BannerSection;

impl Section for BannerSection {
    fn name(&self) -> &'static str {
        "banner"
    }

    fn load(
        &self,
        cx: &mut SectionCx<'_>,
        defaults: Option<&toml::Value>,
        host: Option<&toml::Value>,
    ) -> Box<dyn Any + Send + Sync> {
        let d: Option<RawBanner> = cx.parse(Side::Defaults, defaults);
        let h: Option<RawBanner> = cx.parse(Side::Host, host);
        // Neither table written: no banner. A table that did not parse
        // was reported; the host is left alone then too.
        let broken = (defaults.is_some() && d.is_none()) || (host.is_some() && h.is_none());
        if broken || (d.is_none() && h.is_none()) {
            return Box::new(BannerSettings::default());
        }
        Box::new(merge(cx, d.as_ref(), h.as_ref()))
    }

    fn codes(&self) -> &'static [CodeInfo] {
        CODES
    }
}

/// `[defaults.banner]` with the host's `banner` keys laid over it.
fn merge(cx: &mut SectionCx<'_>, d: Option<&RawBanner>, h: Option<&RawBanner>) -> BannerSettings {
    let text = match pick(d, h, |b| b.text.clone()) {
        Some((t, side)) if t.trim().is_empty() => {
            let at = cx.key(side, "text");
            no_text(cx, &at);
            return BannerSettings::default();
        }
        Some((t, side)) => {
            cx.text(&cx.key(side, "text"), &t, TEXT_MAX);
            t
        }
        None => {
            // Report at the table that was written (the host's, if any).
            let side = if h.is_some() {
                Side::Host
            } else {
                Side::Defaults
            };
            let at = cx.path(side).clone();
            no_text(cx, &at);
            return BannerSettings::default();
        }
    };
    let owner_notice = pick(d, h, |b| b.owner_notice.clone()).map(|(o, side)| {
        cx.text(&cx.key(side, "owner_notice"), &o, OWNER_MAX);
        o
    });
    BannerSettings {
        banner: Some(Banner { text, owner_notice }),
    }
}

fn no_text(cx: &mut SectionCx<'_>, at: &crate::inventory::source::KeyPath) {
    cx.error(
        at,
        "inv-banner-no-text",
        "the banner has no text",
        "set text = \"Authorised access only. Activity is logged.\"",
    );
}
