//! Progress of long runs: a bar on a terminal, a plain line every tenth of the work otherwise.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// Reports progress over `total` units of work.
pub enum Progress {
    /// An interactive bar on stderr.
    Bar(ProgressBar),
    /// Plain lines on stderr at each tenth.
    Lines {
        label: String,
        total: usize,
        done: usize,
        next: usize,
    },
}

impl Progress {
    /// Starts progress for `total` units named by `label`.
    pub fn new(label: &str, total: usize) -> Self {
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(total as u64);
            if let Ok(style) = ProgressStyle::with_template("{prefix} [{bar:40}] {pos}/{len} {msg}")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_prefix(label.to_string());
            Self::Bar(bar)
        } else {
            Self::Lines {
                label: label.to_string(),
                total,
                done: 0,
                next: total.div_ceil(10).max(1),
            }
        }
    }

    /// Marks one unit done; `status` is a short running summary.
    pub fn step(&mut self, status: &str) {
        match self {
            Self::Bar(bar) => {
                bar.set_message(status.to_string());
                bar.inc(1);
            }
            Self::Lines {
                label,
                total,
                done,
                next,
            } => {
                *done += 1;
                if *done >= *next || *done == *total {
                    eprintln!("{label}: {done}/{total} {status}");
                    *next += total.div_ceil(10).max(1);
                }
            }
        }
    }

    /// Prints a line without breaking the bar.
    pub fn println(&self, line: &str) {
        match self {
            Self::Bar(bar) => bar.suspend(|| println!("{line}")),
            Self::Lines { .. } => println!("{line}"),
        }
    }

    /// Removes the bar.
    pub fn finish(self) {
        if let Self::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}
