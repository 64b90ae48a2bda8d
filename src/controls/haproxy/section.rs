//! The gatekeeper's inventory section: `[defaults.gatekeeper]` merged with
//! `hosts[].gatekeeper` into [`GatekeeperSettings`]. (Being written: the
//! parse, validation and cross-host policy rules.)

use std::any::Any;

use crate::contract::section::{Section, SectionCx};

use super::model::GatekeeperSettings;

/// The `gatekeeper` section.
pub struct GatekeeperSection;

impl Section for GatekeeperSection {
    fn name(&self) -> &'static str {
        "gatekeeper"
    }

    fn load(
        &self,
        _cx: &mut SectionCx<'_>,
        _defaults: Option<&toml::Value>,
        _host: Option<&toml::Value>,
    ) -> Box<dyn Any + Send + Sync> {
        Box::new(GatekeeperSettings::default())
    }
}
