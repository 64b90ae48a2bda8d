//! The tera templates controls render their files from.
//!
//! Each control lists its own templates ([`Control::templates`]: name and
//! source, compiled into the binary from `templates/<control>/` with
//! `include_str!`, so a deployed harden cannot render with stale template
//! files); the engine here is built from every control in
//! [`super::ALL`], so a new control adds no line to this file. Tera is
//! strict: a variable the context lacks is an error naming the template
//! and the variable, never an empty string in a config file.
//!
//! [`Control::templates`]: crate::contract::Control::templates

use std::sync::OnceLock;

use tera::{Context, Tera};

use crate::contract::{Control, RenderError};

/// Every template of `controls`, checked: each name is `<id>/<file>` of
/// the control that lists it, and no name is listed twice.
fn collect(controls: &[&dyn Control]) -> Result<Vec<(&'static str, &'static str)>, String> {
    let mut all: Vec<(&'static str, &'static str)> = Vec::new();
    for c in controls {
        for &(name, src) in c.templates() {
            let ok = name
                .strip_prefix(c.id())
                .and_then(|rest| rest.strip_prefix('/'))
                .is_some_and(|file| !file.is_empty() && !file.contains('/'));
            if !ok {
                return Err(format!(
                    "control {} lists template `{name}`, not named `{}/<file>`",
                    c.id(),
                    c.id()
                ));
            }
            if all.iter().any(|(n, _)| *n == name) {
                return Err(format!("template `{name}` is listed twice"));
            }
            all.push((name, src));
        }
    }
    Ok(all)
}

/// A strict tera engine holding every template of `controls`.
fn build(controls: &[&dyn Control]) -> Result<Tera, String> {
    let mut t = Tera::default();
    t.autoescape_on(Vec::<&str>::new());
    t.add_raw_templates(collect(controls)?)
        .map_err(|e| format!("{e:?}"))?;
    Ok(t)
}

fn engine() -> Result<&'static Tera, RenderError> {
    static ENGINE: OnceLock<Result<Tera, String>> = OnceLock::new();
    ENGINE
        .get_or_init(|| build(super::ALL))
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
    use super::*;
    use crate::contract::{Facts, HostCtx, Plan, Probe};

    #[test]
    fn all_templates_compile() {
        let tera = engine().expect("every control's templates compile");
        for c in super::super::ALL {
            for (name, _) in c.templates() {
                assert!(
                    tera.get_template_names().any(|n| n == *name),
                    "{name} of {} is not in the engine",
                    c.id()
                );
            }
        }
        assert!(tera.get_template_names().any(|n| n == "sshd/sshd_config"));
        assert!(tera
            .get_template_names()
            .any(|n| n == "firewall/harden.nft"));
    }

    /// A test-only control with one template of its own.
    struct Fake(&'static [(&'static str, &'static str)]);

    impl Control for Fake {
        fn id(&self) -> &'static str {
            "fake"
        }
        fn templates(&self) -> &'static [(&'static str, &'static str)] {
            self.0
        }
        fn probes(&self, _: &HostCtx<'_>) -> Result<Vec<Probe>, RenderError> {
            Ok(Vec::new())
        }
        fn plan(&self, _: &HostCtx<'_>, _: &Facts) -> Result<Plan, RenderError> {
            Ok(Plan::new("fake"))
        }
    }

    #[test]
    fn a_controls_templates_are_registered_and_strict() {
        let fake = Fake(&[("fake/greeting", "hello {{ name }}\n")]);
        let tera = build(&[&fake]).expect("builds");
        let mut ctx = Context::new();
        ctx.insert("name", "world");
        assert_eq!(
            tera.render("fake/greeting", &ctx).expect("renders"),
            "hello world\n"
        );
        // Strict: a variable the context lacks is an error, never "".
        let e = tera
            .render("fake/greeting", &Context::new())
            .expect_err("a missing variable must fail");
        assert!(format!("{e:?}").contains("name"), "{e:?}");
    }

    #[test]
    fn a_template_outside_the_controls_folder_or_listed_twice_is_refused() {
        let other = Fake(&[("sshd/sshd_config", "x")]);
        assert!(build(&[&other]).is_err_and(|e| e.contains("not named `fake/<file>`")));
        let nested = Fake(&[("fake/a/b", "x")]);
        assert!(build(&[&nested]).is_err());
        let twice = Fake(&[("fake/a", "x"), ("fake/a", "y")]);
        assert!(build(&[&twice]).is_err_and(|e| e.contains("listed twice")));
        assert!(build(&[&Fake(&[("fake/bad", "{{ unclosed")])]).is_err());
    }
}
