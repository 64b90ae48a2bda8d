//! Banner control (an example, CIS 1.7-style): a legal notice in
//! `/etc/issue.net`, shown before login by services that display it.
//!
//! It manages only hosts whose inventory writes a `banner` table
//! (`[defaults.banner]` or `hosts[].banner`, see [`section`]) and owns one
//! file, root-owned and world-readable, through [`Plan::file`]: drift is a
//! content, mode or owner difference; apply writes the file, and nothing
//! needs reloading. sshd's own `Banner` keyword is left alone (the sshd
//! control owns sshd_config whole). This control is the worked example
//! of "adding a control": its folder, its templates under
//! `templates/banner/` and one line in [`crate::controls::ALL`].

pub mod section;

use serde::Serialize;

use crate::contract::{Control, Facts, HostCtx, ManagedFile, Plan, Probe, RenderError};
use crate::controls::templates;
use section::{Banner, BannerSettings};

/// The file the control owns.
pub const ISSUE_NET: &str = "/etc/issue.net";
/// Its mode: world-readable, as the login services read it.
pub const MODE: u32 = 0o644;
const TOM: &str = crate::tom::DATA_PROTECTION_MANAGEMENT.id;

/// The banner control.
pub struct BannerControl;

#[derive(Serialize)]
struct Ctx<'a> {
    text: &'a str,
    owner_notice: Option<&'a str>,
}

/// The host's notice, if it has one.
fn banner<'a>(ctx: &HostCtx<'a>) -> Option<&'a Banner> {
    ctx.host.settings::<BannerSettings>().banner.as_ref()
}

/// The rendered `/etc/issue.net`.
pub fn render(b: &Banner) -> Result<String, RenderError> {
    templates::render(
        "banner/issue.net",
        &Ctx {
            text: &b.text,
            owner_notice: b.owner_notice.as_deref(),
        },
    )
}

impl Control for BannerControl {
    fn id(&self) -> &'static str {
        "banner"
    }

    fn section(&self) -> Option<&'static dyn crate::contract::section::Section> {
        Some(&section::BannerSection)
    }

    fn measures(&self) -> &'static [&'static crate::tom::Tom] {
        &[crate::tom::DATA_PROTECTION_MANAGEMENT]
    }

    fn templates(&self) -> &'static [(&'static str, &'static str)] {
        &[(
            "banner/issue.net",
            include_str!("../../../templates/banner/issue.net.tera"),
        )]
    }

    fn applies(&self, ctx: &HostCtx<'_>) -> bool {
        banner(ctx).is_some()
    }

    fn probes(&self, _ctx: &HostCtx<'_>) -> Result<Vec<Probe>, RenderError> {
        Ok(vec![Probe::File(ISSUE_NET.into())])
    }

    fn plan(&self, ctx: &HostCtx<'_>, facts: &Facts) -> Result<Plan, RenderError> {
        let mut p = Plan::new(self.id());
        let Some(b) = banner(ctx) else {
            return Ok(p);
        };
        p.file(
            ManagedFile::root(ISSUE_NET, render(b)?, MODE, TOM),
            &facts.file(ISSUE_NET),
        );
        Ok(p)
    }
}

#[cfg(test)]
mod tests;
