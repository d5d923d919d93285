//! The progress line on stderr of long interactive runs (never in CI logs or pipes).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Runs over fewer files finish before a progress line would help.
const PROGRESS_MIN_FILES: usize = 200;

/// What the linter calls with each parsed file's count, in the run of one configuration.
pub(super) type Callback = Arc<dyn Fn(usize) + Send + Sync>;

/// Files parsed out of the whole run's, across the runs of each configuration.
#[derive(Default)]
pub(super) struct Progress {
    total: Arc<AtomicUsize>,
    done_before: Arc<AtomicUsize>,
}

impl Progress {
    /// The callback that prints the line, when one is wanted (not `--quiet`, stderr a terminal).
    pub(super) fn callback(&self, wanted: bool) -> Option<Callback> {
        if !wanted {
            return None;
        }
        let total = self.total.clone();
        let before = self.done_before.clone();
        Some(Arc::new(move |n: usize| {
            let total = total.load(Ordering::Relaxed);
            let n = n + before.load(Ordering::Relaxed);
            if total >= PROGRESS_MIN_FILES && (n.is_multiple_of(50) || n == total) {
                if n == total {
                    eprint!("\r\x1b[2K");
                } else {
                    eprint!("\r\x1b[2Kplumbline: parsed {n}/{total} files");
                }
            }
        }))
    }

    /// How many files the whole run reads.
    pub(super) fn set_total(&self, files: usize) {
        self.total.store(files, Ordering::Relaxed);
    }

    /// One configuration's run is done with `files` files.
    pub(super) fn finished(&self, files: usize) {
        self.done_before.fetch_add(files, Ordering::Relaxed);
    }
}
