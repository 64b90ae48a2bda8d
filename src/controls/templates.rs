//! The tera templates controls render their files from.
//!
//! Templates live in `templates/<control>/` and are compiled into the
//! binary, so a deployed harden cannot render with stale template files.
//! Tera is strict: a variable the context lacks is an error naming the
//! template and the variable, never an empty string in a config file.

use std::sync::OnceLock;

use tera::{Context, Tera};

use crate::contract::RenderError;

const TEMPLATES: &[(&str, &str)] = &[
    (
        "firewall/harden.nft",
        include_str!("../../templates/firewall/harden.nft.tera"),
    ),
    (
        "sshd/sshd_config",
        include_str!("../../templates/sshd/sshd_config.tera"),
    ),
];

fn engine() -> Result<&'static Tera, RenderError> {
    static ENGINE: OnceLock<Result<Tera, String>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let mut t = Tera::new();
            t.autoescape_on(Vec::<&str>::new());
            t.add_raw_templates(TEMPLATES.iter().copied())
                .map_err(|e| format!("{e:?}"))?;
            Ok(t)
        })
        .as_ref()
        .map_err(|e| RenderError(format!("built-in templates do not compile: {e}")))
}

/// Renders template `name` with a serialisable context.
pub fn render<T: serde::Serialize>(name: &str, ctx: &T) -> Result<String, RenderError> {
    let tera = engine()?;
    let ctx =
        Context::from_serialize(ctx).map_err(|e| RenderError(format!("template {name}: {e:?}")))?;
    tera.render(name, &ctx)
        .map_err(|e| RenderError(format!("template {name}: {e:?}")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn all_templates_compile() {
        assert!(super::engine().is_ok());
    }
}
