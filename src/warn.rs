//! The run-wide registry of runtime warnings: every warning harden prints
//! on stderr (outside the inventory's own diagnostics) goes through
//! [`say`] with a stable [`Code`], as one line
//! `harden: warning[CODE]: message`.
//!
//! A (code, message) pair is printed at most once per process, however
//! many hosts or events trigger it. The registry is bounded: it keeps at
//! most [`MAX_DISTINCT`] distinct warnings; further new ones are only
//! counted and [`finish`] prints one "N more warning(s) suppressed" line
//! at the end of the run. Messages may carry host or provider output, so
//! control characters are shown as `\u{…}` escapes and a message is cut to
//! [`MAX_MESSAGE`] characters: a warning is always one printable line.
//!
//! The codes are listed in docs/cli.md ("Warnings"); a test holds that
//! table, this enum and the code that uses it together.

use std::collections::BTreeSet;
use std::sync::Mutex;

/// Distinct warnings printed per run; later new ones are only counted.
pub const MAX_DISTINCT: usize = 100;
/// Longest message printed, in characters.
pub const MAX_MESSAGE: usize = 1000;

/// What a warning is about: its stable code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Code {
    /// Events are recorded but no `[report]` webhook is configured.
    NoWebhook,
    /// The outbox could not be listed, locked or fully read while
    /// delivering (nothing is left undelivered that is not also said loudly).
    Outbox,
    /// The `[report]` notifier cannot be set up: queued events wait.
    Notifier,
    /// The local audit log cannot be opened by a read-only run: the
    /// intents of interrupted runs are not checked this time.
    EventsUnchecked,
    /// More incomplete intents than one run reconciles.
    IntentsLeft,
    /// `[ca]` is configured but no CA exists yet (offline commands).
    CaMissing,
    /// The provider answered a maintenance opening with a warning.
    Provider,
    /// `maintenance list` closed overdue windows but cannot record it.
    OverdueUnrecorded,
    /// `report --from` reads a drift file without `inventory_sha256`.
    ReportUnanchored,
    /// The HTML report's reachability picture cannot be drawn.
    ReportNoPicture,
    /// More distinct warnings than [`MAX_DISTINCT`] in one run.
    Suppressed,
}

impl Code {
    /// Every code, in the order of docs/cli.md's table.
    pub const ALL: [Code; 11] = [
        Code::NoWebhook,
        Code::Outbox,
        Code::Notifier,
        Code::EventsUnchecked,
        Code::IntentsLeft,
        Code::CaMissing,
        Code::Provider,
        Code::OverdueUnrecorded,
        Code::ReportUnanchored,
        Code::ReportNoPicture,
        Code::Suppressed,
    ];

    /// The stable code printed in brackets.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::NoWebhook => "warn-no-webhook",
            Code::Outbox => "warn-outbox",
            Code::Notifier => "warn-notifier",
            Code::EventsUnchecked => "warn-events-unchecked",
            Code::IntentsLeft => "warn-intents-left",
            Code::CaMissing => "warn-ca-missing",
            Code::Provider => "warn-provider",
            Code::OverdueUnrecorded => "warn-overdue-unrecorded",
            Code::ReportUnanchored => "warn-report-unanchored",
            Code::ReportNoPicture => "warn-report-no-picture",
            Code::Suppressed => "warn-suppressed",
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The printed line of a warning: escaped, cut, one line.
pub fn line(code: Code, message: &str) -> String {
    let msg = crate::inventory::diagnostic::printable(message.trim(), MAX_MESSAGE);
    format!("harden: warning[{code}]: {msg}")
}

/// The warnings said so far, bounded.
#[derive(Debug)]
pub struct Registry {
    seen: BTreeSet<(Code, String)>,
    cap: usize,
    suppressed: usize,
}

impl Registry {
    /// An empty registry keeping at most `cap` distinct warnings.
    pub const fn new(cap: usize) -> Self {
        Registry {
            seen: BTreeSet::new(),
            cap,
            suppressed: 0,
        }
    }

    /// The line to print for this warning, or `None` when it was said
    /// already or the registry is full (then it is counted).
    pub fn admit(&mut self, code: Code, message: &str) -> Option<String> {
        let line = line(code, message);
        let key = (code, line.clone());
        if self.seen.contains(&key) {
            return None;
        }
        if self.seen.len() >= self.cap {
            self.suppressed += 1;
            return None;
        }
        self.seen.insert(key);
        Some(line)
    }

    /// The "N more suppressed" line, once: the count is reset.
    pub fn take_suppressed(&mut self) -> Option<String> {
        let n = std::mem::take(&mut self.suppressed);
        (n > 0).then(|| {
            line(
                Code::Suppressed,
                &format!(
                    "{n} more warning(s) suppressed (at most {} distinct warnings are shown per run)",
                    self.cap
                ),
            )
        })
    }

    /// How many distinct warnings were printed.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// True when nothing was printed.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry::new(MAX_DISTINCT));

fn with_in<T>(reg: &Mutex<Registry>, f: impl FnOnce(&mut Registry) -> T) -> T {
    let mut r = reg.lock().unwrap_or_else(|p| p.into_inner());
    f(&mut r)
}

fn with<T>(f: impl FnOnce(&mut Registry) -> T) -> T {
    with_in(&REGISTRY, f)
}

/// [`say`] against `reg`, writing to `out` (a closed stderr cannot be
/// reported anywhere, so a write error is ignored).
fn say_in(reg: &Mutex<Registry>, out: &mut dyn std::io::Write, code: Code, message: &str) {
    if let Some(l) = with_in(reg, |r| r.admit(code, message)) {
        let _ = writeln!(out, "{l}");
    }
}

/// Prints `harden: warning[CODE]: message` on stderr unless this run said
/// it already (see the module doc).
pub fn say(code: Code, message: impl std::fmt::Display) {
    say_in(
        &REGISTRY,
        &mut std::io::stderr().lock(),
        code,
        &message.to_string(),
    );
}

/// True when this process has said the warning (for tests elsewhere).
#[cfg(test)]
pub(crate) fn said(code: Code, message: &str) -> bool {
    let key = (code, line(code, message));
    with(|r| r.seen.contains(&key))
}

/// At the end of a run: the "N more warning(s) suppressed" line, if any.
pub fn finish() {
    if let Some(l) = with(Registry::take_suppressed) {
        eprintln!("{l}");
    }
}

#[cfg(test)]
#[path = "warn_tests.rs"]
mod tests;
