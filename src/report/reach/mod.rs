//! The reachability picture of the estate: which sources may reach which
//! port on which host, drawn as inline SVG from the rendered firewalls
//! (`controls::firewall::render::openings`), with gatekeepers and their
//! backends, production and test, and tenants told apart.
//!
//! `model` reads the graph (tests assert on it), `layout` places it on a
//! fixed grid, `write` emits the SVG. The evidence report (`harden
//! report`) embeds [`svg`] as is.

pub mod layout;
pub mod model;
pub mod write;

#[cfg(test)]
mod model_tests;
#[cfg(test)]
mod svg_tests;

use crate::inventory::Inventory;

/// The picture for the hosts of `inv`, as one `<svg>` element (no script,
/// no external reference), or an empty string for an estate without hosts.
pub fn svg(inv: &Inventory) -> anyhow::Result<String> {
    if inv.hosts.is_empty() {
        return Ok(String::new());
    }
    let m = model::build(inv);
    let l = layout::layout(&m);
    Ok(write::svg(&m, &l))
}
