//! Progress display: an indicatif spinner per host on a terminal, plain
//! `host: step` lines otherwise (CI logs). Always on stderr, so stdout
//! carries only the report.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::engine::run::Progress;
use crate::report::model::{with_host_prefix, without_host_prefix};

/// The progress sink handed to the engine.
pub struct Ui {
    multi: MultiProgress,
    bars: HashMap<String, ProgressBar>,
    plain: bool,
}

impl Ui {
    /// One line per host; `force_plain` disables spinners.
    pub fn new(hosts: Vec<String>, force_plain: bool) -> Arc<Self> {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let plain = force_plain || multi.is_hidden();
        let mut bars = HashMap::new();
        if !plain {
            let style = ProgressStyle::with_template("{spinner} {prefix:.bold} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            let width = hosts.iter().map(String::len).max().unwrap_or(0);
            for h in hosts {
                let b = multi.add(ProgressBar::new_spinner());
                b.set_style(style.clone());
                b.set_prefix(format!("{h:width$}"));
                b.enable_steady_tick(Duration::from_millis(120));
                bars.insert(h, b);
            }
        }
        Arc::new(Ui { multi, bars, plain })
    }

    /// Clears the spinners.
    pub fn finish(&self) {
        for b in self.bars.values() {
            b.finish();
        }
        let _ = self.multi.clear();
    }
}

/// Every progress line names its host exactly once, whatever prefix the
/// message already had.
impl Progress for Ui {
    fn step(&self, host: &str, msg: &str) {
        match self.bars.get(host) {
            Some(b) if !self.plain => b.set_message(without_host_prefix(host, msg)),
            _ => eprintln!("{}", with_host_prefix(host, msg)),
        }
    }

    fn done(&self, host: &str, msg: &str) {
        match self.bars.get(host) {
            Some(b) if !self.plain => b.finish_with_message(without_host_prefix(host, msg)),
            _ => eprintln!("{}", with_host_prefix(host, msg)),
        }
    }
}
