//! Desired against live, as sets of [`Atom`]s, shared by both provider
//! controls: what harden's own object must hold after this run
//! ([`judge`]), and the findings both report (`edge-rules`,
//! `edge-maintenance`, `edge-maintenance-overdue`, `edge-foreign`,
//! `edge-layers`).
//!
//! Lock-out safety: a live rule marked [`Mark::Controller`] that is no
//! longer desired (the controller's sources changed) is removed only once
//! every desired controller atom is already live in harden's object —
//! this run adds the new access, a later run removes the old one — and
//! never when no controller atom is desired at all.

use std::collections::{BTreeMap, BTreeSet};

use super::normalise::Unreadable;
use super::rule::{Atom, Mark};
use crate::report::model::{Finding, Fix};

/// The measure of the provider-firewall findings.
pub const TOM: &str = crate::tom::PROVIDER_FIREWALL.id;
/// The measure of a maintenance opening.
pub const TOM_WINDOW: &str = crate::tom::MGMT_WINDOW.id;

/// One live atom of harden's own object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Live {
    /// The atom.
    pub atom: Atom,
    /// Its rule's mark.
    pub mark: Option<Mark>,
    /// Its rule's id (OTC).
    pub id: Option<String>,
}

/// What to do with harden's own object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Everything the object must hold after this run, with marks:
    /// desired, open maintenance windows, controller rules kept.
    pub keep: BTreeMap<Atom, Mark>,
    /// Desired atoms not live.
    pub missing: Vec<Atom>,
    /// Live atoms to remove (neither desired, nor open, nor kept).
    pub extra: Vec<Live>,
    /// Maintenance openings past their expiry (removed), with the window.
    pub overdue: Vec<(Live, String, u64)>,
    /// Maintenance openings still open (kept): atom, window, until.
    pub open: Vec<(Atom, String, u64)>,
    /// Old controller atoms kept until the new ones are live.
    pub kept_controller: Vec<Atom>,
}

impl Verdict {
    /// True when the object's rules must change.
    pub fn drifts(&self) -> bool {
        !self.missing.is_empty() || !self.extra.is_empty() || !self.overdue.is_empty()
    }
}

/// Judges harden's object's `live` atoms against `desired` at `now`.
pub fn judge(desired: &BTreeMap<Atom, Mark>, live: &[Live], now: u64) -> Verdict {
    let live_set: BTreeSet<Atom> = live.iter().map(|l| l.atom).collect();
    let controller = super::desired::controller(desired);
    let new_access_live = !controller.is_empty() && controller.iter().all(|a| live_set.contains(a));
    let mut v = Verdict {
        keep: desired.clone(),
        missing: desired
            .keys()
            .filter(|a| !live_set.contains(a))
            .copied()
            .collect(),
        ..Verdict::default()
    };
    let mut seen = BTreeSet::new();
    for l in live {
        let first = seen.insert(l.atom);
        if desired.contains_key(&l.atom) && first {
            continue;
        }
        match &l.mark {
            _ if !first && v.keep.contains_key(&l.atom) => v.extra.push(l.clone()),
            Some(Mark::Maintenance { window, until }) if *until > now => {
                v.open.push((l.atom, window.clone(), *until));
                let mark = Mark::Maintenance {
                    window: window.clone(),
                    until: *until,
                };
                v.keep.insert(l.atom, mark);
            }
            Some(Mark::Maintenance { window, until }) => {
                v.overdue.push((l.clone(), window.clone(), *until));
            }
            Some(Mark::Controller) if !new_access_live => {
                v.kept_controller.push(l.atom);
                v.keep.insert(l.atom, Mark::Controller);
            }
            _ => v.extra.push(l.clone()),
        }
    }
    v.extra.sort_by_key(|l| l.atom);
    v
}

/// A bounded, comma-separated list of atoms (`none` when empty).
pub fn listed<'a>(atoms: impl IntoIterator<Item = &'a Atom>) -> String {
    let all: Vec<String> = atoms.into_iter().map(Atom::to_string).collect();
    if all.is_empty() {
        return "none".into();
    }
    let mut s = all.iter().take(20).cloned().collect::<Vec<_>>().join(", ");
    if all.len() > 20 {
        s.push_str(&format!(" … and {} more", all.len() - 20));
    }
    s
}

fn unreadable_text(u: &[Unreadable]) -> String {
    u.iter()
        .take(5)
        .map(|u| match &u.id {
            Some(id) => format!("rule {id}: {}", u.why),
            None => u.why.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// `edge-rules` of harden's object `name`: desired against live atoms,
/// missing and extra listed; `unreadable` rules of the object count as
/// extra (the fix replaces or deletes them).
pub fn rules_finding(
    control: &'static str,
    name: &str,
    desired: &BTreeMap<Atom, Mark>,
    live: &[Live],
    v: &Verdict,
    unreadable: &[Unreadable],
    fix: Fix,
) -> Finding {
    let f = Finding::new(control, "edge-rules", name, TOM);
    let expected = listed(desired.keys());
    let have: BTreeSet<Atom> = live.iter().map(|l| l.atom).collect();
    let mut msg = Vec::new();
    if !v.kept_controller.is_empty() {
        msg.push(format!(
            "the old controller access ({}) stays until the new one is live at the provider: this run adds it, a later run removes the old (harden never plans away its own access)",
            listed(&v.kept_controller)
        ));
    }
    if !v.missing.is_empty() || !v.extra.is_empty() || !unreadable.is_empty() {
        msg.insert(
            0,
            format!(
                "missing: {}; extra: {}",
                listed(&v.missing),
                listed(v.extra.iter().map(|l| &l.atom))
            ),
        );
        if !unreadable.is_empty() {
            msg.push(format!("unreadable: {}", unreadable_text(unreadable)));
        }
        return f
            .drift(expected, listed(&have), fix)
            .with_message(msg.join("; "));
    }
    let f = f.ok(expected);
    if msg.is_empty() {
        f
    } else {
        f.with_message(msg.join("; "))
    }
}

/// `edge-maintenance` (info, open until …) and `edge-maintenance-overdue`
/// (drift, fixed by `fix`) for harden's object `name`.
pub fn maintenance_findings(
    control: &'static str,
    name: &str,
    v: &Verdict,
    fix: impl Fn(&Live) -> Fix,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (atom, window, until) in &v.open {
        let at = crate::timefmt::rfc3339(*until);
        out.push(
            Finding::new(
                control,
                "edge-maintenance",
                format!("{name} {window}"),
                TOM_WINDOW,
            )
            .info(format!(
                "{atom} open at the provider until {at} (maintenance window {window})"
            )),
        );
    }
    for (l, window, until) in &v.overdue {
        let at = crate::timefmt::rfc3339(*until);
        out.push(
            Finding::new(control, "edge-maintenance-overdue", format!("{name} {window}"), TOM_WINDOW)
                .drift("closed", format!("{} open, due {at}", l.atom), fix(l))
                .with_message(format!(
                    "maintenance window {window} ended {at} but its opening is still at the provider (the provider cannot expire a rule); apply removes it"
                )),
        );
    }
    out
}

/// `edge-foreign` for a provider object harden does not own, applied to
/// the host's server: its inbound atoms are reported, never touched.
pub fn foreign_finding(
    control: &'static str,
    item: &str,
    atoms: &[Atom],
    unreadable: &[Unreadable],
) -> Finding {
    let f = Finding::new(control, "edge-foreign", item, TOM);
    if atoms.is_empty() && unreadable.is_empty() {
        return f.ok("no hand-made inbound rules");
    }
    let mut actual = listed(atoms);
    if !unreadable.is_empty() {
        actual.push_str(&format!("; unreadable: {}", unreadable_text(unreadable)));
    }
    f.drift("no hand-made inbound rules", actual, Fix::None)
        .with_message("made outside harden and applied to this server: harden reports it and never changes it; move its rules into the inventory's allow entries, then detach it")
}

/// `edge-foreign` when no foreign object is applied.
pub fn no_foreign(control: &'static str, server: &str) -> Finding {
    Finding::new(control, "edge-foreign", server, TOM).ok("no hand-made inbound rules")
}

fn covers(h: &Atom, e: &Atom) -> bool {
    let ports = match (h.ports, e.ports) {
        (None, None) => true,
        (Some((a, b)), Some((c, d))) => a <= c && d <= b,
        _ => false,
    };
    h.proto == e.proto
        && ports
        && h.source.is_v4() == e.source.is_v4()
        && h.source.prefix <= e.source.prefix
        && h.source.contains(e.source.addr)
}

/// `edge-layers`: the atoms open at the edge (`edge`, harden's object and
/// foreign ones; open maintenance windows left out) against the host
/// firewall as harden renders it (`host`). An atom counts as open on a
/// layer when one atom of that layer covers it.
pub fn layers_finding(
    control: &'static str,
    item: &str,
    edge: &BTreeSet<Atom>,
    host: &BTreeSet<Atom>,
) -> Finding {
    let only_edge: Vec<&Atom> = edge
        .iter()
        .filter(|e| !host.iter().any(|h| covers(h, e)))
        .collect();
    let only_host: Vec<&Atom> = host
        .iter()
        .filter(|h| !edge.iter().any(|e| covers(e, h)))
        .collect();
    let f = Finding::new(control, "edge-layers", item, TOM);
    if only_edge.is_empty() && only_host.is_empty() {
        return f.ok("both layers open the same ports");
    }
    f.drift(
        "both layers open the same ports",
        format!(
            "open at the edge, closed on the host: {}; allowed by the host, blocked at the edge: {}",
            listed(only_edge),
            listed(only_host)
        ),
        Fix::None,
    )
    .with_message("compared with the host firewall as harden renders it from the inventory (the host's live ruleset is the firewall control's check); an opening only at the edge is announced to the internet, one only on the host is unreachable")
}

#[cfg(test)]
#[path = "compare_tests.rs"]
mod tests;
