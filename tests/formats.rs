//! Reads the findings back out of each report format, so a test can check
//! that text, JSON, JUnit and HTML say the same: one [`Item`] per finding,
//! by plain string extraction (no XML or HTML parser).

/// One finding as a report shows it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Item {
    pub host: String,
    pub control: String,
    pub check: String,
    pub item: String,
    /// `drift`, `in-sync`, `changed`, `failed` or `info` (JUnit cannot tell
    /// `in-sync` from `changed`: both are a bare test case, read as `in-sync`).
    pub status: String,
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The text between `start` and the next `end` after it, from `at`.
fn between<'a>(s: &'a str, at: usize, start: &str, end: &str) -> Option<(&'a str, usize)> {
    let a = at + s[at..].find(start)? + start.len();
    let b = a + s[a..].find(end)?;
    Some((&s[a..b], b))
}

/// The findings of a JSON report, sorted.
pub fn from_json(j: &serde_json::Value) -> Vec<Item> {
    let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let mut out = Vec::new();
    for h in j["hosts"].as_array().into_iter().flatten() {
        for f in h["findings"].as_array().into_iter().flatten() {
            out.push(Item {
                host: s(&h["host"]),
                control: s(&f["control"]),
                check: s(&f["check"]),
                item: s(&f["item"]),
                status: s(&f["status"]),
            });
        }
    }
    out.sort();
    out
}

/// The findings of a JUnit report, sorted.
pub fn from_junit(x: &str) -> Vec<Item> {
    let mut out = Vec::new();
    for case in x.split("<testcase ").skip(1) {
        let case = case.split("</testcase>").next().unwrap_or_default();
        let Some((class, end)) = between(case, 0, "classname=\"", "\"") else {
            continue;
        };
        let Some((name, end)) = between(case, end, "name=\"", "\"") else {
            continue;
        };
        let (host, control) = class.rsplit_once('.').unwrap_or((class, ""));
        let Some((check, rest)) = name.split_once(' ') else {
            continue; // a host's own error (`connect`, `run`)
        };
        let item = rest.rsplit_once(" [").map_or(rest, |(i, _)| i);
        let body = &case[end..];
        let status = if body.contains("<failure") {
            "drift"
        } else if body.contains("<error") {
            "failed"
        } else if body.contains("<system-out>") {
            "info"
        } else {
            "in-sync"
        };
        out.push(Item {
            host: unescape(host),
            control: control.to_string(),
            check: check.to_string(),
            item: unescape(item),
            status: status.to_string(),
        });
    }
    out.sort();
    out
}

/// The findings of an HTML report, sorted.
pub fn from_html(h: &str) -> Vec<Item> {
    let mut out = Vec::new();
    for section in h.split("<h3>").skip(1) {
        let host = section.split(" (").next().unwrap_or_default();
        for row in section.split("<tr class=\"").skip(1) {
            let cells: Vec<&str> = row
                .split("<td>")
                .skip(1)
                .map(|c| c.split("</td>").next().unwrap_or_default())
                .collect();
            if cells.len() < 4 {
                continue;
            }
            out.push(Item {
                host: unescape(host),
                control: cells[0].to_string(),
                check: cells[1].to_string(),
                item: unescape(cells[2]),
                status: cells[3].to_string(),
            });
        }
    }
    out.sort();
    out
}

/// One finding line of a (verbose) text report: host, control, symbol and
/// the rest of the line after the symbol.
pub fn text_lines(t: &str) -> Vec<(String, String, char, String)> {
    let mut out = Vec::new();
    let (mut host, mut control) = (String::new(), String::new());
    for l in t.lines() {
        if let Some(rest) = l.strip_prefix("    ") {
            if let Some(r) = rest.strip_prefix("  ") {
                // `  item` is an in-sync line; deeper is a diff line.
                if !r.starts_with(' ') {
                    out.push((host.clone(), control.clone(), ' ', r.to_string()));
                }
                continue;
            }
            let mut cs = rest.chars();
            let sym = cs.next().unwrap_or(' ');
            let item = cs.as_str().strip_prefix(' ').unwrap_or_default();
            out.push((host.clone(), control.clone(), sym, item.to_string()));
        } else if let Some(c) = l.strip_prefix("  ") {
            if !c.starts_with(['#', '!', ' ']) {
                control = c.to_string();
            }
        } else if let Some((h, _)) = l.split_once(" (") {
            if l.contains("): ") && !l.starts_with("Legend") {
                host = h.to_string();
            }
        }
    }
    out
}

/// The text report's symbol for a JSON status.
pub fn symbol(status: &str) -> char {
    match status {
        "drift" => '~',
        "changed" => '+',
        "failed" => '!',
        "info" => 'i',
        _ => ' ',
    }
}
