//! Where everything of the reachability picture goes: a deterministic,
//! grid layout in integer user units of a 900-unit-wide viewBox (an A4
//! page's text width when drawn at 100%).
//!
//! Columns, left to right: outside sources | gatekeepers and load
//! balancers | backends and other hosts | data hosts. Rows: one band per
//! environment and tenant (production first), hosts sorted by name inside
//! each column of a band; sources stacked in the left column.

use super::model::{Model, Source, Tier};

/// Width of the viewBox.
pub const WIDTH: i32 = 900;
/// Height of the title and legend above the columns.
pub const TOP: i32 = 128;
/// Left edge and width of the sources column.
pub const SRC_X: i32 = 8;
/// Width of a source box.
pub const SRC_W: i32 = 150;
/// Left edge of each host column (front, back, data).
pub const COL_X: [i32; 3] = [226, 460, 694];
/// Width of a host box.
pub const COL_W: i32 = 198;
/// Left edge of the bands.
pub const BAND_X: i32 = 214;
/// Port rows shown per host at most (the last says how many more).
pub const MAX_ROWS: usize = 8;
/// Height of one port row.
pub const ROW_H: i32 = 13;
/// Detail lines of a source box at most.
pub const MAX_SRC_LINES: usize = 4;

/// An axis-aligned box.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rect {
    /// Left.
    pub x: i32,
    /// Top.
    pub y: i32,
    /// Width.
    pub w: i32,
    /// Height.
    pub h: i32,
}

impl Rect {
    /// Bottom edge.
    pub fn bottom(&self) -> i32 {
        self.y + self.h
    }
}

/// One outside source in the left column.
#[derive(Clone, Debug)]
pub struct SourceBox {
    /// Which.
    pub source: Source,
    /// Where.
    pub rect: Rect,
    /// Title line.
    pub title: String,
    /// Detail lines (addresses, what it reaches).
    pub lines: Vec<String>,
}

/// One host box.
#[derive(Clone, Debug)]
pub struct HostBox {
    /// Where.
    pub rect: Rect,
    /// Ports shown as rows (the rest summed up in `more`).
    pub rows: usize,
    /// Ports not shown.
    pub more: usize,
}

impl HostBox {
    /// Baseline of row `k` (0-based; `rows` is the "more" row).
    pub fn row_baseline(&self, k: usize) -> i32 {
        self.rect.y + 46 + ROW_H * k as i32
    }

    /// Where an edge to port row `k` ends (the box's left side).
    pub fn row_anchor(&self, k: usize) -> (i32, i32) {
        let k = k.min(self.rows);
        (self.rect.x, self.row_baseline(k) - 4)
    }

    /// Where an edge from this host starts (right side, name line).
    pub fn out_anchor(&self) -> (i32, i32) {
        (self.rect.x + self.rect.w, self.rect.y + 13)
    }
}

/// One environment/tenant band.
#[derive(Clone, Debug)]
pub struct Band {
    /// Index into `Model::groups`.
    pub group: usize,
    /// Where.
    pub rect: Rect,
}

/// The whole layout.
#[derive(Clone, Debug)]
pub struct Layout {
    /// viewBox height.
    pub height: i32,
    /// Source boxes, in model order.
    pub sources: Vec<SourceBox>,
    /// Host boxes, indexed like `Model::hosts`.
    pub hosts: Vec<HostBox>,
    /// Bands, in model order.
    pub bands: Vec<Band>,
}

impl Layout {
    /// The box of `source`, if it is drawn in the left column.
    pub fn source(&self, s: &Source) -> Option<&SourceBox> {
        self.sources.iter().find(|b| &b.source == s)
    }
}

fn column(t: Tier) -> usize {
    match t {
        Tier::Front => 0,
        Tier::Back => 1,
        Tier::Data => 2,
    }
}

fn cidrs(list: &[crate::inventory::Cidr]) -> Vec<String> {
    let mut out: Vec<String> = list
        .iter()
        .take(MAX_SRC_LINES - 1)
        .map(ToString::to_string)
        .collect();
    if list.len() > MAX_SRC_LINES - 1 {
        out.push(format!("+{} more", list.len() - (MAX_SRC_LINES - 1)));
    }
    out
}

/// Title and detail lines of a source box.
fn source_text(m: &Model, s: &Source) -> (String, Vec<String>) {
    match s {
        Source::Anyone => (
            "anyone (internet)".into(),
            vec!["any address, IPv4 and IPv6".into()],
        ),
        Source::Controller => {
            let mut l = cidrs(&m.controller);
            l.push("management port, always".into());
            ("controller (harden)".into(), l)
        }
        Source::Management => {
            let mut l = cidrs(&m.management);
            l.push("mgmt port: window only".into());
            ("management (mgmt)".into(), l)
        }
        Source::Net(c) => ("network".into(), vec![c.to_string()]),
        Source::OtherNets => ("other networks".into(), vec!["not drawn one by one".into()]),
        Source::Host(n) => (n.clone(), Vec::new()),
    }
}

/// Lays out `m`.
pub fn layout(m: &Model) -> Layout {
    let mut sources = Vec::new();
    let mut y = TOP;
    for s in m.sources() {
        let (title, lines) = source_text(m, &s);
        let h = 22 + 12 * lines.len() as i32;
        sources.push(SourceBox {
            source: s,
            rect: Rect {
                x: SRC_X,
                y,
                w: SRC_W,
                h,
            },
            title,
            lines,
        });
        y += h + 14;
    }
    let src_bottom = y;
    let mut hosts: Vec<Option<HostBox>> = vec![None; m.hosts.len()];
    let mut bands = Vec::new();
    let mut y = TOP;
    for (gi, g) in m.groups.iter().enumerate() {
        let top = y;
        let mut col_y = [top + 28; 3];
        for &i in &g.hosts {
            let h = &m.hosts[i];
            let c = column(h.tier);
            let (rows, more) = if h.ports.len() > MAX_ROWS {
                (MAX_ROWS - 1, h.ports.len() - (MAX_ROWS - 1))
            } else {
                (h.ports.len(), 0)
            };
            let shown = rows + usize::from(more > 0);
            let height = 40 + ROW_H * shown as i32;
            hosts[i] = Some(HostBox {
                rect: Rect {
                    x: COL_X[c],
                    y: col_y[c],
                    w: COL_W,
                    h: height,
                },
                rows,
                more,
            });
            col_y[c] += height + 10;
        }
        let bottom = col_y.iter().copied().max().unwrap_or(top + 28);
        bands.push(Band {
            group: gi,
            rect: Rect {
                x: BAND_X,
                y: top,
                w: WIDTH - BAND_X - 4,
                h: bottom - top,
            },
        });
        y = bottom + 12;
    }
    let hosts = hosts
        .into_iter()
        .map(|b| {
            b.unwrap_or(HostBox {
                rect: Rect {
                    x: 0,
                    y: 0,
                    w: 0,
                    h: 0,
                },
                rows: 0,
                more: 0,
            })
        })
        .collect();
    Layout {
        height: y.max(src_bottom) + 24,
        sources,
        hosts,
        bands,
    }
}
